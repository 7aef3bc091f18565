// How flows sharing one bottleneck divide it: Jain's fairness index, each flow's share, goodput
// per interval from a cumulative byte series, and the time until the flows settle at a fair
// share. Pure, unit-tested.
//
// Byte series are [ms, cumulative bytes] points (a sample's bytesOverTime), their times on ONE
// clock for every flow: shift each flow's own series by its start before calling these. Between
// two points the bytes are taken to have arrived evenly (the series are downsampled); before a
// flow's first point it has delivered nothing (bytes at its first point arrive at that
// instant), after its last point nothing more.

/** A byte series: [ms, cumulative bytes], times ascending. */
export type ByteSeries = ReadonlyArray<readonly [number, number]>;

/**
 * Jain's index (sum x)^2 / (n sum x^2) over the flows' goodputs: 1 when all are equal, 1/n
 * when one flow has everything. Null with no flows or when every goodput is 0 (0/0).
 */
export function jainIndex(goodputs: readonly number[]): number | null {
  if (goodputs.some((x) => !Number.isFinite(x) || x < 0)) throw new RangeError(`fairness: goodputs must be finite and non-negative, got ${goodputs.join(', ')}`);
  const sum = goodputs.reduce((a, x) => a + x, 0);
  const sumSquares = goodputs.reduce((a, x) => a + x * x, 0);
  return sumSquares > 0 ? (sum * sum) / (goodputs.length * sumSquares) : null;
}

export interface BottleneckShare {
  /** Of what all the flows together got (null when they got nothing). */
  ofTotal: number | null;
  /** Of the link's capacity, when one is given. */
  ofCapacity: number | null;
}

/** Each flow's share of the bottleneck, in the flows' order. */
export function bottleneckShares(goodputs: readonly number[], capacityBitsPerSecond?: number): BottleneckShare[] {
  if (capacityBitsPerSecond !== undefined && !(capacityBitsPerSecond > 0)) throw new RangeError(`fairness: capacity must be positive, got ${capacityBitsPerSecond}`);
  const sum = goodputs.reduce((a, x) => a + x, 0);
  return goodputs.map((x) => ({ ofTotal: sum > 0 ? x / sum : null, ofCapacity: capacityBitsPerSecond !== undefined ? x / capacityBitsPerSecond : null }));
}

/** Cumulative bytes at `ms`: 0 before the first point, linear between points, the last value after. */
export function bytesAt(series: ByteSeries, ms: number): number {
  const first = series[0];
  if (first === undefined || ms < first[0]) return 0;
  for (let i = 1; i < series.length; i++) {
    const [t1, b1] = series[i] as readonly [number, number];
    if (ms < t1) {
      const [t0, b0] = series[i - 1] as readonly [number, number];
      return b0 + ((b1 - b0) * (ms - t0)) / (t1 - t0);
    }
  }
  return (series.at(-1) as readonly [number, number])[1];
}

/** Goodput over [fromMs, toMs), from the cumulative bytes at its ends. */
export function goodputBetween(series: ByteSeries, fromMs: number, toMs: number): number {
  if (!(toMs > fromMs)) throw new RangeError(`fairness: an interval must end after it starts (${fromMs}..${toMs})`);
  return ((bytesAt(series, toMs) - bytesAt(series, fromMs)) * 8 * 1000) / (toMs - fromMs);
}

export interface IntervalGoodput {
  startMs: number;
  goodputBitsPerSecond: number;
}

/**
 * Goodput in whole intervals of intervalMs from fromMs (default: the first point) up to toMs
 * (default: the last point); a partial interval at the end is left out.
 */
export function intervalGoodputs(series: ByteSeries, intervalMs: number, range: { fromMs?: number; toMs?: number } = {}): IntervalGoodput[] {
  if (!(intervalMs > 0)) throw new RangeError(`fairness: intervalMs must be positive, got ${intervalMs}`);
  const fromMs = range.fromMs ?? series[0]?.[0] ?? 0;
  const toMs = range.toMs ?? series.at(-1)?.[0] ?? fromMs;
  const count = Math.max(0, Math.floor((toMs - fromMs) / intervalMs + 1e-9));
  return Array.from({ length: count }, (_, k) => {
    const startMs = fromMs + k * intervalMs;
    return { startMs, goodputBitsPerSecond: goodputBetween(series, startMs, startMs + intervalMs) };
  });
}

export interface ConvergenceFlow {
  bytes: ByteSeries;
  /** When the flow began (a staggered flow joins later) and ended, on the series' clock. */
  startMs: number;
  endMs: number;
}

export interface ConvergenceOptions {
  /** Goodput is judged per interval of this length. */
  intervalMs: number;
  /** The flows must stay in band this long (rounded up to whole intervals). */
  windowMs: number;
  /** In band: within +-tolerance of the fair share (default 0.2, i.e. +-20%). */
  tolerance?: number;
  /** The fair share is capacity / flows when given; else the flows' mean goodput in the interval. */
  capacityBitsPerSecond?: number;
}

export interface Convergence {
  /** Start of the first interval of the first in-band run, on the series' clock. */
  convergedAtMs: number;
  /** From the moment the last flow joined. */
  timeToConvergeMs: number;
}

/**
 * Per interval of the span when every flow runs (from the last flow's start to the first
 * flow's end, in whole intervals of intervalMs): whether every flow's goodput was within
 * +-tolerance of the fair share (see timeToConverge).
 */
export function inBandIntervals(flows: readonly ConvergenceFlow[], options: Omit<ConvergenceOptions, 'windowMs'>): boolean[] {
  const tolerance = options.tolerance ?? 0.2;
  if (!(tolerance >= 0)) throw new RangeError(`fairness: tolerance must be at least 0, got ${tolerance}`);
  if (flows.length === 0) return [];
  const joinedMs = Math.max(...flows.map((f) => f.startMs));
  const endMs = Math.min(...flows.map((f) => f.endMs));
  const perFlow = flows.map((f) => intervalGoodputs(f.bytes, options.intervalMs, { fromMs: joinedMs, toMs: endMs }));
  return (perFlow[0] ?? []).map((_, k) => {
    const goodputs = perFlow.map((intervals) => (intervals[k] as IntervalGoodput).goodputBitsPerSecond);
    const share = options.capacityBitsPerSecond !== undefined ? options.capacityBitsPerSecond / flows.length : goodputs.reduce((a, x) => a + x, 0) / flows.length;
    return share > 0 && goodputs.every((x) => x >= (1 - tolerance) * share && x <= (1 + tolerance) * share);
  });
}

/**
 * Time to converge to a fair share. Only the span when every flow runs counts: from the last
 * flow's start (a staggered flow included: convergence is to the share with it in) to the first
 * flow's end, cut into intervals of intervalMs from that start. In an interval the fair share
 * is capacity / n (with a capacity) or the mean of the n flows' goodputs (without: a fair split
 * of whatever they got together); the interval is in band when every flow's goodput is within
 * [(1 - tolerance) x share, (1 + tolerance) x share] and the share is above 0 (a stalled link
 * is not convergence). The flows have converged at the start of the first run of
 * ceil(windowMs / intervalMs) consecutive in-band intervals; null when there is no such run
 * before the span ends (a pair that never settles, or a span too short to tell).
 */
export function timeToConverge(flows: readonly ConvergenceFlow[], options: ConvergenceOptions): Convergence | null {
  if (!(options.windowMs > 0)) throw new RangeError(`fairness: windowMs must be positive, got ${options.windowMs}`);
  if (flows.length === 0) return null;
  const joinedMs = Math.max(...flows.map((f) => f.startMs));
  const needed = Math.ceil(options.windowMs / options.intervalMs - 1e-9);
  let run = 0;
  for (const [k, inBand] of inBandIntervals(flows, options).entries()) {
    run = inBand ? run + 1 : 0;
    if (run === needed) {
      const timeToConvergeMs = (k - needed + 1) * options.intervalMs;
      return { convergedAtMs: joinedMs + timeToConvergeMs, timeToConvergeMs };
    }
  }
  return null;
}
