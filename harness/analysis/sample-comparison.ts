// One metric, two sets of samples (TCP+TLS vs QUIC, or an old run vs a new one): the ratio of
// medians with its bootstrap interval, the Mann-Whitney p-value, and what that means given
// which way the metric is better.
import { bootstrapRatioOfMedians, mannWhitneyU, type ConfidenceInterval } from '../measure/inference.js';
import { median } from '../measure/statistics.js';
import type { MetricDefinition, ResultCase } from '../results/schema.js';

export interface ComparisonOptions {
  /** Bootstrap seed: the same seed gives the same intervals. */
  seed: number;
  /** Significance level of the Mann-Whitney test. */
  alpha: number;
  resamples?: number;
}

export const DEFAULT_COMPARISON_OPTIONS: ComparisonOptions = { seed: 1, alpha: 0.05, resamples: 2000 };

/** 'too few samples': the test could not reach significance with this many samples, whatever they were. */
export type Verdict = 'better' | 'worse' | 'no significant difference' | 'too few samples' | 'not comparable';

export interface SampleComparison {
  metric: MetricDefinition;
  medianA: number | null;
  medianB: number | null;
  /** median(B) / median(A) with its interval; null when a side has no samples or median(A) is 0. */
  ratio: ConfidenceInterval | null;
  /** Two-sided Mann-Whitney U p-value; null with fewer than two samples on a side. */
  pValue: number | null;
  /** P(a random B sample > a random A sample), ties half. */
  probabilityBGreater: number | null;
  significant: boolean;
  /** B relative to A, read with the metric's better direction. */
  verdict: Verdict;
  /** With verdict 'too few samples': the samples per side the test needs to be able to reach alpha. */
  samplesNeeded: number | null;
}

/** The metric's values over the case's successful samples. */
export function metricValues(resultCase: ResultCase, metric: string): number[] {
  return resultCase.samples.filter((s) => s.status === 'ok').flatMap((s) => (s.metrics[metric] === undefined ? [] : [s.metrics[metric]]));
}

/** The median (type 7 percentile), or null for no values. */
export function medianOf(values: readonly number[]): number | null {
  return values.length === 0 ? null : median(values);
}

/**
 * The smallest two-sided p-value the Mann-Whitney test used here can give with n1 and n2
 * samples: the most extreme outcome, every sample of one side above every sample of the
 * other, no ties. 1 when a side is empty.
 */
export function smallestPValue(n1: number, n2: number): number {
  if (n1 < 1 || n2 < 1) return 1;
  return mannWhitneyU(
    Array.from({ length: n1 }, (_, i) => n2 + i),
    Array.from({ length: n2 }, (_, i) => i),
  ).pValue;
}

/** Whether n1 and n2 samples can give p < alpha at all. */
export function canReachSignificance(n1: number, n2: number, alpha: number): boolean {
  return smallestPValue(n1, n2) < alpha;
}

/** The smallest number of samples per side (the same on both) with which the test can reach p < alpha. */
export function samplesNeededPerSide(alpha: number): number {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be between 0 and 1, got ${alpha}`);
  let n = 1;
  while (!canReachSignificance(n, n, alpha)) n++;
  return n;
}

export function compareSamples(metric: MetricDefinition, a: readonly number[], b: readonly number[], options: ComparisonOptions): SampleComparison {
  const medianA = medianOf(a);
  const medianB = medianOf(b);
  const ratio = medianA !== null && medianB !== null && medianA !== 0 ? bootstrapRatioOfMedians(b, a, { seed: options.seed, ...(options.resamples !== undefined ? { resamples: options.resamples } : {}) }) : null;
  const test = a.length >= 2 && b.length >= 2 ? mannWhitneyU(b, a) : null;
  const significant = test !== null && test.pValue < options.alpha && medianA !== medianB;
  let verdict: Verdict = 'not comparable';
  if (medianA !== null && medianB !== null) {
    if (!significant && !canReachSignificance(a.length, b.length, options.alpha)) verdict = 'too few samples';
    else if (!significant || metric.better === 'neither') verdict = significant ? 'not comparable' : 'no significant difference';
    else verdict = medianB < medianA === (metric.better === 'lower') ? 'better' : 'worse';
  }
  return {
    metric,
    medianA,
    medianB,
    ratio,
    pValue: test?.pValue ?? null,
    probabilityBGreater: test?.probabilityAGreater ?? null,
    significant,
    verdict,
    samplesNeeded: verdict === 'too few samples' ? samplesNeededPerSide(options.alpha) : null,
  };
}

/** How far B is from A either way, as a fraction; Infinity from a zero baseline, 0 without both medians. */
export function shiftSize(comparison: Pick<SampleComparison, 'medianA' | 'medianB'>): number {
  const { medianA, medianB } = comparison;
  if (medianA === null || medianB === null || medianA === medianB) return 0;
  return medianA === 0 ? Infinity : Math.abs(medianB - medianA) / Math.abs(medianA);
}
