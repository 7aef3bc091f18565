// Every series of the index analysed the same way, for `history changes` and the trend report:
// the points in time order, the acknowledgements that name the series, the schedule's period.
import { acknowledgementsFor, type Acknowledgement } from './acknowledgements.js';
import { analyzeSeries, type SeriesAnalysisOptions } from './series-analysis.js';
import type { HistoryStore, SeriesListing } from './store.js';
import type { SeriesAnalysis, SeriesPoint } from './types.js';

export interface IndexAnalysisOptions {
  acknowledgements: readonly Acknowledgement[];
  /** The schedule's period: no point for two of them is a data stoppage; null checks no stoppage. */
  expectedPeriodMs: number | null;
  nowMs: number;
  /** Otherwise the defaults (series-analysis.ts). */
  tuning?: Partial<Pick<SeriesAnalysisOptions, 'windowPoints' | 'maxPValue' | 'minMagnitude' | 'minSegmentPoints'>>;
}

export interface AnalyzedSeries {
  series: SeriesListing;
  points: SeriesPoint[];
  analysis: SeriesAnalysis;
}

export function analyzeIndex(store: Pick<HistoryStore, 'seriesList' | 'pointsOf'>, options: IndexAnalysisOptions): AnalyzedSeries[] {
  return store.seriesList().map((series) => {
    const points = store.pointsOf(series.seriesId);
    const analysis = analyzeSeries(points, series.better, {
      ...options.tuning,
      expectedPeriodMs: options.expectedPeriodMs,
      nowMs: options.nowMs,
      acknowledgements: acknowledgementsFor(options.acknowledgements, series),
    });
    return { series, points, analysis };
  });
}

/** A change for the worse that no acknowledgement dismisses: what fails a scheduled check. */
export function confirmedRegressions(analyzed: readonly AnalyzedSeries[]): number {
  return analyzed.reduce((count, { analysis }) => count + analysis.changePoints.filter((c) => c.kind === 'regression' && c.acknowledged === undefined).length, 0);
}
