// A campaign's thresholds as lines on the trend report's series. A series' point is a run's
// median, so only a threshold on the median (p50) against a number can be drawn on it; one on
// another statistic or relative to another case is counted as not drawn, never approximated.
import type { SeriesIdentity } from '../history/types.js';
import type { TrendThreshold } from '../report/trend-changes.js';
import { selectorMatches, type Threshold } from './thresholds.js';

export function seriesThresholds(thresholds: readonly Threshold[], series: readonly SeriesIdentity[]): { drawn: TrendThreshold[]; notDrawn: string[] } {
  const drawn: TrendThreshold[] = [];
  const notDrawn: string[] = [];
  for (const threshold of thresholds) {
    if (threshold.statistic !== 'p50' || threshold.relativeTo !== undefined) {
      notDrawn.push(threshold.text);
      continue;
    }
    for (const s of series) {
      if (s.metric !== threshold.metric || !selectorMatches(threshold.selector, s, { id: s.caseId, application: s.application })) continue;
      drawn.push({ seriesId: s.seriesId, metric: s.metric, op: threshold.comparison, value: threshold.value, label: threshold.text });
    }
  }
  return { drawn, notDrawn };
}
