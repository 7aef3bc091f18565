// The change-detection bench (no lab): synthetic series of runs built from real samples.
// A pool is every ok sample of one metric of one case in a real result file; a run is the
// median of samplesPerRun draws from it (with replacement), as a run of the scenario would have.
//   (a) detection: a step of +10%, +20%, +50% from point STEP_AT_POINT on; the series is analysed
//       as it grows, one point at a time, and the delay is the number of points from the step
//       on that it took until a change point was found (and whether it is at the true index);
//       the newest-point check's delay beside it;
//   (b) false alarms: unchanged series of 100 points, many seeds: change points found on the
//       whole series, and newest points flagged as the series grew, per 100 points.
// Inputs: the result files in $CHANGES_BENCH_RESULTS (paths separated by ':'), else results/*.json,
// else test/fixtures/changes-bench-samples.json (samples copied from a real handshake run).
// Caveat: resampling one run's samples models the noise within a run only; real runs also move
// between runs (issue 17: 1-3% between two identical handshake runs).
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { median, percentileOfSorted } from '../measure/statistics.js';
import { seededRandom } from '../measure/inference.js';
import { projectPath } from '../project-root.js';
import { readResult } from '../results/read.js';
import type { MetricDefinition, ResultDocument } from '../results/schema.js';
import { analyzeSeries, DEFAULT_SERIES_ANALYSIS_OPTIONS } from '../history/series-analysis.js';
import type { SeriesPoint } from '../history/types.js';

type Log = (message: string) => void;

export interface SamplePool {
  source: string;
  caseId: string;
  metric: string;
  better: MetricDefinition['better'];
  values: number[];
}

const METRICS = ['handshakeMs', 'wireHandshakeMs', 'ttfbMs', 'completionMs', 'goodputBitsPerSecond', 'wireGoodputBitsPerSecond'];
/** Fewer samples than this are too few to resample runs from. */
const MIN_POOL_SAMPLES = 5;
const STEP_FRACTIONS = [0.1, 0.2, 0.5];
const STEP_AT_POINT = 30;
/** Points after the step a detection may take before it counts as missed. */
const MAX_DELAY_POINTS = 20;
const DETECTION_SEEDS = 20;
const UNCHANGED_POINTS = 100;
const UNCHANGED_SEEDS = 30;
const HOUR_MS = 3_600_000;

/** The pools of one result: every case x metric (of METRICS) with enough varying ok samples. */
export function samplePools(document: Pick<ResultDocument, 'metrics' | 'cases'>, source: string): SamplePool[] {
  const better = new Map(document.metrics.map((m) => [m.name, m.better]));
  const pools: SamplePool[] = [];
  for (const c of document.cases) {
    for (const metric of METRICS) {
      const values = c.samples.filter((s) => s.status === 'ok').flatMap((s) => (Number.isFinite(s.metrics[metric]) ? [s.metrics[metric] as number] : []));
      // A constant pool makes constant runs: no noise to test the detector against.
      if (values.length < MIN_POOL_SAMPLES || values.every((v) => v === values[0])) continue;
      pools.push({ source, caseId: c.id, metric, better: better.get(metric) ?? 'neither', values });
    }
  }
  return pools;
}

/** Run medians: each the median of samplesPerRun draws from the pool, scaled by (1 + step) from stepAtPoint on. */
export function syntheticSeries(pool: readonly number[], points: number, samplesPerRun: number, step: { atPoint: number; fraction: number } | null, random: () => number): SeriesPoint[] {
  const start = Date.parse('2026-01-01T00:00:00Z');
  return Array.from({ length: points }, (_, i) => {
    const draws = Array.from({ length: samplesPerRun }, () => pool[Math.floor(random() * pool.length)] as number);
    const scale = step !== null && i >= step.atPoint ? 1 + step.fraction : 1;
    return {
      runId: `synthetic-${i}`,
      startedAt: new Date(start + i * HOUR_MS).toISOString(),
      median: median(draws) * scale,
      low: null,
      high: null,
      n: samplesPerRun,
      resultPath: 'synthetic',
      reportPath: null,
    };
  });
}

export interface Detection {
  /** Points from the step on (the step's own point counts 1) when a change point was first found; null: missed. */
  delayPoints: number | null;
  foundIndex: number | null;
  /** The same for the newest-point check flagging the newest point. */
  newestDelayPoints: number | null;
}

/** Analyses the series as it grows, from the step's point on, up to MAX_DELAY_POINTS after it. */
export function detectStep(points: readonly SeriesPoint[], stepAtPoint: number, better: MetricDefinition['better']): Detection {
  let newestDelayPoints: number | null = null;
  for (let seen = stepAtPoint + 1; seen <= points.length; seen++) {
    const analysis = analyzeSeries(points.slice(0, seen), better);
    const delay = seen - stepAtPoint;
    if (newestDelayPoints === null && analysis.newest?.outlier) newestDelayPoints = delay;
    // A change point before the step's neighbourhood is a false alarm, not this step.
    const found = analysis.changePoints.find((c) => c.index >= stepAtPoint - DEFAULT_SERIES_ANALYSIS_OPTIONS.minSegmentPoints);
    if (found) return { delayPoints: delay, foundIndex: found.index, newestDelayPoints };
  }
  return { delayPoints: null, foundIndex: null, newestDelayPoints };
}

export interface FalseAlarms {
  changePoints: number;
  newestOutliers: number;
  /** Newest points checked: every point from the third on. */
  newestChecked: number;
}

/** An unchanged series: change points on the whole of it, and outlying newest points as it grew. */
export function countFalseAlarms(points: readonly SeriesPoint[], better: MetricDefinition['better']): FalseAlarms {
  const changePoints = analyzeSeries(points, better).changePoints.length;
  let newestOutliers = 0;
  let newestChecked = 0;
  for (let seen = 3; seen <= points.length; seen++) {
    const newest = analyzeSeries(points.slice(0, seen), better).newest;
    if (newest === null) continue;
    newestChecked++;
    if (newest.outlier) newestOutliers++;
  }
  return { changePoints, newestOutliers, newestChecked };
}

function summarizeDelays(delays: readonly (number | null)[]): Record<string, number | null> {
  const found = delays.filter((d): d is number => d !== null).sort((a, b) => a - b);
  return {
    trials: delays.length,
    foundFraction: delays.length === 0 ? null : found.length / delays.length,
    medianDelayPoints: found.length === 0 ? null : median(found),
    p90DelayPoints: found.length === 0 ? null : percentileOfSorted(found, 90),
    maxDelayPoints: found.length === 0 ? null : (found[found.length - 1] as number),
  };
}

async function loadPools(log: Log): Promise<{ pools: SamplePool[]; samplesPerRun: number; sources: string[] }> {
  const fromEnv = (process.env.CHANGES_BENCH_RESULTS ?? '').split(':').filter((p) => p !== '');
  const resultsDir = projectPath('results');
  const inResults = fromEnv.length > 0 ? [] : (await readdir(resultsDir).catch(() => [] as string[])).filter((f) => f.endsWith('.json') && !f.startsWith('bench-')).map((f) => join(resultsDir, f));
  const paths = fromEnv.length > 0 ? fromEnv : inResults;
  const pools: SamplePool[] = [];
  const runSamples: number[] = [];
  for (const path of paths) {
    try {
      const document = await readResult(path);
      const own = samplePools(document, path);
      pools.push(...own);
      // The run size of the files the pools come from: a run of that scenario as it was made.
      if (own.length > 0) runSamples.push(document.options.samples);
    } catch (error) {
      log(`skipped ${path}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (pools.length > 0) return { pools, samplesPerRun: Math.round(median(runSamples)), sources: paths };
  const fixture = projectPath('test', 'fixtures', 'changes-bench-samples.json');
  const parsed = JSON.parse(await readFile(fixture, 'utf8')) as { source: string; samplesPerRun: number; pools: Omit<SamplePool, 'source'>[] };
  log(`no result files with enough samples; using ${fixture} (${parsed.source})`);
  return { pools: parsed.pools.map((p) => ({ ...p, source: parsed.source })), samplesPerRun: parsed.samplesPerRun, sources: [fixture] };
}

export async function runChangesBench(log: Log = () => undefined): Promise<Record<string, unknown>> {
  const started = Date.now();
  const { pools, samplesPerRun, sources } = await loadPools(log);
  if (pools.length === 0) throw new Error('no sample pools: give result files with at least 5 ok samples of a metric');
  log(`${pools.length} pools, runs of ${samplesPerRun} samples`);

  const detection = STEP_FRACTIONS.map((fraction) => {
    log(`(a) steps of +${fraction * 100}% at point ${STEP_AT_POINT}, ${DETECTION_SEEDS} seeds per pool`);
    const trials = pools.flatMap((pool, p) =>
      Array.from({ length: DETECTION_SEEDS }, (_, seed) => {
        const random = seededRandom(1000 * p + seed + 1);
        const points = syntheticSeries(pool.values, STEP_AT_POINT + MAX_DELAY_POINTS, samplesPerRun, { atPoint: STEP_AT_POINT, fraction }, random);
        return detectStep(points, STEP_AT_POINT, pool.better);
      }),
    );
    const found = trials.filter((t) => t.foundIndex !== null);
    return {
      stepFraction: fraction,
      changePoint: summarizeDelays(trials.map((t) => t.delayPoints)),
      exactIndexFraction: found.length === 0 ? null : found.filter((t) => t.foundIndex === STEP_AT_POINT).length / found.length,
      foundIndexOffsets: [...new Set(found.map((t) => (t.foundIndex as number) - STEP_AT_POINT))].sort((a, b) => a - b),
      newestPoint: summarizeDelays(trials.map((t) => t.newestDelayPoints)),
      perPool: pools.map((pool, p) => {
        const own = trials.slice(p * DETECTION_SEEDS, (p + 1) * DETECTION_SEEDS);
        return { caseId: pool.caseId, metric: pool.metric, found: own.filter((t) => t.foundIndex !== null).length, exactIndex: own.filter((t) => t.foundIndex === STEP_AT_POINT).length, trials: own.length };
      }),
    };
  });

  log(`(b) ${UNCHANGED_SEEDS} unchanged series of ${UNCHANGED_POINTS} points per pool`);
  const alarms = pools.map((pool, p) => {
    const counts = Array.from({ length: UNCHANGED_SEEDS }, (_, seed) => countFalseAlarms(syntheticSeries(pool.values, UNCHANGED_POINTS, samplesPerRun, null, seededRandom(500_000 + 1000 * p + seed)), pool.better));
    const changePoints = counts.reduce((sum, c) => sum + c.changePoints, 0);
    const newestOutliers = counts.reduce((sum, c) => sum + c.newestOutliers, 0);
    const newestChecked = counts.reduce((sum, c) => sum + c.newestChecked, 0);
    return { caseId: pool.caseId, metric: pool.metric, changePoints, newestOutliers, newestChecked };
  });
  const totalPoints = pools.length * UNCHANGED_SEEDS * UNCHANGED_POINTS;
  const totalChangePoints = alarms.reduce((sum, a) => sum + a.changePoints, 0);
  const totalOutliers = alarms.reduce((sum, a) => sum + a.newestOutliers, 0);
  const totalChecked = alarms.reduce((sum, a) => sum + a.newestChecked, 0);

  return {
    bench: 'changes',
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    options: { ...DEFAULT_SERIES_ANALYSIS_OPTIONS, acknowledgements: undefined },
    sources,
    samplesPerRun,
    pools: pools.map((p) => ({ source: p.source, caseId: p.caseId, metric: p.metric, samples: p.values.length })),
    detection: { stepAtPoint: STEP_AT_POINT, maxDelayPoints: MAX_DELAY_POINTS, seedsPerPool: DETECTION_SEEDS, steps: detection },
    falseAlarms: {
      seriesPoints: UNCHANGED_POINTS,
      seedsPerPool: UNCHANGED_SEEDS,
      changePointsPer100Points: (100 * totalChangePoints) / totalPoints,
      newestOutliersPer100Points: (100 * totalOutliers) / totalChecked,
      perPool: alarms,
    },
  };
}
