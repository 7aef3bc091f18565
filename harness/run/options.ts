// What one run is asked to do, typed, and checked completely before anything is set up: a bad
// value costs nothing, and a finished run never fails at the end on an option.
import type { LinkConditions } from '../lab/conditions.js';
import type { BackendChoice, Lab, TcpCongestionControl } from '../lab/lab.js';
import type { AnyScenario } from '../scenario/types.js';
import type { RunTrigger } from '../results/schema.js';
import type { TargetRequest } from '../target/target-run.js';

export type { RunTrigger };
import { checkOutputDirectory, checkOutputFile } from './output-paths.js';

/** Bad input to a run: the CLI prints it as one line and exits 2. */
export class RunOptionsError extends Error {}

export type LinkChoice =
  | { kind: 'loopback' }
  /** No lab: the clients on this host reach a remote target (--target) over its own network. */
  | { kind: 'direct' }
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
  congestionControl?: TcpCongestionControl;
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
  /** Wait while another process holds the lab (default); false: refuse at once (LabBusyError). */
  waitForLab?: boolean;
  signal?: AbortSignal;
  /** How the run was started (a campaign, a scheduler): recorded in the result. */
  trigger?: RunTrigger;
  /** A remote server to run the clients against instead of the lab's servers (the scenario already shaped by scenarioForTarget). */
  target?: TargetRequest;
}

/** Ranges of the numeric options; the CLI's parsers share them. */
export const OPTION_RANGES = {
  samples: { flag: '--samples', min: 1, max: 100_000, unit: '' },
  warmup: { flag: '--warmup', min: 0, max: 1000, unit: '' },
  /** A day: a sample that runs longer is a hung one. */
  sampleTimeoutMs: { flag: '--timeout', min: 1, max: 86_400_000, unit: ' ms' },
  /** Whole milliseconds: what the QUIC stacks' command lines take. */
  quicInitialRttMs: { flag: '--quic-initial-rtt', min: 1, max: 60_000, unit: ' ms' },
  tcpReferenceSeconds: { flag: 'tcpReferenceSeconds', min: 1, max: 600, unit: ' s' },
} as const;

/** Every range holds whole numbers (of its unit), in the form the CLI's parsers use. */
function checkRange(name: keyof typeof OPTION_RANGES, value: number | undefined): void {
  if (value === undefined) return;
  const { flag, min, max, unit } = OPTION_RANGES[name];
  if (!Number.isFinite(value) || value < min || value > max) throw new RunOptionsError(`${flag}: ${value}${unit} is out of range (${min} to ${max}${unit})`);
  if (!Number.isInteger(value)) throw new RunOptionsError(`${flag}: ${value}${unit} is not a whole number${unit ? ` of${unit}` : ''} (${min} to ${max}${unit})`);
}

/** Throws a RunOptionsError naming the first thing wrong with `options` for `scenario`; touches nothing. */
export async function checkSessionOptions(scenario: AnyScenario, options: SessionOptions): Promise<void> {
  checkRange('samples', options.samples);
  checkRange('warmup', options.warmup);
  checkRange('sampleTimeoutMs', options.sampleTimeoutMs !== undefined ? Math.ceil(options.sampleTimeoutMs) : undefined);
  checkRange('quicInitialRttMs', options.quicInitialRttMs);
  checkRange('tcpReferenceSeconds', options.tcpReferenceSeconds);
  const onLab = options.link.kind === 'lab' || options.lab !== undefined;
  const labOnly = scenario.needsLab ?? (scenario.cases.some((c) => c.impairment !== undefined) ? 'it changes the lab link during the run' : undefined);
  if (!onLab && labOnly !== undefined) {
    throw new RunOptionsError(`${scenario.name} runs on the lab only (${labOnly}): drop --link loopback (the lab's default link is the broadband profile)`);
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
