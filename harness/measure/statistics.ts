// Summary statistics of a metric's samples. Percentiles interpolate linearly between order
// statistics (Hyndman & Fan type 7, the default of R, NumPy and Excel's PERCENTILE.INC).
import type { MetricSummary } from '../results/schema.js';

/** The p-th percentile (0-100) of values sorted ascending. */
export function percentileOfSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new RangeError('percentile of no values');
  if (p < 0 || p > 100) throw new RangeError(`percentile must be 0-100, got ${p}`);
  const rank = (p / 100) * (sorted.length - 1);
  const lower = Math.floor(rank);
  const upper = Math.ceil(rank);
  const low = sorted[lower] as number;
  const high = sorted[upper] as number;
  return low + (high - low) * (rank - lower);
}

/** The median (type 7: the mean of the middle two for an even count); throws on no values. */
export function median(values: readonly number[]): number {
  return percentileOfSorted(
    [...values].sort((a, b) => a - b),
    50,
  );
}

/** Summary of the values, or null when there are none. Stddev is the sample (n-1) one. */
export function summarize(values: readonly number[]): MetricSummary | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const mean = sorted.reduce((sum, v) => sum + v, 0) / n;
  const variance = n > 1 ? sorted.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (n - 1) : 0;
  return {
    n,
    median: percentileOfSorted(sorted, 50),
    p5: percentileOfSorted(sorted, 5),
    p95: percentileOfSorted(sorted, 95),
    mean,
    stddev: Math.sqrt(variance),
    min: sorted[0] as number,
    max: sorted[n - 1] as number,
  };
}
