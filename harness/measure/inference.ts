// Whether two sets of samples differ, and by how much, with the uncertainty said out loud:
// a seeded percentile bootstrap for the median and for the ratio of two medians, and the
// Mann-Whitney U test (normal approximation with tie and continuity corrections, as R's
// wilcox.test(exact = FALSE) and SciPy's mannwhitneyu(method="asymptotic") compute it).
import { errorFunction } from 'simple-statistics';
import { median, percentileOfSorted } from './statistics.js';

export interface BootstrapOptions {
  /** The seed goes into every output, so a result can be reproduced. */
  seed: number;
  resamples?: number;
  /** e.g. 0.95 */
  confidence?: number;
}

export interface ConfidenceInterval {
  estimate: number;
  low: number;
  high: number;
  confidence: number;
  resamples: number;
  seed: number;
}

const DEFAULT_RESAMPLES = 2000;
const DEFAULT_CONFIDENCE = 0.95;

/** mulberry32: a small, fast, seeded PRNG; uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The median of one bootstrap resample of `values`, for many resamples: each draws
 * values.length indices from `random` in the order a plain resample-and-sort would, but counts
 * the drawn ranks instead of sorting (O(n) per resample, not O(n log n) with a copy), so the
 * medians are bit-identical to sorting the resample. 20,000 samples a side took 66 s in
 * compare with sorting; this way about 2 s.
 */
function resampledMedian(values: readonly number[]): (random: () => number) => number {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => (values[i] as number) - (values[j] as number));
  const sorted = new Float64Array(n);
  const rankOf = new Uint32Array(n);
  order.forEach((index, rank) => {
    rankOf[index] = rank;
    sorted[rank] = values[index] as number;
  });
  const counts = new Uint32Array(n);
  // Type 7 median, as percentileOfSorted: between order statistics `lower` and `lower + 1`.
  const position = (n - 1) / 2;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return (random) => {
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const drawn = rankOf[Math.floor(random() * n)] as number;
      counts[drawn] = (counts[drawn] as number) + 1;
    }
    let seen = 0;
    let rank = 0;
    while (seen + (counts[rank] as number) <= lower) seen += counts[rank++] as number;
    const low = sorted[rank] as number;
    if (upper === lower) return low;
    while (seen + (counts[rank] as number) <= upper) seen += counts[rank++] as number;
    const high = sorted[rank] as number;
    return low + (high - low) * (position - lower);
  };
}

function interval(estimate: number, statistics: number[], options: BootstrapOptions): ConfidenceInterval {
  const confidence = options.confidence ?? DEFAULT_CONFIDENCE;
  const sorted = statistics.sort((a, b) => a - b);
  const tail = ((1 - confidence) / 2) * 100;
  return { estimate, low: percentileOfSorted(sorted, tail), high: percentileOfSorted(sorted, 100 - tail), confidence, resamples: sorted.length, seed: options.seed };
}

function checkSamples(name: string, values: readonly number[]): void {
  if (values.length === 0) throw new RangeError(`${name}: no samples`);
  if (values.some((v) => !Number.isFinite(v))) throw new RangeError(`${name}: samples must be finite numbers`);
}

/** Percentile bootstrap interval of the median. */
export function bootstrapMedian(values: readonly number[], options: BootstrapOptions): ConfidenceInterval {
  checkSamples('bootstrapMedian', values);
  const random = seededRandom(options.seed);
  const medianOf = resampledMedian(values);
  const statistics = Array.from({ length: options.resamples ?? DEFAULT_RESAMPLES }, () => medianOf(random));
  return interval(median(values), statistics, options);
}

/** Percentile bootstrap interval of median(a) / median(b), resampling each independently. */
export function bootstrapRatioOfMedians(a: readonly number[], b: readonly number[], options: BootstrapOptions): ConfidenceInterval {
  checkSamples('bootstrapRatioOfMedians a', a);
  checkSamples('bootstrapRatioOfMedians b', b);
  if (median(b) === 0) throw new RangeError('bootstrapRatioOfMedians: the median of b is 0');
  const random = seededRandom(options.seed);
  const medianOfA = resampledMedian(a);
  const medianOfB = resampledMedian(b);
  // A's resample first, then B's, from the one stream.
  const statistics = Array.from({ length: options.resamples ?? DEFAULT_RESAMPLES }, () => {
    const resampledA = medianOfA(random);
    return resampledA / medianOfB(random);
  });
  return interval(median(a) / median(b), statistics, options);
}

export interface MannWhitneyResult {
  /** U of the first sample: pairs (x from a, y from b) with x > y, ties counting one half. */
  u: number;
  z: number;
  /** Two-sided. */
  pValue: number;
  /** Effect size: P(a random a > a random b) + half P(equal), U / (n1 n2). */
  probabilityAGreater: number;
  /** The same as a correlation in [-1, 1]: 2 P - 1. */
  rankBiserial: number;
}

/** Mann-Whitney U, two-sided, normal approximation with tie correction and continuity correction. */
export function mannWhitneyU(a: readonly number[], b: readonly number[]): MannWhitneyResult {
  checkSamples('mannWhitneyU a', a);
  checkSamples('mannWhitneyU b', b);
  const n1 = a.length;
  const n2 = b.length;
  const n = n1 + n2;
  const all = [...a.map((value) => ({ value, first: true })), ...b.map((value) => ({ value, first: false }))].sort((x, y) => x.value - y.value);
  let rankSumA = 0;
  let tieTerm = 0;
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && (all[j + 1] as { value: number }).value === (all[i] as { value: number }).value) j++;
    const averageRank = (i + j + 2) / 2; // ranks are 1-based
    const tied = j - i + 1;
    tieTerm += tied ** 3 - tied;
    for (let k = i; k <= j; k++) if ((all[k] as { first: boolean }).first) rankSumA += averageRank;
    i = j + 1;
  }
  const u = rankSumA - (n1 * (n1 + 1)) / 2;
  const mean = (n1 * n2) / 2;
  const sigma = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
  const z = sigma > 0 ? Math.max(0, Math.abs(u - mean) - 0.5) / sigma : 0;
  // Two-sided: 2 (1 - Phi(z)) = erfc(z / sqrt 2).
  const pValue = sigma > 0 ? Math.min(1, 1 - errorFunction(z / Math.SQRT2)) : 1;
  const probabilityAGreater = u / (n1 * n2);
  return { u, z, pValue, probabilityAGreater, rankBiserial: 2 * probabilityAGreater - 1 };
}

/** How the p-values of many tests at once are adjusted, so a family of tests does not raise false alarms at alpha each. */
export type Correction = 'holm' | 'bh' | 'none';

/** Indices of `pValues` in ascending order of their p-value (stable, so ties keep input order). */
function ascendingOrder(pValues: readonly number[]): number[] {
  for (const p of pValues) if (!(p >= 0 && p <= 1)) throw new RangeError(`p-values must be in [0, 1], got ${p}`);
  return pValues.map((_, i) => i).sort((i, j) => (pValues[i] as number) - (pValues[j] as number) || i - j);
}

/**
 * Holm's step-down adjustment (controls the family-wise error rate: the chance of any false
 * alarm in the family): the i-th smallest of m p-values times (m - i + 1), made monotone with
 * a running maximum, capped at 1; in input order, as R's p.adjust(p, "holm").
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const adjusted = new Array<number>(m);
  let runningMax = 0;
  ascendingOrder(pValues).forEach((index, rank) => {
    runningMax = Math.max(runningMax, Math.min(1, (m - rank) * (pValues[index] as number)));
    adjusted[index] = runningMax;
  });
  return adjusted;
}

/**
 * Benjamini-Hochberg's step-up adjustment (controls the false discovery rate: the expected
 * share of false alarms among the changes flagged): the i-th smallest of m p-values times
 * m / i, made monotone with a running minimum from the largest down, capped at 1; in input
 * order, as R's p.adjust(p, "BH").
 */
export function benjaminiHochberg(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const adjusted = new Array<number>(m);
  let runningMin = 1;
  const order = ascendingOrder(pValues);
  for (let rank = m - 1; rank >= 0; rank--) {
    const index = order[rank] as number;
    runningMin = Math.min(runningMin, (m / (rank + 1)) * (pValues[index] as number));
    adjusted[index] = runningMin;
  }
  return adjusted;
}

/** The family's p-values adjusted by `correction`, in input order ('none' returns them as they are). */
export function adjustPValues(pValues: readonly number[], correction: Correction): number[] {
  if (correction === 'holm') return holmAdjust(pValues);
  if (correction === 'bh') return benjaminiHochberg(pValues);
  ascendingOrder(pValues);
  return [...pValues];
}
