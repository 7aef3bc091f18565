// One competition sample's figures from its timings (pure, unit-tested): flows that shared the
// bottleneck, the latency probe beside them and the emulator's queue, all put on the sample's
// clock (0 = the first flow's start, ms) and turned into each flow's goodput and share, Jain's
// index, the time to converge, the probe's latency idle and loaded, and the queue's peak and drops.
import { FLOW_METRIC_SUFFIXES, flowBytesSeriesName, flowMetricName, MESSAGE_PROBE_NAMES, probeMetricNames, QUEUE_BYTES_SERIES, QUEUE_OVERFLOW_SERIES, UDP_PROBE_NAMES, type ProbeNames } from '../results/competition-names.js';
import { goodputBetween, inBandIntervals, jainIndex, timeToConverge } from './fairness.js';
import { latencyInflation, latencySummary, probesSentBetween } from './latency-probe.js';
import { downsampleProgress } from './transfer.js';

/** One flow as measured: when its exchange was called (sample clock) and its progress on its own origin. */
export interface FlowRun {
  id: string;
  /** When the harness called the flow's exchange, on the sample's clock. */
  calledAtMs: number;
  /** [ms from the exchange's origin, cumulative bytes received]: full resolution. */
  progress: ReadonlyArray<readonly [number, number]>;
  bodyBytes: number;
  /** The last body byte, from the exchange's origin. */
  completionMs: number;
  retransmittedPackets?: number;
}

export interface ProbeRun {
  /** CLOCK_MONOTONIC ms of the first probe; null when none was sent. */
  startedAtMs: number | null;
  probes: ReadonlyArray<{ sentMs: number; rttMs: number | null }>;
}

/** The emulator's queue record as far as it is read here (lab/emulator-queue-series.ts QueueSeries). */
export interface QueueRecord {
  /** Since the recording's zero, per sample. */
  elapsedMs: readonly number[];
  down: { queueBytes: readonly number[]; queueOverflow: readonly number[] };
  up: { queueBytes: readonly number[]; queueOverflow: readonly number[] };
}

export interface CompetitionTimings {
  flows: readonly FlowRun[];
  /** CLOCK_MONOTONIC ms of the sample clock's 0 (the first flow's exchange call). */
  zeroMonotonicMs: number;
  /** How long the probe ran idle before the first flow. */
  idleMs: number;
  probe?: ProbeRun;
  /** The message probe's session (--message-probe): each message's send and round trip to its echo, as a probe's. */
  messageProbe?: ProbeRun;
  /** The emulator's queue recording, with the monotonic ms of its elapsedMs 0. */
  queue?: { series: QueueRecord; startMonotonicMs: number };
}

export interface CompetitionFigures {
  metrics: Record<string, number>;
  series: Record<string, Array<[number, number]>>;
  flags: string[];
}

/** Goodput is judged per this interval for convergence, and flows must stay in band for the window. */
export const CONVERGENCE_INTERVAL_MS = 500;
export const CONVERGENCE_WINDOW_MS = 2000;
/** In band: within +-20% of the fair share. */
export const CONVERGENCE_TOLERANCE = 0.2;
/** Points kept per flow's byte series and per queue series in the result. */
export const COMPETITION_SERIES_POINTS = 400;

type Point = [number, number];

/** A flow's progress on the sample's clock, full resolution. */
function onSampleClock(flow: FlowRun): Point[] {
  return flow.progress.map(([ms, bytes]) => [flow.calledAtMs + ms, bytes]);
}

/** Keeps at most maxPoints of a series, the largest value of each bucket (a queue's peaks survive). */
export function downsampleMax(points: readonly Point[], maxPoints: number): Point[] {
  if (points.length <= maxPoints) return points.map(([t, v]) => [t, v]);
  const bucket = Math.ceil(points.length / maxPoints);
  const kept: Point[] = [];
  for (let i = 0; i < points.length; i += bucket) {
    const slice = points.slice(i, i + bucket);
    const top = slice.reduce((best, p) => (p[1] > best[1] ? p : best), slice[0] as Point);
    kept.push([top[0], top[1]]);
  }
  return kept;
}

/**
 * The sample's figures. The shared span is from the last flow's first byte to the first flow's
 * last byte: goodput, shares and Jain's index are over it, the loaded latency is the probes
 * sent in it, the idle latency the probes sent in the idleMs before the first flow started.
 * Throws when the flows never ran together (nothing to compare).
 */
export function competitionFigures(timings: CompetitionTimings): CompetitionFigures {
  const metrics: Record<string, number> = {};
  const series: Record<string, Point[]> = {};
  const flags: string[] = [];
  const clocked = timings.flows.map(onSampleClock);
  clocked.forEach((points, k) => {
    if (points.length === 0) throw new Error(`flow ${timings.flows[k]?.id ?? k + 1} recorded no progress`);
  });
  const firstByteMs = clocked.map((points) => (points[0] as Point)[0]);
  const lastByteMs = clocked.map((points) => (points.at(-1) as Point)[0]);
  const spanStartMs = Math.max(...firstByteMs);
  const spanEndMs = Math.min(...lastByteMs);
  if (!(spanEndMs > spanStartMs)) {
    throw new Error(`the flows never ran together: the last flow's first byte came at ${spanStartMs.toFixed(0)} ms, after the first flow's last byte at ${spanEndMs.toFixed(0)} ms`);
  }
  const goodputs = clocked.map((points) => goodputBetween(points, spanStartMs, spanEndMs));
  const total = goodputs.reduce((a, x) => a + x, 0);
  timings.flows.forEach((flow, k) => {
    const n = k + 1;
    metrics[flowMetricName(n, 'GoodputBitsPerSecond')] = goodputs[k] as number;
    if (total > 0) metrics[flowMetricName(n, 'Share')] = (goodputs[k] as number) / total;
    metrics[flowMetricName(n, 'CompletionMs')] = flow.completionMs;
    if (flow.retransmittedPackets !== undefined) metrics[flowMetricName(n, 'RetransmittedPackets')] = flow.retransmittedPackets;
    series[flowBytesSeriesName(n)] = downsampleProgress(clocked[k] as Point[], COMPETITION_SERIES_POINTS);
  });
  metrics.aggregateGoodputBitsPerSecond = total;
  metrics.sharedSpanMs = spanEndMs - spanStartMs;
  const jain = jainIndex(goodputs);
  if (jain !== null) metrics.jainIndex = jain;
  const convergenceFlows = clocked.map((points, k) => ({ bytes: points, startMs: firstByteMs[k] as number, endMs: lastByteMs[k] as number }));
  const converged = timeToConverge(convergenceFlows, { intervalMs: CONVERGENCE_INTERVAL_MS, windowMs: CONVERGENCE_WINDOW_MS, tolerance: CONVERGENCE_TOLERANCE });
  // Flows that start together are in band at first: how much of the span they stayed there tells whether they kept it.
  const inBand = inBandIntervals(convergenceFlows, { intervalMs: CONVERGENCE_INTERVAL_MS, tolerance: CONVERGENCE_TOLERANCE });
  if (inBand.length > 0) metrics.inBandFraction = inBand.filter(Boolean).length / inBand.length;
  if (converged !== null) metrics.timeToConvergeMs = converged.timeToConvergeMs;
  else flags.push(`the flows never stayed within ${CONVERGENCE_TOLERANCE * 100}% of a fair share for ${CONVERGENCE_WINDOW_MS} ms`);
  const window = { zeroMonotonicMs: timings.zeroMonotonicMs, idleMs: timings.idleMs, spanStartMs, spanEndMs };
  if (timings.probe) Object.assign(series, probeFigures(timings.probe, window, UDP_PROBE_NAMES, 'the latency probe', metrics, flags));
  if (timings.messageProbe) Object.assign(series, probeFigures(timings.messageProbe, window, MESSAGE_PROBE_NAMES, 'the message probe', metrics, flags));
  if (timings.queue) Object.assign(series, queueFigures(timings.queue, timings.zeroMonotonicMs, timings.idleMs, Math.max(...lastByteMs), spanStartMs, spanEndMs, metrics));
  return { metrics, series, flags };
}

/** A probe's idle and loaded round trips (metrics added to `metrics` under `names`), and their series. */
function probeFigures(
  probe: ProbeRun,
  window: { zeroMonotonicMs: number; idleMs: number; spanStartMs: number; spanEndMs: number },
  names: ProbeNames,
  what: string,
  metrics: Record<string, number>,
  flags: string[],
): Record<string, Point[]> {
  if (probe.startedAtMs === null) {
    flags.push(`${what} sent nothing`);
    return {};
  }
  // The windows on the monotonic clock; the series on the sample's.
  const zero = window.zeroMonotonicMs;
  const sentBetween = (fromMs: number, toMs: number) => probesSentBetween(probe.startedAtMs, probe.probes, zero + fromMs, zero + toMs).map((p) => ({ atMs: p.atMs - zero, rttMs: p.rttMs }));
  const idle = sentBetween(-window.idleMs, 0);
  const loaded = sentBetween(window.spanStartMs, window.spanEndMs);
  const idleSummary = latencySummary(idle.map((p) => p.rttMs));
  const loadedSummary = latencySummary(loaded.map((p) => p.rttMs));
  const put = (name: string, value: number | null): void => {
    if (value !== null) metrics[name] = value;
  };
  put(names.idleP50Ms, idleSummary.p50Ms);
  put(names.idleP95Ms, idleSummary.p95Ms);
  put(names.idleP99Ms, idleSummary.p99Ms);
  put(names.loadedP50Ms, loadedSummary.p50Ms);
  put(names.loadedP95Ms, loadedSummary.p95Ms);
  put(names.loadedP99Ms, loadedSummary.p99Ms);
  put(names.loadedLostRate, loadedSummary.lostRate);
  const inflation = latencyInflation(idleSummary, loadedSummary);
  put(names.inflationP95Ms, inflation.p95Ms);
  put(names.inflationP95Ratio, inflation.p95Ratio);
  if (idleSummary.received === 0) flags.push(`nothing ${what} sent on the idle link came back: no idle latency`);
  if (loadedSummary.received === 0 && loadedSummary.lostRate === null) flags.push(`${what} sent nothing while every flow ran`);
  const answered = (points: typeof idle): Point[] => points.flatMap((p) => (p.rttMs !== null ? [[p.atMs, p.rttMs] as Point] : []));
  return { [names.idleSeries]: answered(idle), [names.loadedSeries]: answered(loaded) };
}

/** The queue's peak and mean over the shared span and its drops during the contest (metrics added), and its series from the idle start to the last byte. */
function queueFigures(
  queue: NonNullable<CompetitionTimings['queue']>,
  zeroMonotonicMs: number,
  idleMs: number,
  endMs: number,
  spanStartMs: number,
  spanEndMs: number,
  metrics: Record<string, number>,
): Record<string, Point[]> {
  const { series, startMonotonicMs } = queue;
  const times = series.elapsedMs.map((ms) => startMonotonicMs + ms - zeroMonotonicMs);
  const within = (from: number, to: number): number[] => times.flatMap((t, i) => (t >= from && t <= to ? [i] : []));
  const shown = within(-idleMs, endMs);
  const span = within(spanStartMs, spanEndMs);
  const contest = within(0, endMs);
  const out: Record<string, Point[]> = {};
  for (const direction of ['down', 'up'] as const) {
    const columns = series[direction];
    out[QUEUE_BYTES_SERIES[direction]] = downsampleMax(
      shown.map((i) => [times[i] as number, columns.queueBytes[i] as number]),
      COMPETITION_SERIES_POINTS,
    );
    // Drops counted from the first flow's start: the recording's count then is the base.
    const base = contest.length > 0 ? (columns.queueOverflow[contest[0] as number] as number) : 0;
    const drops: Point[] = contest.map((i) => [times[i] as number, (columns.queueOverflow[i] as number) - base]);
    out[QUEUE_OVERFLOW_SERIES[direction]] = downsampleMax(drops, COMPETITION_SERIES_POINTS);
    if (direction === 'down') {
      if (span.length > 0) {
        const spanBytes = span.map((i) => columns.queueBytes[i] as number);
        metrics.peakQueueBytesDown = Math.max(...spanBytes);
        metrics.meanQueueBytesDown = spanBytes.reduce((a, x) => a + x, 0) / spanBytes.length;
      }
      if (drops.length > 0) metrics.queueOverflowDropsDown = (drops.at(-1) as Point)[1];
    } else if (drops.length > 0) metrics.queueOverflowDropsUp = (drops.at(-1) as Point)[1];
  }
  return out;
}

/** Every metric a competition sample may record, for flows 1..maxFlows (the scenario declares them). */
export function competitionMetricNames(maxFlows: number): string[] {
  const perFlow = Array.from({ length: maxFlows }, (_, k) => FLOW_METRIC_SUFFIXES.map((suffix) => flowMetricName(k + 1, suffix))).flat();
  return [
    ...perFlow,
    'aggregateGoodputBitsPerSecond',
    'sharedSpanMs',
    'jainIndex',
    'timeToConvergeMs',
    'inBandFraction',
    ...probeMetricNames(UDP_PROBE_NAMES),
    ...probeMetricNames(MESSAGE_PROBE_NAMES),
    'peakQueueBytesDown',
    'meanQueueBytesDown',
    'queueOverflowDropsDown',
    'queueOverflowDropsUp',
  ];
}
