// What one run is asked to do, typed, and checked completely before anything is set up: a bad
// value costs nothing, and a finished run never fails at the end on an option.
import type { LinkConditions } from '../lab/conditions.js';
import type { BackendChoice, Lab } from '../lab/lab.js';
import type { AnyScenario } from '../scenario/types.js';
import { checkOutputDirectory, checkOutputFile } from './output-paths.js';

/** Bad input to a run: the CLI prints it as one line and exits 2. */
export class RunOptionsError extends Error {}

export type CongestionControl = 'cubic' | 'reno' | 'bbr';

export type LinkChoice =
  | { kind: 'loopback' }
  | {
      kind: 'lab';
      conditions: LinkConditions;
      backend: BackendChoice;
      /** The named profile the conditions came from, if any (recorded). */
      profile: string | null;
    };

export interface SessionOptions {
  link: LinkChoice;
  /** Default: the scenario's. */
  samples?: number;
  warmup?: number;
  sampleTimeoutMs?: number;
  /** TCP in both namespaces and the QUIC stacks that offer it (default cubic). */
  congestionControl?: CongestionControl;
  /** QUIC's initial RTT on both sides (default the stack's own, RFC 9002's 333 ms). */
  quicInitialRttMs?: number;
  /** Packet capture for scenarios that check against the wire (default on). */
  capture?: boolean;
  /** Keep the capture and its key log in this directory. */
  keepCapturesDir?: string;
  /** Where the result goes: the results directory (default results/) and further copies. */
  output?: { resultsDir: string; copies?: readonly string[]; reports?: boolean };
  /** Seconds of the iperf3 TCP reference on transfer scenarios (default 5). */
  tcpReferenceSeconds?: number;
  /** A lab the caller already runs (and stops); default: the session builds its own. */
  lab?: Lab;
  signal?: AbortSignal;
}

/** Ranges of the numeric options; the CLI's parsers share them. */
export const OPTION_RANGES = {
  samples: { min: 1, max: 100_000 },
  warmup: { min: 0, max: 1000 },
  /** A day: a sample that runs longer is a hung one. */
  sampleTimeoutMs: { min: 1, max: 86_400_000 },
  quicInitialRttMs: { min: 1, max: 60_000 },
  tcpReferenceSeconds: { min: 1, max: 600 },
} as const;

function checkRange(name: keyof typeof OPTION_RANGES, flag: string, value: number | undefined, integer: boolean): void {
  if (value === undefined) return;
  const { min, max } = OPTION_RANGES[name];
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min || value > max) {
    throw new RunOptionsError(`${flag}: ${value} is out of range (${integer ? 'a whole number ' : ''}from ${min} to ${max})`);
  }
}

/** Throws a RunOptionsError naming the first thing wrong with `options` for `scenario`; touches nothing. */
export async function checkSessionOptions(scenario: AnyScenario, options: SessionOptions): Promise<void> {
  checkRange('samples', '--samples', options.samples, true);
  checkRange('warmup', '--warmup', options.warmup, true);
  checkRange('sampleTimeoutMs', '--timeout', options.sampleTimeoutMs, false);
  checkRange('quicInitialRttMs', '--quic-initial-rtt', options.quicInitialRttMs, false);
  checkRange('tcpReferenceSeconds', 'tcpReferenceSeconds', options.tcpReferenceSeconds, true);
  const onLab = options.link.kind === 'lab' || options.lab !== undefined;
  const labOnly = scenario.needsLab ?? (scenario.cases.some((c) => c.impairment !== undefined) ? 'it changes the lab link during the run' : undefined);
  if (!onLab && labOnly !== undefined) {
    throw new RunOptionsError(`${scenario.name} runs on the lab only (${labOnly}): give link options, e.g. --profile lan or --rtt 40ms --rate 20mbit`);
  }
  if (options.keepCapturesDir !== undefined) {
    if (!scenario.wireTruth) throw new RunOptionsError(`--keep-captures: ${scenario.name} records no packet capture`);
    if (options.capture === false) throw new RunOptionsError('--keep-captures: drop --no-capture');
    await checkOutputDirectory(options.keepCapturesDir, '--keep-captures');
  }
  if (options.output) {
    await checkOutputDirectory(options.output.resultsDir, '--results-dir');
    for (const copy of options.output.copies ?? []) await checkOutputFile(copy, '--out');
  }
}
