// The changes bench's pure parts: pools from a result, series resampled from a pool with a
// step, the delay of a detection, false alarms on an unchanged series.
import t from 'tap';
import { readFile } from 'node:fs/promises';
import { countFalseAlarms, detectStep, samplePools, syntheticSeries } from '../../harness/bench/changes.js';
import { seededRandom } from '../../harness/measure/inference.js';
import { projectPath } from '../../harness/project-root.js';
import { caseWithSamples, sampleResultDocument } from '../fixtures/result-document.js';

t.test('pools: every ok sample of the known metrics, enough of them and not constant', async (t) => {
  const document = sampleResultDocument();
  document.metrics = [{ ...(document.metrics[0] as (typeof document.metrics)[number]), name: 'handshakeMs', better: 'lower' }];
  document.cases = [
    caseWithSamples('quic-h3', 'quic', 'h3', { bodyBytes: 1000 }, { handshakeMs: [60, 61, 62, 63, 64], ttfbMs: [1, 2, 3, 4], handshakeRoundTrips: [1, 1, 1, 1, 1] }),
    caseWithSamples('tcp-tls-h2', 'tcp', 'h2', { bodyBytes: 1000 }, { handshakeMs: [5, 5, 5, 5, 5] }),
  ];
  t.strictSame(samplePools(document, 'run.json'), [{ source: 'run.json', caseId: 'quic-h3', metric: 'handshakeMs', better: 'lower', values: [60, 61, 62, 63, 64] }]);
});

t.test('a synthetic series: run medians of draws from the pool, scaled from the step on', async (t) => {
  const constant = syntheticSeries([10, 10], 6, 3, { atPoint: 4, fraction: 0.2 }, seededRandom(1));
  t.strictSame(
    constant.map((p) => p.median),
    [10, 10, 10, 10, 12, 12],
  );
  t.strictSame(
    constant.map((p) => p.runId),
    ['synthetic-0', 'synthetic-1', 'synthetic-2', 'synthetic-3', 'synthetic-4', 'synthetic-5'],
  );
  t.equal(constant[1]?.startedAt, '2026-01-01T01:00:00.000Z');
  const drawn = syntheticSeries([1, 2, 3, 4, 5], 50, 5, null, seededRandom(2));
  t.ok(
    drawn.every((p) => [1, 2, 3, 4, 5].includes(p.median)),
    'an odd run size: every median is a sample',
  );
  t.ok(new Set(drawn.map((p) => p.median)).size > 1, 'the runs differ');
});

t.test("a +50% step in the fixture's quic-h3 handshakeMs: found at its index after the minimum segment", async (t) => {
  const fixture = JSON.parse(await readFile(projectPath('test', 'fixtures', 'changes-bench-samples.json'), 'utf8')) as { pools: { caseId: string; metric: string; values: number[] }[] };
  const pool = fixture.pools.find((p) => p.caseId === 'quic-h3' && p.metric === 'handshakeMs');
  t.strictSame(pool?.values, [67, 63, 62, 66, 67, 63], 'the samples of the real run');
  const series = syntheticSeries(pool?.values ?? [], 50, 6, { atPoint: 30, fraction: 0.5 }, seededRandom(3));
  const detection = detectStep(series, 30, 'lower');
  t.equal(detection.foundIndex, 30);
  t.equal(detection.delayPoints, 5, 'five points after the step: the minimum segment');
  t.equal(detection.newestDelayPoints, 1, 'the newest-point check flags the first point after the step');
  t.strictSame(countFalseAlarms(syntheticSeries(pool?.values ?? [], 100, 6, null, seededRandom(4)), 'lower'), { changePoints: 0, newestOutliers: 0, newestChecked: 98 });
});
