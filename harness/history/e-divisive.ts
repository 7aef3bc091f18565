// Change points by E-divisive means as Apache Otava (formerly hunter) computes them: ported from
// apache/otava otava/analysis.py (split, merge, TTestSignificanceTester) and
// otava/change_point_divisive/{calculator,detector,base}.py. Sliding windows place candidates
// with the q-hat statistic of Matteson and James, a two-sided Student's t-test keeps the
// significant ones ("weak" change points at 10x the p-value), then a merge step drops the
// weakest until all pass the p-value and the minimum relative magnitude.
// Where this differs from Otava, and why:
//   - q-hat comes from a 2-D prefix sum of |x_i - x_j| rather than Otava's vectorised cumsums:
//     the same values (its own test checks them against the same direct formula), other rounding.
//   - minSegmentPoints (ours, 1 = Otava): the merge also drops a change point whose segment
//     on either side is shorter, so a single spike or the newest couple of runs are no change.
//   - no incremental mode (new_points, old_cp): a series of runs is short enough to redo.
import { gammaln } from 'simple-statistics';

export interface SegmentStats {
  meanBefore: number;
  meanAfter: number;
  /** Population standard deviations (numpy's default, as Otava passes them to the t-test). */
  stdBefore: number;
  stdAfter: number;
  pValue: number;
}

export interface EDivisiveChangePoint {
  /** Index of the first point after the change. */
  index: number;
  qhat: number;
  stats: SegmentStats;
}

export interface EDivisiveOptions {
  windowPoints: number;
  maxPValue: number;
  minMagnitude: number;
  minSegmentPoints: number;
}

// --- Student's t ---------------------------------------------------------------------------

/** Regularized incomplete beta I_x(a, b): the continued fraction of Numerical Recipes (betacf, modified Lentz). */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(gammaln(a + b) - gammaln(a) - gammaln(b) + a * Math.log(x) + b * Math.log(1 - x));
  // The fraction converges fast for x < (a+1)/(a+b+2); use the symmetry I_x(a,b) = 1 - I_{1-x}(b,a) otherwise.
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(x, a, b)) / a;
  return 1 - (front * betaContinuedFraction(1 - x, b, a)) / b;
}

function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  const epsilon = 1e-16;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 10_000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < epsilon) return h;
  }
  return h;
}

/** P(|T| >= |t|) for Student's t with df degrees of freedom. NaN stays NaN (scipy's behaviour). */
export function studentTTwoSidedPValue(t: number, degreesOfFreedom: number): number {
  if (Number.isNaN(t)) return Number.NaN;
  if (!Number.isFinite(t)) return 0;
  return regularizedIncompleteBeta(degreesOfFreedom / (degreesOfFreedom + t * t), degreesOfFreedom / 2, 0.5);
}

function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] as number;
  return sum / values.length;
}

function populationStd(values: ArrayLike<number>, m: number): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += ((values[i] as number) - m) ** 2;
  return Math.sqrt(sum / values.length);
}

/**
 * Otava's TTestSignificanceTester.compare: scipy's ttest_ind_from_stats (pooled variance, two-sided)
 * fed with population standard deviations, as Otava does; p = 1 with fewer than three points.
 */
export function compareSegments(left: ArrayLike<number>, right: ArrayLike<number>): SegmentStats {
  if (left.length === 0 || right.length === 0) throw new Error('compareSegments needs two non-empty segments');
  const meanBefore = mean(left);
  const meanAfter = mean(right);
  const stdBefore = left.length >= 2 ? populationStd(left, meanBefore) : 0;
  const stdAfter = right.length >= 2 ? populationStd(right, meanAfter) : 0;
  let pValue = 1;
  const n1 = left.length;
  const n2 = right.length;
  if (n1 + n2 > 2) {
    const df = n1 + n2 - 2;
    const pooledVariance = ((n1 - 1) * stdBefore ** 2 + (n2 - 1) * stdAfter ** 2) / df;
    const denominator = Math.sqrt(pooledVariance * (1 / n1 + 1 / n2));
    // As numpy divides: d/0 is +-Infinity (p = 0), 0/0 is NaN (p = NaN).
    pValue = studentTTwoSidedPValue((meanBefore - meanAfter) / denominator, df);
  }
  return { meanBefore, meanAfter, stdBefore, stdAfter, pValue };
}

/** Otava's change_magnitude: the larger of the forward and backward relative changes (0 over a zero mean). */
export function changeMagnitude(stats: Pick<SegmentStats, 'meanBefore' | 'meanAfter'>): number {
  const forward = stats.meanBefore === 0 ? 0 : stats.meanAfter / stats.meanBefore - 1;
  const backward = stats.meanAfter === 0 ? 0 : stats.meanBefore / stats.meanAfter - 1;
  return Math.max(Math.abs(forward), Math.abs(backward));
}

// --- q-hat and the divisive detector -------------------------------------------------------

/** Half-open [start, stop) pieces of a series of `length` points between sorted change points (Otava's get_intervals). */
export function intervalsBetween(changePoints: readonly { index: number }[], length: number): [number, number][] {
  const intervals: [number, number][] = [];
  for (let i = 0; i <= changePoints.length; i++) {
    const start = i === 0 ? 0 : (changePoints[i - 1] as { index: number }).index;
    const stop = i === changePoints.length ? length : (changePoints[i] as { index: number }).index;
    if (start !== stop) intervals.push([start, stop]);
  }
  return intervals;
}

/** Sums of |x_i - x_j| over blocks of the distance matrix, each in O(1). */
class PairDistances {
  private readonly prefix: Float64Array;
  private readonly size: number;
  constructor(series: ArrayLike<number>) {
    this.size = series.length + 1;
    this.prefix = new Float64Array(this.size * this.size);
    for (let i = 0; i < series.length; i++) {
      for (let j = 0; j < series.length; j++) {
        const d = Math.abs((series[i] as number) - (series[j] as number));
        this.prefix[(i + 1) * this.size + j + 1] = d + (this.prefix[i * this.size + j + 1] as number) + (this.prefix[(i + 1) * this.size + j] as number) - (this.prefix[i * this.size + j] as number);
      }
    }
  }
  /** Sum over rows [r0, r1) and columns [c0, c1). */
  block(r0: number, r1: number, c0: number, c1: number): number {
    const p = this.prefix;
    const s = this.size;
    return (p[r1 * s + c1] as number) - (p[r0 * s + c1] as number) - (p[r1 * s + c0] as number) + (p[r0 * s + c0] as number);
  }

  /**
   * Otava's get_candidate_change_point on [start, end): Q(tau, kappa) for start < tau < kappa <= end,
   * maximised over both; the candidate is tau. Like numpy's argmax over Otava's (L-1)x(L-1) matrix,
   * whose unused lower triangle holds zeros: the first maximum in row-major order, and a zero cell
   * (tau = start + i + 1 with i > j) wins when every real Q is negative.
   */
  candidate(start: number, end: number): { index: number; qhat: number } {
    const size = end - start - 1;
    let best = { i: 0, j: 0, q: -Infinity };
    for (let i = 0; i < size; i++) {
      const tau = start + i + 1;
      const n = tau - start;
      const withinX = this.block(start, tau, start, tau) / 2;
      for (let j = 0; j < size; j++) {
        let q = 0;
        if (j >= i) {
          const kappa = start + j + 2;
          const m = kappa - tau;
          const cross = this.block(start, tau, tau, kappa);
          const withinY = this.block(tau, kappa, tau, kappa) / 2;
          q = (2 / (m + n)) * cross - (n > 1 ? ((2 * m) / (m + n) / (n - 1)) * withinX : 0) - (m > 1 ? ((2 * n) / (m + n) / (m - 1)) * withinY : 0);
        }
        if (q > best.q) best = { i, j, q };
      }
    }
    return { index: best.i + 1 + start, qhat: best.q };
  }
}

/**
 * Otava's TTestSignificanceTester.change_point: the candidate either splits the interval it falls
 * in, or (an existing change point, at an interval's end) is tested between its two intervals.
 */
function testCandidate(candidate: { index: number; qhat: number }, series: ArrayLike<number>, intervals: readonly [number, number][]): EDivisiveChangePoint {
  for (let i = 0; i < intervals.length; i++) {
    const [start, stop] = intervals[i] as [number, number];
    let left: [number, number] | undefined;
    let right: [number, number] | undefined;
    if (stop === candidate.index) {
      left = [start, stop];
      right = intervals[i + 1];
    } else if (start < candidate.index && candidate.index < stop) {
      left = [start, candidate.index];
      right = [candidate.index, stop];
    }
    if (left && right) {
      const stats = compareSegments(slice(series, left), slice(series, right));
      return { index: candidate.index, qhat: candidate.qhat, stats };
    }
  }
  throw new Error(`candidate change point at ${candidate.index} is in no interval`);
}

function slice(series: ArrayLike<number>, [start, stop]: [number, number]): number[] {
  return Array.from({ length: stop - start }, (_, k) => series[start + k] as number);
}

/** Otava's ChangePointDetector.get_change_points on one window: split while the best candidate is significant. */
export function detectInWindow(window: readonly number[], maxPValue: number): EDivisiveChangePoint[] {
  const distances = new PairDistances(window);
  const changePoints: EDivisiveChangePoint[] = [];
  for (;;) {
    const intervals = intervalsBetween(changePoints, window.length);
    let candidate: { index: number; qhat: number } | undefined;
    for (const [start, stop] of intervals) {
      if (stop - start <= 1) continue;
      const c = distances.candidate(start, stop);
      if (candidate === undefined || c.qhat > candidate.qhat) candidate = c;
    }
    if (candidate === undefined) break;
    const changePoint = testCandidate(candidate, window, intervals);
    if (!(changePoint.stats.pValue <= maxPValue)) break;
    changePoints.push(changePoint);
    changePoints.sort((a, b) => a.index - b.index);
  }
  return changePoints;
}

/** Otava's split: windows of windowPoints advancing by half a window (or to the last change found). */
export function splitWeakChangePoints(series: readonly number[], windowPoints: number, maxPValue: number): EDivisiveChangePoint[] {
  if (windowPoints < 2) throw new Error('the window must hold at least 2 points');
  const step = Math.floor(windowPoints / 2);
  const found: EDivisiveChangePoint[] = [];
  let start = 0;
  while (start < series.length) {
    const end = Math.min(start + windowPoints, series.length);
    const inWindow = detectInWindow(series.slice(start, end), maxPValue).map((cp) => ({ ...cp, index: cp.index + start }));
    const last = inWindow.length > 0 ? (inWindow[inWindow.length - 1] as EDivisiveChangePoint).index : 0;
    start = Math.max(last, start + step);
    for (const cp of inWindow) if (!found.some((f) => f.index === cp.index)) found.push(cp);
  }
  found.sort((a, b) => a.index - b.index);
  const intervals = intervalsBetween(found, series.length);
  return found.map((cp) => testCandidate(cp, series, intervals));
}

function segmentPoints(changePoints: readonly EDivisiveChangePoint[], at: number, length: number): number {
  const index = (changePoints[at] as EDivisiveChangePoint).index;
  const before = at === 0 ? 0 : (changePoints[at - 1] as EDivisiveChangePoint).index;
  const after = at === changePoints.length - 1 ? length : (changePoints[at + 1] as EDivisiveChangePoint).index;
  return Math.min(index - before, after - index);
}

/** The first element with the largest key, as Python's max (NaN keys compare false, as there). */
function firstMax<T>(items: readonly T[], key: (item: T) => number): T {
  let best = items[0] as T;
  for (const item of items.slice(1)) if (key(item) > key(best)) best = item;
  return best;
}

/**
 * Otava's merge: drop the change point with the highest p-value while it is not below maxPValue,
 * then (ours) the smallest shift of those bounding a segment shorter than minSegmentPoints, then the smallest magnitude
 * while it is not above minMagnitude; the neighbours of a dropped point are retested each time.
 */
export function mergeChangePoints(weak: readonly EDivisiveChangePoint[], series: readonly number[], options: Omit<EDivisiveOptions, 'windowPoints'>): EDivisiveChangePoint[] {
  const changePoints = [...weak];
  while (changePoints.length > 0) {
    let weakest = firstMax(changePoints, (c) => c.stats.pValue);
    if (weakest.stats.pValue < options.maxPValue) {
      const short = changePoints.filter((_, at) => segmentPoints(changePoints, at, series.length) < options.minSegmentPoints);
      if (short.length > 0) {
        // The smallest shift of those: two flat runs after a step have p = 0 between them (no
        // spread) but are no level change; the step itself is the large one and stays.
        weakest = firstMax(short, (c) => -changeMagnitude(c.stats));
      } else {
        weakest = firstMax(changePoints, (c) => -changeMagnitude(c.stats));
        if (changeMagnitude(weakest.stats) > options.minMagnitude) return changePoints;
      }
    }
    const at = changePoints.indexOf(weakest);
    changePoints.splice(at, 1);
    const intervals = intervalsBetween(changePoints, series.length);
    // As Otava's recompute(weakest_cp_index) and (+1): after the deletion those are the right
    // neighbour and the one after it. The left neighbour's right segment grew too but keeps its
    // old stats there; kept as Otava has it so its published results come out the same.
    for (const k of [at, at + 1]) {
      const cp = changePoints[k];
      if (cp) changePoints[k] = testCandidate(cp, series, intervals);
    }
  }
  return changePoints;
}

/** Otava's compute_change_points: weak change points at a relaxed p-value, then the merge. */
export function eDivisiveChangePoints(series: readonly number[], options: EDivisiveOptions): EDivisiveChangePoint[] {
  const { maxPValue } = options;
  const firstPassPValue = maxPValue < 0.05 ? maxPValue * 10 : maxPValue < 0.5 ? maxPValue * 2 : maxPValue;
  const weak = splitWeakChangePoints(series, options.windowPoints, firstPassPValue);
  return mergeChangePoints(weak, series, options);
}
