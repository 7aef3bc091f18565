// The run engine: one scenario run, end to end. Every caller (the CLI, the bench, tests,
// campaigns) runs a scenario through runSession, in-process. It owns the lab, the PKI, the
// capture, the calibration, the TCP reference, the endpoints' placement, the run loop,
// writing the result and its reports, and cleanup (also on errors and interrupts).
import { markUnavailable, missingRoles } from './availability.js';
import { RunWireTap } from '../capture/wire-tap.js';
import { calibrateLab } from '../lab/calibrate.js';
import { directionBdpBytes, MTU_BYTES } from '../lab/conditions.js';
import { applyImpairment, type Impairment } from '../lab/impairment.js';
import { LAB_DEVICE, RATE_FRAMING_BYTES, startLab, type Lab } from '../lab/lab.js';
import { acquireLabLock } from '../lab/lock.js';
import { reapLeftovers } from '../lab/namespaces.js';
import { tcpReference } from '../measure/iperf3.js';
import { payloadCapacity, referenceCapacityFlags, tcpTimestampsOn, type PayloadCapacity } from '../measure/payload-capacity.js';
import { PkiSet } from '../pki/pki-set.js';
import { DEFAULT_CERTS_DIR, ensurePki } from '../pki/store.js';
import { writeReportsBeside } from '../report/write-reports.js';
import { newRunId } from '../results/run-id.js';
import type { LinkInfo, ResultDocument } from '../results/schema.js';
import { resultFileName, resultText } from '../results/write.js';
import { sendsBody, type AnyScenario } from '../scenario/types.js';
import { runScenario, type ProgressEvent } from './loop.js';
import { checkSessionOptions, RunOptionsError, type SessionOptions } from './options.js';
import { writeEverywhere } from './output-paths.js';
import { LAB_IP_VERSION, placementFor } from './placement.js';
import { recoveredLines, recoverJournals, RunJournal } from './journal.js';
import { join } from 'node:path';
import { prepareTarget, type PreparedTarget } from '../target/prepare.js';
import { TargetRequestError } from '../target/target-error.js';
import { bodyPathOf, routeInterface, sumDefined, targetInfoOf } from '../target/session-parts.js';
import type { TargetInfo } from '../results/schema.js';

/** Long enough for cubic or bbr to leave slow start on the slowest profiles. */
const DEFAULT_TCP_REFERENCE_SECONDS = 5;

export interface SessionHooks {
  /** Setup steps and every sample (with the overall count), for a progress display. */
  onProgress?: (event: ProgressEvent) => void;
  /** Something the user should know that is not an error (a report not written, a fallback path). */
  onWarning?: (message: string) => void;
  /** The options passed their checks; nothing is set up yet (a refused run never gets here). */
  onChecked?: () => void;
  /** Another process holds the lab and this run waits for it ("waiting for the lab: in use by pid N (purpose)…"). */
  onWaitForLab?: (message: string) => void;
}

export interface SessionResult {
  document: ResultDocument;
  /** Where the result JSON went (empty when the options asked for no output). */
  resultPaths: string[];
  reportPaths: string[];
  /** 0 completed, 1 failed (or a case failed its test), 3 completed with no sample that succeeded, 130 interrupted. */
  exitCode: number;
}

/** A run that went to its end but whose every sample failed measured nothing: not a success. */
export const EXIT_NO_SAMPLE_SUCCEEDED = 3;
/** A run that failed, or a case that failed its test. */
export const EXIT_FAILED = 1;

export function exitCodeOf(status: ResultDocument['status']): number {
  return status === 'completed' ? 0 : status === 'aborted' ? 130 : EXIT_FAILED;
}

/**
 * The exit code of a finished run's document: its status, 3 when samples were taken and none
 * succeeded, and (as k6 does for failed thresholds) 1 when a case with a test (interop) failed
 * it; an unsupported case fails nothing.
 */
export function runExitCode(document: Pick<ResultDocument, 'status' | 'cases'>): number {
  const samples = document.cases.flatMap((c) => c.samples);
  if (document.status === 'completed' && samples.length > 0 && samples.every((sample) => sample.status === 'failed')) return EXIT_NO_SAMPLE_SUCCEEDED;
  if (document.status === 'completed' && document.cases.some((c) => c.verdict?.status === 'failed')) return EXIT_FAILED;
  return exitCodeOf(document.status);
}

/** The most TCP and QUIC payload the lab's link carries, from its rates, MTU and backend. */
export function labPayloadCapacity(lab: Pick<Lab, 'backend' | 'conditions' | 'settings'>): PayloadCapacity {
  return payloadCapacity({
    upBitsPerSecond: lab.conditions.up.rateBitsPerSecond,
    downBitsPerSecond: lab.conditions.down.rateBitsPerSecond,
    mtuBytes: MTU_BYTES,
    ipVersion: LAB_IP_VERSION,
    rateFramingBytes: RATE_FRAMING_BYTES[lab.backend],
    tcpTimestamps: tcpTimestampsOn(lab.settings),
  });
}

/** The lab's link as the result records it, before anything is measured. */
function configuredLink(lab: Lab | null, profile: string | null, bdpBytes: number, direct: boolean): LinkInfo {
  if (!lab) return { backend: direct ? 'direct' : 'loopback', profile: null, configured: null, achieved: null };
  return {
    backend: lab.backend,
    profile,
    configured: {
      ...lab.conditions,
      namespaceSettings: lab.settings,
      ...(bdpBytes > 0 ? { bandwidthDelayProductBytes: bdpBytes } : {}),
      payloadCapacity: labPayloadCapacity(lab),
    },
    achieved: null,
  };
}

/** Ctrl-C (the options' signal) during setup: nothing was measured, everything made is removed. */
export class RunInterruptedError extends Error {}

/** Runs `scenario` as `options` say and returns its result document, written where asked. */
export async function runSession(requested: AnyScenario, options: SessionOptions, hooks: SessionHooks = {}): Promise<SessionResult> {
  // Before anything is set up: an implementation setup skipped is refused, or in an every-pair run (interop) recorded as unavailable.
  const scenario = markUnavailable(requested, await missingRoles(requested));
  await checkSessionOptions(scenario, options);
  hooks.onChecked?.();
  const progress = hooks.onProgress;
  const warn = hooks.onWarning ?? (() => {});
  const runId = newRunId(scenario.name);
  const pki = await ensurePki({}, DEFAULT_CERTS_DIR);
  const pkiSet = new PkiSet();
  let ownLab: Lab | null = null;
  let releaseLab: (() => Promise<void>) | undefined;
  let wireTap: RunWireTap | undefined;
  let journal: RunJournal | undefined;
  let remote: PreparedTarget | undefined;
  // Setup steps take seconds each (the lab, calibration, iperf3): an interrupt stops between them.
  const stopIfInterrupted = (next: string): void => {
    if (options.signal?.aborted) throw new RunInterruptedError(`interrupted before ${next}: nothing was measured`);
  };
  try {
    // A target that cannot be reached or trusted is refused at once, not after waiting for the lab.
    if (options.target) {
      stopIfInterrupted('contacting the target');
      progress?.({ kind: 'setup', message: `contacting ${options.target.url.host}` });
      remote = await prepareTarget(options.target).catch((error: unknown) => {
        throw error instanceof TargetRequestError ? new RunOptionsError(error.message) : error;
      });
    }
    let lab: Lab | null = options.lab ?? null;
    if (!lab) {
      // One run at a time on this host, on loopback too: two runs on the same cores measure each other.
      releaseLab = await takeTheLab(`scenario ${scenario.name}${options.link.kind === 'lab' ? '' : ` (${options.link.kind})`}`, options, hooks);
      // What killed runs left: namespaces, processes in them, key logs and captures; and their samples.
      await reapLeftovers();
      for (const line of recoveredLines(await recoverJournals(options.output ? [options.output.resultsDir] : [], 'the next run'))) warn(line);
    }
    if (lab && remote && options.target?.viaLab === true && !lab.egress?.destinationsIpv4.includes(remote.resolved.address)) {
      throw new RunOptionsError(`--via-lab: the lab given was built without egress to ${remote.resolved.address}`);
    }
    if (!lab && options.link.kind === 'lab') {
      stopIfInterrupted('building the lab');
      progress?.({ kind: 'setup', message: 'building the lab network' });
      ownLab = await startLab({
        conditions: options.link.conditions,
        backend: options.link.backend,
        ...(options.congestionControl !== undefined ? { tcpCongestionControl: options.congestionControl } : {}),
        purpose: `scenario ${scenario.name}`,
        // --via-lab: the client namespace reaches the target (and nothing else) through the emulated link.
        ...(remote && options.target?.viaLab === true ? { egress: { destinationsIpv4: [remote.resolved.address] } } : {}),
      });
      lab = ownLab;
    }
    const bdpBytes = lab ? Math.max(directionBdpBytes(lab.conditions, 'up') ?? 0, directionBdpBytes(lab.conditions, 'down') ?? 0) : 0;
    if (scenario.wireTruth && options.capture !== false) {
      wireTap = await RunWireTap.create({
        // A target reached directly: the interface this host routes it by.
        interfaceName: lab ? LAB_DEVICE : remote ? await routeInterface(remote.resolved.address) : 'lo',
        ...(lab ? { netns: lab.namespaces.client } : {}),
        ...(options.keepCapturesDir !== undefined ? { keepDir: options.keepCapturesDir, keepPrefix: runId } : {}),
      });
    }
    const link = configuredLink(lab, options.link.kind === 'lab' ? options.link.profile : null, bdpBytes, options.link.kind === 'direct');
    if (lab) {
      // Before measuring: what the link really does, recorded beside what was asked for.
      stopIfInterrupted('calibrating the link');
      progress?.({ kind: 'setup', message: 'calibrating the link' });
      link.achieved = { calibration: await calibrateLab(lab) };
      if (scenario.linkReference) {
        const direction = scenario.cases.some((c) => sendsBody(c.workload)) ? 'up' : 'down';
        stopIfInterrupted('the TCP reference');
        progress?.({ kind: 'setup', message: `iperf3 TCP reference (${direction})` });
        const reference = await tcpReference(lab, {
          direction,
          congestionControl: options.congestionControl ?? 'cubic',
          seconds: options.tcpReferenceSeconds ?? DEFAULT_TCP_REFERENCE_SECONDS,
          // --no-capture: no packet capture at all, so no wire figure either.
          ...(options.capture !== false ? { captureInterface: LAB_DEVICE } : {}),
        });
        const capacity = link.configured?.payloadCapacity;
        const flags = capacity ? referenceCapacityFlags(reference, capacity) : [];
        link.achieved.tcpReference = { ...reference, ...(flags.length > 0 ? { flags } : {}) };
      }
      await lab.emulator?.resetStats();
    }
    let targetInfo: TargetInfo | undefined;
    if (remote && options.target) {
      stopIfInterrupted('measuring the path to the target');
      progress?.({ kind: 'setup', message: `measuring the path to ${remote.resolved.address}` });
      targetInfo = await targetInfoOf(remote, options.target, scenario, options);
    }
    stopIfInterrupted('the samples');
    // Round trips count the whole way: the emulated link (calibrated) and a target's own path.
    const calibratedRoundTripMs = sumDefined(link.achieved?.calibration?.rttMedianMs ?? undefined, targetInfo?.path?.rttMedianMs ?? undefined);
    // Cases that change the link while the run goes (impairments, rebinding) need the emulator;
    // with it, each sample also records the drops by cause during it.
    const emulator = lab?.emulator ?? null;
    journal = options.output ? new RunJournal(options.output.resultsDir, runId, warn) : undefined;
    const document = await runScenario(scenario, {
      runId,
      samples: options.samples ?? scenario.defaults.samples,
      warmup: options.warmup ?? scenario.defaults.warmup,
      sampleTimeoutMs: options.sampleTimeoutMs ?? scenario.defaults.sampleTimeoutMs,
      tls: remote?.tls ?? pki.material,
      certificates: remote?.certificates ?? pki.info,
      certificatesFor: async (spec) => {
        const made = await pkiSet.get(spec);
        return { material: made.material, info: made.info };
      },
      ...(wireTap ? { wireTap } : {}),
      ...(calibratedRoundTripMs !== undefined ? { roundTripMs: calibratedRoundTripMs } : {}),
      ...(lab ? { namespaces: lab.namespaces } : {}),
      ...(lab && emulator
        ? {
            setImpairment: (impairment: Impairment | undefined) => applyImpairment(lab, impairment),
            linkControl: { rebind: (kind: 'port' | 'address') => emulator.rebind(kind), restore: () => emulator.restoreBinding() },
            linkStats: () => emulator.stats(),
            queueRecorder: {
              start: (recording: { intervalMs: number; maxSamples?: number }) => emulator.startQueueRecording(recording),
              stop: () => emulator.stopQueueRecording(),
              series: () => emulator.queueSeries(),
              startMonotonicMs: emulator.ready.startMonotonicNs / 1e6,
            },
          }
        : {}),
      link,
      endpoints: placementFor(scenario, lab, options, bdpBytes, wireTap?.keylogFile, remote?.remote),
      ...(remote && options.target ? { bodyPath: bodyPathOf(options.target.url.pathTemplate) } : {}),
      ...(targetInfo ? { target: targetInfo } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(progress ? { onProgress: progress } : {}),
      ...(emulator ? { linkLost: emulator.ended } : {}),
      ...(journal ? { journal } : {}),
      ...(options.trigger ? { trigger: options.trigger } : {}),
    });
    if (lab) {
      // The emulator's statistics are a bonus: their failure costs the result nothing.
      await lab.linkStats().then(
        (stats) => (document.link.achieved = { ...document.link.achieved, emulatorStatsDuringRun: stats }),
        (error: unknown) => document.errors.push(`emulator statistics: ${error instanceof Error ? error.message : String(error)}`),
      );
    }
    const written = await writeOutputs(document, options, warn);
    // Written somewhere: the journal has served (kept when nothing could be written).
    if (written.resultPaths.length > 0) await journal?.remove();
    return { document, resultPaths: written.resultPaths, reportPaths: written.reportPaths, exitCode: written.valid ? runExitCode(document) : 1 };
  } finally {
    // Each step on its own: one that fails must not leave the lab behind.
    for (const [what, step] of [
      ['the packet capture', () => wireTap?.dispose()],
      ["the run's PKIs", () => pkiSet.dispose()],
      ['the lab', () => ownLab?.stop()],
      ['the lab lock', () => releaseLab?.()],
    ] as const) {
      await Promise.resolve()
        .then(step)
        .catch((error: unknown) => warn(`removing ${what}: ${error instanceof Error ? error.message : String(error)}`));
    }
  }
}

/** The lab lock, waiting for it unless `options.waitForLab` is false; an interrupt ends the wait. */
async function takeTheLab(purpose: string, options: SessionOptions, hooks: SessionHooks): Promise<() => Promise<void>> {
  try {
    return await acquireLabLock(purpose, {
      wait: options.waitForLab ?? true,
      ...(hooks.onWaitForLab ? { onWait: hooks.onWaitForLab } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    if (options.signal?.aborted) throw new RunInterruptedError('interrupted while waiting for the lab: nothing was measured');
    throw error;
  }
}

/** The result JSON first (it is what matters), then the reports beside it. */
async function writeOutputs(document: ResultDocument, options: SessionOptions, warn: (message: string) => void): Promise<{ resultPaths: string[]; reportPaths: string[]; valid: boolean }> {
  let text: string;
  let valid = true;
  try {
    text = resultText(document);
  } catch (error) {
    // A document the schema refuses is a bug of the harness, but its samples are still kept.
    valid = false;
    text = JSON.stringify(document, null, 2) + '\n';
    warn(`${error instanceof Error ? error.message : String(error)}; written unchecked`);
  }
  if (!options.output) return { resultPaths: [], reportPaths: [], valid };
  const asked = [join(options.output.resultsDir, resultFileName(document)), ...(options.output.copies ?? [])];
  const written = await writeEverywhere(text, asked);
  for (const failure of written.failures) warn(`result not written to ${failure}`);
  if (written.fallback !== undefined) warn(`the result went to ${written.fallback} instead`);
  let reportPaths: string[] = [];
  if (valid && options.output.reports !== false && document.cases.length > 0) {
    reportPaths = await writeReportsBeside(document, written.paths).catch((error: unknown) => {
      warn(`reports not written (the result JSON is): ${error instanceof Error ? error.message : String(error)}`);
      return [];
    });
  }
  return { resultPaths: written.paths, reportPaths, valid };
}
