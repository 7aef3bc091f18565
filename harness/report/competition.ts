// What the competition report shows, picked from the result document alone: the competing cases,
// each one's representative sample (its median Jain's index), every flow's goodput per interval,
// the probe's round trips pooled per case (loaded) and over every case (idle), and the queue.
// A sample missing a series or a metric leaves that part out and says so (`missing`).
import { flowBytesSeriesName, MESSAGE_PROBE_NAMES, PROBE_IDLE_SERIES, PROBE_LOADED_SERIES, QUEUE_BYTES_SERIES, QUEUE_OVERFLOW_SERIES } from '../results/competition-names.js';
import type { ResultCase, ResultDocument, Sample } from '../results/schema.js';
import type { CompetitionFlow, CompetitionWorkload } from '../results/workload.js';
import { intervalGoodputs } from '../measure/fairness.js';
import { notRunLabel } from './format.js';

export type CompetitionCase = ResultCase & { workload: CompetitionWorkload };

/** Goodput is charted per interval of this length. */
export const GOODPUT_INTERVAL_MS = 500;

/** The cases whose workload is a competition (run or not), in the document's order. */
export function competingCases(document: ResultDocument): CompetitionCase[] {
  return document.cases.filter((c): c is CompetitionCase => c.workload.kind === 'competition');
}

/** Competing cases that ran (not unsupported or unavailable). */
export function measuredCompetitionCases(document: ResultDocument): CompetitionCase[] {
  return competingCases(document).filter((c) => notRunLabel(c) === undefined);
}

export function okSamples(c: ResultCase): Sample[] {
  return c.samples.filter((s) => s.status === 'ok');
}

/** "h3-ngtcp2 (cubic)": a flow and its sender's controller, as legends and tables name it. */
export function flowLabel(flow: Pick<CompetitionFlow, 'id' | 'congestionControl'>): string {
  return `${flow.id} (${flow.congestionControl})`;
}

export interface Representative {
  sample: Sample;
  /** Why this one, for the caption: "sample #2 (median Jain's index 0.981)". */
  reason: string;
}

/**
 * The sample the over-time charts show: of the ok samples with a jainIndex, the one whose index
 * is the median (with an even count the lower of the middle two; equal indexes in sample order);
 * the first ok sample when none has one; null when no sample is ok.
 */
export function representativeSample(c: ResultCase): Representative | null {
  const ok = okSamples(c);
  const rated = ok.filter((s) => s.metrics.jainIndex !== undefined).sort((a, b) => (a.metrics.jainIndex as number) - (b.metrics.jainIndex as number) || a.index - b.index);
  const chosen = rated[Math.floor((rated.length - 1) / 2)];
  if (chosen === undefined) {
    const first = ok[0];
    return first ? { sample: first, reason: `sample #${first.index} (the first ok one: no sample has jainIndex)` } : null;
  }
  const which = rated.length % 2 === 1 ? `the median of ${rated.length}` : `the lower middle of ${rated.length}`;
  return { sample: chosen, reason: `sample #${chosen.index} (Jain's index ${(chosen.metrics.jainIndex as number).toFixed(3)}, ${which})` };
}

export interface FlowGoodputPoint {
  flow: string;
  /** The interval's middle, seconds since the first flow's start. */
  timeS: number;
  goodputMbps: number;
}

/**
 * Every flow's goodput per interval (whole intervals from its series' first point to its last:
 * a staggered flow's start later), in Mbit/s; `missing` names the flows without a byte series.
 */
export function flowGoodputOverTime(c: CompetitionCase, sample: Sample, intervalMs = GOODPUT_INTERVAL_MS): { points: FlowGoodputPoint[]; missing: string[] } {
  const points: FlowGoodputPoint[] = [];
  const missing: string[] = [];
  c.workload.flows.forEach((flow, i) => {
    const series = sample.series?.[flowBytesSeriesName(i + 1)];
    if (series === undefined || series.length === 0) {
      missing.push(flowLabel(flow));
      return;
    }
    for (const interval of intervalGoodputs(series, intervalMs)) {
      points.push({ flow: flowLabel(flow), timeS: (interval.startMs + intervalMs / 2) / 1000, goodputMbps: interval.goodputBitsPerSecond / 1e6 });
    }
  });
  return { points, missing };
}

/** The round-trip times of `series` in every ok sample of the cases, pooled; how many ok samples lack it. */
export function pooledProbeRtts(cases: readonly ResultCase[], series: string): { rttsMs: number[]; samplesWithout: number } {
  const samples = cases.flatMap(okSamples);
  const withSeries = samples.flatMap((s) => (s.series?.[series] !== undefined ? [s.series[series]] : []));
  return { rttsMs: withSeries.flatMap((points) => points.map(([, rttMs]) => rttMs)), samplesWithout: samples.length - withSeries.length };
}

/** The line of the probe CDF that pools every case's idle probes. */
export const IDLE_LINE = 'idle (every case)';
/** The line that pools the idle messages of every case with a message probe. */
export const IDLE_MESSAGES_LINE = 'idle messages (every case)';

/**
 * The probe CDF's lines: each case's loaded probes, then the idle ones of all; with message
 * probes (--message-probe), each such case's loaded messages and their idle ones pooled too.
 * `missing` says which samples had none.
 */
export function probeRttLines(document: ResultDocument): { lines: Array<{ caseId: string; rttsMs: number[] }>; missing: string[] } {
  const cases = measuredCompetitionCases(document);
  const lines: Array<{ caseId: string; rttsMs: number[] }> = [];
  const missing: string[] = [];
  const add = (caseId: string, pooled: { rttsMs: number[]; samplesWithout: number }, what: string) => {
    if (pooled.rttsMs.length > 0) lines.push({ caseId, rttsMs: pooled.rttsMs });
    if (pooled.samplesWithout > 0) missing.push(`${caseId}: ${pooled.samplesWithout} ok sample${pooled.samplesWithout === 1 ? '' : 's'} without ${what} probes`);
  };
  for (const c of cases) add(c.id, pooledProbeRtts([c], PROBE_LOADED_SERIES), 'loaded');
  add(IDLE_LINE, pooledProbeRtts(cases, PROBE_IDLE_SERIES), 'idle');
  const withMessages = cases.filter((c) => c.workload.probe.messages !== undefined);
  // One --message-probe a run: the caption names it, so the legend stays short.
  for (const c of withMessages) add(`${c.id}: messages`, pooledProbeRtts([c], MESSAGE_PROBE_NAMES.loadedSeries), 'loaded message');
  if (withMessages.length > 0) add(IDLE_MESSAGES_LINE, pooledProbeRtts(withMessages, MESSAGE_PROBE_NAMES.idleSeries), 'idle message');
  return { lines, missing };
}

/** The message probes the document's competition cases ran (--message-probe), each once. */
export function messageProbeIds(document: ResultDocument): string[] {
  return [...new Set(measuredCompetitionCases(document).flatMap((c) => (c.workload.probe.messages !== undefined ? [c.workload.probe.messages.id] : [])))];
}

export interface QueueOverTime {
  /** The downlink queue, [seconds, KB]; null when the sample has no queue series. */
  queueKb: Array<[number, number]> | null;
  /** Cumulative overflow drops, [seconds, drops]; null when not recorded. */
  drops: Array<[number, number]> | null;
}

/** The emulator's downlink queue of one sample, in KB (1000 bytes) against seconds, with its overflow drops. */
export function queueOverTime(sample: Sample): QueueOverTime {
  const seconds = (points: Array<[number, number]> | undefined, scale: number) => (points === undefined ? null : points.map(([ms, value]): [number, number] => [ms / 1000, value / scale]));
  return { queueKb: seconds(sample.series?.[QUEUE_BYTES_SERIES.down], 1000), drops: seconds(sample.series?.[QUEUE_OVERFLOW_SERIES.down], 1) };
}
