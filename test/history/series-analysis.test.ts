// One series' analysis: change points on run medians with their direction, the newest point
// against the current segment, a data stoppage, acknowledgements.
import t from 'tap';
import { seededRandom } from '../../harness/measure/inference.js';
import { analyzeSeries, changeKind, DEFAULT_SERIES_ANALYSIS_OPTIONS } from '../../harness/history/series-analysis.js';
import type { SeriesPoint } from '../../harness/history/types.js';

const HOUR_MS = 3_600_000;
const START_MS = Date.parse('2026-12-01T00:00:00Z');

function points(medians: readonly number[]): SeriesPoint[] {
  return medians.map((median, i) => ({ runId: `r${i}`, startedAt: new Date(START_MS + i * HOUR_MS).toISOString(), median, low: null, high: null, n: 10, resultPath: `r${i}.json`, reportPath: null }));
}

/** Around `level`, +-2% uniform noise, from a fixed seed. */
function noisy(count: number, level: number, seed: number): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => level * (1 + (random() - 0.5) * 0.04));
}

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;

t.test('a clean +20% step is found at its exact index, with its means and direction', async (t) => {
  const before = noisy(30, 100, 1);
  const after = noisy(20, 120, 2);
  const analysis = analyzeSeries(points([...before, ...after]), 'lower');
  t.equal(analysis.changePoints.length, 1);
  const [change] = analysis.changePoints;
  t.equal(change?.index, 30);
  t.equal(change?.runId, 'r30');
  t.equal(change?.startedAt, new Date(START_MS + 30 * HOUR_MS).toISOString());
  t.equal(change?.meanBefore, mean(before));
  t.equal(change?.meanAfter, mean(after));
  t.equal(change?.relativeChange, (mean(after) - mean(before)) / mean(before));
  t.ok((change?.pValue ?? 1) < 1e-20, `p ${change?.pValue}`);
  t.equal(change?.kind, 'regression', 'higher is worse for a "lower" metric');
  t.equal(change?.acknowledged, undefined);
  t.equal(analyzeSeries(points([...before, ...after]), 'higher').changePoints[0]?.kind, 'improvement');
  t.equal(analyzeSeries(points([...before, ...after]), 'neither').changePoints[0]?.kind, 'change');
});

t.test('a single spike is not a change; an unchanged noisy series gives nothing', async (t) => {
  const spiked = noisy(40, 100, 3);
  spiked[20] = 180;
  t.strictSame(analyzeSeries(points(spiked), 'lower').changePoints, []);
  t.strictSame(analyzeSeries(points(noisy(120, 100, 4)), 'lower').changePoints, []);
});

t.test('a step smaller than the minimum magnitude is no change', async (t) => {
  const series = [...noisy(30, 100, 5), ...noisy(20, 103, 6)];
  t.strictSame(analyzeSeries(points(series), 'lower').changePoints, []);
  t.equal(analyzeSeries(points(series), 'lower', { minMagnitude: 0 }).changePoints[0]?.index, 30, 'found without the minimum');
});

t.test('the newest point against the current segment', async (t) => {
  const steady = noisy(30, 100, 7);
  const outlying = analyzeSeries(points([...steady, 150]), 'lower');
  t.strictSame(outlying.changePoints, [], 'one point is no change (minimum segment)');
  t.equal(outlying.newest?.runId, 'r30');
  t.equal(outlying.newest?.value, 150);
  t.equal(outlying.newest?.segmentMean, mean(steady));
  t.equal(outlying.newest?.relativeChange, 150 / mean(steady) - 1);
  t.ok((outlying.newest?.pValue ?? 1) < 1e-10);
  t.equal(outlying.newest?.outlier, true);
  t.equal(outlying.newest?.kind, 'regression');

  const usual = analyzeSeries(points([...steady, 100.5]), 'lower');
  t.equal(usual.newest?.outlier, false);
  t.ok((usual.newest?.pValue ?? 0) > 0.5);

  // After a step the segment is the points since it: 120 is usual there.
  const after = noisy(10, 120, 8);
  const stepped = analyzeSeries(points([...steady, ...after, 120]), 'lower');
  t.equal(stepped.changePoints[0]?.index, 30);
  t.equal(stepped.newest?.segmentMean, mean(after));
  t.equal(stepped.newest?.outlier, false);

  t.equal(analyzeSeries(points([100, 101]), 'lower').newest, null, 'one point before the newest: no spread to judge by');
});

t.test('a data stoppage after two expected periods without a point', async (t) => {
  const series = points(noisy(10, 100, 9));
  const last = Date.parse(series[9]?.startedAt ?? '');
  const periodMs = 6 * HOUR_MS;
  t.strictSame(analyzeSeries(series, 'lower', { expectedPeriodMs: periodMs, nowMs: last + 13 * HOUR_MS }).stoppage, { lastStartedAt: series[9]?.startedAt, expectedPeriodMs: periodMs, silentMs: 13 * HOUR_MS });
  t.equal(analyzeSeries(series, 'lower', { expectedPeriodMs: periodMs, nowMs: last + 12 * HOUR_MS }).stoppage, null, 'two periods exactly: not yet');
  t.equal(analyzeSeries(series, 'lower', { expectedPeriodMs: periodMs }).stoppage, null, 'no clock: no judgement');
  t.equal(analyzeSeries(series, 'lower', { nowMs: last + 100 * HOUR_MS }).stoppage, null, 'no schedule: no judgement');
});

t.test('an acknowledged change stays listed with its reason', async (t) => {
  const series = [...noisy(30, 100, 1), ...noisy(20, 120, 2)];
  const analysis = analyzeSeries(points(series), 'lower', { acknowledgements: new Map([['r30', 'ngtcp2 upgrade']]) });
  t.equal(analysis.changePoints.length, 1);
  t.equal(analysis.changePoints[0]?.acknowledged, 'ngtcp2 upgrade');
  t.equal(analysis.changePoints[0]?.kind, 'regression');
});

t.test('empty, out of order, defaults', async (t) => {
  t.strictSame(analyzeSeries([], 'lower'), { changePoints: [], newest: null, stoppage: null });
  const [a, b] = points([1, 2]);
  t.throws(() => analyzeSeries([b as SeriesPoint, a as SeriesPoint], 'lower'), /out of time order at 1 \(r0\)/);
  t.strictSame([DEFAULT_SERIES_ANALYSIS_OPTIONS.windowPoints, DEFAULT_SERIES_ANALYSIS_OPTIONS.maxPValue, DEFAULT_SERIES_ANALYSIS_OPTIONS.minMagnitude, DEFAULT_SERIES_ANALYSIS_OPTIONS.minSegmentPoints], [50, 0.001, 0.05, 5]);
  t.equal(changeKind(10, 10, 'lower'), 'change');
  t.equal(changeKind(10, 9, 'lower'), 'improvement');
  t.equal(changeKind(10, 9, 'higher'), 'regression');
});
