// One series' analysis: change points on its run medians (E-divisive means as Otava computes
// them), the newest run against the segment it would belong to, and a data stoppage. Pure: the
// caller gives the points in time order, the clock and the acknowledgements for this series.
import type { MetricDefinition } from '../results/schema.js';
import { changeMagnitude, compareSegments, eDivisiveChangePoints, type SegmentStats } from './e-divisive.js';
import type { ChangePoint, DataStoppage, NewestPointCheck, SeriesAnalysis, SeriesPoint } from './types.js';

export interface SeriesAnalysisOptions {
  /** Points analysed at once by the sliding window. */
  windowPoints: number;
  /** A change (and an outlying newest point) needs a two-sided t-test p-value below this. */
  maxPValue: number;
  /** ... and a relative change beyond this (Otava's magnitude: max of forward and backward). */
  minMagnitude: number;
  /** Points each side of a change at least: a single spike is not a change. */
  minSegmentPoints: number;
  /** The schedule's period; with `nowMs`, no point for two periods is a data stoppage. */
  expectedPeriodMs: number | null;
  nowMs: number | null;
  /** runId of a change's first point -> the reason it is a known shift (acknowledgements.ts). */
  acknowledgements: ReadonlyMap<string, string>;
}

export const DEFAULT_SERIES_ANALYSIS_OPTIONS: SeriesAnalysisOptions = {
  // Otava's defaults (otava/series.py AnalysisOptions, otava/main.py --window / -P): 50 points
  // per window, p < 0.001.
  windowPoints: 50,
  maxPValue: 0.001,
  // Otava's default is 0. Issue 17 measured 1-3% shifts between two identical back-to-back
  // handshake runs, so only a shift beyond 5% is a change (the magnitude Otava's own Tigerbeetle
  // tests use with their "old defaults").
  minMagnitude: 0.05,
  // Issue 17: "a minimum segment length of about five points so a single spike is not a change".
  minSegmentPoints: 5,
  expectedPeriodMs: null,
  nowMs: null,
  acknowledgements: new Map(),
};

/** A change's direction by the metric's `better`. */
export function changeKind(before: number, after: number, better: MetricDefinition['better']): ChangePoint['kind'] {
  if (better === 'neither' || after === before) return 'change';
  const worse = better === 'lower' ? after > before : after < before;
  return worse ? 'regression' : 'improvement';
}

/** (after - before) / before; 0 over a zero `before` (as Otava's forward_rel_change). */
function relativeChange(before: number, after: number): number {
  return before === 0 ? 0 : (after - before) / before;
}

function checkOrder(points: readonly SeriesPoint[]): void {
  for (let i = 1; i < points.length; i++) {
    const previous = Date.parse((points[i - 1] as SeriesPoint).startedAt);
    const current = Date.parse((points[i] as SeriesPoint).startedAt);
    if (!(current >= previous)) throw new Error(`series points out of time order at ${i} (${(points[i] as SeriesPoint).runId})`);
  }
}

function newestCheck(points: readonly SeriesPoint[], medians: readonly number[], segmentStart: number, better: MetricDefinition['better'], options: SeriesAnalysisOptions): NewestPointCheck | null {
  const segment = medians.slice(segmentStart, -1);
  // One point before it gives the t-test no spread to judge by.
  if (segment.length < 2) return null;
  const newest = points[points.length - 1] as SeriesPoint;
  const stats: SegmentStats = compareSegments(segment, [newest.median]);
  const outlier = stats.pValue < options.maxPValue && changeMagnitude(stats) > options.minMagnitude;
  return {
    runId: newest.runId,
    value: newest.median,
    segmentMean: stats.meanBefore,
    relativeChange: relativeChange(stats.meanBefore, newest.median),
    pValue: stats.pValue,
    outlier,
    kind: changeKind(stats.meanBefore, newest.median, better),
  };
}

function stoppage(points: readonly SeriesPoint[], options: SeriesAnalysisOptions): DataStoppage | null {
  const last = points[points.length - 1];
  if (!last || options.expectedPeriodMs === null || options.nowMs === null) return null;
  const silentMs = options.nowMs - Date.parse(last.startedAt);
  if (silentMs <= 2 * options.expectedPeriodMs) return null;
  return { lastStartedAt: last.startedAt, expectedPeriodMs: options.expectedPeriodMs, silentMs };
}

export function analyzeSeries(points: readonly SeriesPoint[], better: MetricDefinition['better'], options: Partial<SeriesAnalysisOptions> = {}): SeriesAnalysis {
  const o: SeriesAnalysisOptions = { ...DEFAULT_SERIES_ANALYSIS_OPTIONS, ...options };
  checkOrder(points);
  const medians = points.map((p) => p.median);
  const found = eDivisiveChangePoints(medians, o);
  const changePoints = found.map((cp): ChangePoint => {
    const point = points[cp.index] as SeriesPoint;
    const { meanBefore, meanAfter, pValue } = cp.stats;
    const reason = o.acknowledgements.get(point.runId);
    return {
      index: cp.index,
      runId: point.runId,
      startedAt: point.startedAt,
      meanBefore,
      meanAfter,
      relativeChange: relativeChange(meanBefore, meanAfter),
      pValue,
      kind: changeKind(meanBefore, meanAfter, better),
      ...(reason === undefined ? {} : { acknowledged: reason }),
    };
  });
  // The current segment starts at the last change, acknowledged or not: the level did move.
  const segmentStart = found.length > 0 ? (found[found.length - 1] as { index: number }).index : 0;
  return { changePoints, newest: newestCheck(points, medians, segmentStart, better, o), stoppage: stoppage(points, o) };
}
