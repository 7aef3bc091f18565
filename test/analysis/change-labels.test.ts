// compare's false-alarm control and labels: every test of one comparison adjusted together
// (Holm by default, Benjamini-Hochberg or none on request), and a change called a regression or
// an improvement only when significant after that and beyond the threshold, either way.
import t from 'tap';
import { compareRuns, labelChange, type RunComparison } from '../../harness/analysis/run-comparison.js';
import { compareSamples } from '../../harness/analysis/sample-comparison.js';
import { benjaminiHochberg, holmAdjust, mannWhitneyU } from '../../harness/measure/inference.js';
import { correctionLine, labellingLine, renderComparison } from '../../harness/report/compare-report.js';
import type { MetricDefinition } from '../../harness/results/schema.js';
import { caseWithSamples, documentWithCases } from '../fixtures/result-document.js';

const statistics = { seed: 1, alpha: 0.05, resamples: 200 };
const measured = { kind: 'measured', sources: ['client'] } as MetricDefinition['provenance'];
const msMetric = (name: string): MetricDefinition => ({ name, unit: 'ms', description: '', better: 'lower', provenance: measured });

// Ten samples around `center`, 0.01 ms apart: tight, as a handshake on an idle lab is.
const tight = (center: number) => Array.from({ length: 10 }, (_, i) => Number((center + (i - 4.5) * 0.01).toFixed(3)));

// The case: two handshake runs with the same settings, one after the other; three
// cases, seven metrics each (21 tests); four metrics moved 1-3%, each with p < 0.001 alone
// (ten tight samples a side, no overlap). Wire handshake 32.8 vs 32.1 ms is one of them.
const METRICS = ['handshakeMs', 'wireHandshakeMs', 'firstByteMs', 'connectMs', 'tlsMs', 'requestMs', 'totalMs'];
const CASES = ['quic-h3', 'tcp-tls-h2', 'quic-h3-resumed'];
const SHIFTED: Record<string, Record<string, number>> = { 'quic-h3': { wireHandshakeMs: 32.1, handshakeMs: 31.9 }, 'tcp-tls-h2': { connectMs: 20.4 }, 'quic-h3-resumed': { totalMs: 50.5 } };
const BEFORE: Record<string, number> = { handshakeMs: 32.5, wireHandshakeMs: 32.8, firstByteMs: 40, connectMs: 20, tlsMs: 12, requestMs: 8, totalMs: 51 };
const handshakeRun = (second: boolean) =>
  documentWithCases(
    CASES.map((id) =>
      caseWithSamples(
        id,
        id.startsWith('quic') ? 'quic' : 'tcp-tls',
        id.startsWith('quic') ? 'h3' : 'h2',
        { bodyBytes: 1000 },
        Object.fromEntries(METRICS.map((m) => [m, tight(second ? (SHIFTED[id]?.[m] ?? (BEFORE[m] as number)) : (BEFORE[m] as number))])),
      ),
    ),
    { scenario: 'handshake', metrics: METRICS.map(msMetric), headline: METRICS },
  );

const labels = (comparison: RunComparison) => comparison.cases.flatMap((c) => c.metrics.filter((m) => m.label !== 'not significant').map((m) => `${c.caseId} ${m.change.metric.name}: ${m.label} ${m.direction}`));

t.test('two runs with the same settings: 1-3% shifts with p < 0.001 are significant, and within the threshold', async (t) => {
  const comparison = compareRuns([handshakeRun(false), handshakeRun(true)], { ...statistics, threshold: 0.05 });
  t.same(comparison.correction, { method: 'holm', familySize: 21, alpha: 0.05 });
  const wire = comparison.cases[0]?.metrics.find((m) => m.change.metric.name === 'wireHandshakeMs');
  t.same([wire?.change.medianA, Number(wire?.change.medianB?.toFixed(9))], [32.8, 32.1]);
  t.ok((wire?.change.pValue ?? 1) < 0.001, 'p < 0.001 alone');
  t.equal(Number(wire?.shift.toFixed(6)), Number((0.7 / 32.8).toFixed(6)), '2.1%');
  t.equal(wire?.significant, true, 'still significant after Holm over 21 tests');
  t.same(labels(comparison), [
    'quic-h3 handshakeMs: within threshold better',
    'quic-h3 wireHandshakeMs: within threshold better',
    'tcp-tls-h2 connectMs: within threshold worse',
    'quic-h3-resumed totalMs: within threshold better',
  ]);
  t.same(
    comparison.cases.flatMap((c) => c.metrics.filter((m) => m.regression || m.improvement)),
    [],
    'no regression, no improvement',
  );
  const text = renderComparison(comparison, [], [], statistics, 'text');
  t.match(text, /^False alarms: Holm correction over a family of 21 tests, alpha 0\.05 \(controls the family-wise error rate\)\.\n/);
  t.match(text, /quic-h3\s+loopback\s+wireHandshakeMs\s+32\.8 ms\s+32\.1 ms\s+0\.98 \(0\.98-0\.98\)\s+<0\.001\s+0\.00\d\s+better, within 5%\n/);
  t.match(text, /tcp-tls-h2\s+loopback\s+connectMs\s+20\.0 ms\s+20\.4 ms\s+1\.02 \(1\.02-1\.02\)\s+<0\.001\s+0\.00\d\s+worse, within 5%\n/);
  t.match(text, /\n0 significant regressions beyond 5%, 0 significant improvements beyond 5%, 4 significant shifts within 5%\n$/);
  t.match(
    text,
    /\nLabels: REGRESSION or improvement only when significant after correction and beyond 5% either way; a smaller significant shift is "within 5%", since runs differ from each other by more than the within-run test assumes\.\n/,
  );
  const uncorrected = compareRuns([handshakeRun(false), handshakeRun(true)], { ...statistics, threshold: 0.05, correction: 'none' });
  t.same(labels(uncorrected), labels(comparison), 'the threshold, not the correction, keeps these from being called improvements');
  const strict = compareRuns([handshakeRun(false), handshakeRun(true)], { ...statistics, threshold: 0.01 });
  t.same(
    labels(strict),
    ['quic-h3 handshakeMs: improvement better', 'quic-h3 wireHandshakeMs: improvement better', 'tcp-tls-h2 connectMs: regression worse', 'quic-h3-resumed totalMs: within threshold better'],
    'beyond a 1% threshold the same shifts are labelled; 50.5 vs 51 (0.98%) is not',
  );
});

// Eight samples 10 apart, and the same 30 higher: 22% slower, p = 0.045 alone.
const spread = [100, 110, 120, 130, 140, 150, 160, 170];
const slower = spread.map((v) => v + 30);
const twoCaseRun = (a: number[], b: number[]) =>
  documentWithCases([caseWithSamples('quic-h3-1MB', 'quic', 'h3', { bodyBytes: 1_000_000 }, { handshakeMs: a }), caseWithSamples('tcp-tls-h2-1MB', 'tcp-tls', 'h2', { bodyBytes: 1_000_000 }, { handshakeMs: b })]);

t.test('the family decides: Holm, Benjamini-Hochberg or none over the same two tests', async (t) => {
  const p = mannWhitneyU(slower, spread).pValue;
  t.equal(Number(p.toFixed(6)), 0.045201);
  const [a, b] = [twoCaseRun(spread, spread), twoCaseRun(slower, slower)];
  const run = (correction: 'holm' | 'bh' | 'none') => compareRuns([a, b], { ...statistics, threshold: 0.05, correction });
  const holm = run('holm');
  t.same(
    holm.cases.map((c) => [c.metrics[0]?.adjustedPValue, c.metrics[0]?.label]),
    [
      [holmAdjust([p, p])[0], 'not significant'],
      [holmAdjust([p, p])[1], 'not significant'],
    ],
  );
  t.equal(Number(holm.cases[0]?.metrics[0]?.adjustedPValue?.toFixed(6)), 0.090403, '2 p');
  t.match(renderComparison(holm, [], [], statistics, 'text'), /quic-h3-1MB\s+loopback\s+handshakeMs\s+135 ms\s+165 ms\s+[\d.() -]+\s+0\.045\s+0\.090\s+not significant after Holm\n/);
  const bh = run('bh');
  t.same(
    bh.cases.map((c) => [c.metrics[0]?.adjustedPValue, c.metrics[0]?.label]),
    [
      [benjaminiHochberg([p, p])[0], 'regression'],
      [p, 'regression'],
    ],
    'BH: the larger p times 2/2 bounds both',
  );
  t.same(bh.correction, { method: 'bh', familySize: 2, alpha: 0.05 });
  t.match(correctionLine(bh), 'False alarms: Benjamini-Hochberg correction over a family of 2 tests, alpha 0.05 (controls the false discovery rate).');
  const none = run('none');
  t.same(
    none.cases.map((c) => [c.metrics[0]?.adjustedPValue, c.metrics[0]?.label]),
    [
      [p, 'regression'],
      [p, 'regression'],
    ],
  );
  t.equal(correctionLine(none), 'False alarms: no correction; each of 2 tests at alpha 0.05 alone (about one false alarm in 20 unchanged metrics).');
  t.notMatch(renderComparison(none, [], [], statistics, 'text'), /p none/, 'no adjusted column without a correction');
});

t.test('the family is every test with a p-value, and only those', async (t) => {
  const one = documentWithCases([caseWithSamples('quic-h3-1MB', 'quic', 'h3', { bodyBytes: 1_000_000 }, { handshakeMs: [5] })]);
  const comparison = compareRuns([one, one], { ...statistics, threshold: 0.05 });
  t.same(comparison.correction, { method: 'holm', familySize: 0, alpha: 0.05 });
  t.same([comparison.cases[0]?.metrics[0]?.adjustedPValue, comparison.cases[0]?.metrics[0]?.label], [null, 'too few samples']);
  t.equal(correctionLine(comparison), 'False alarms: Holm correction over a family of 0 tests, alpha 0.05 (controls the family-wise error rate).');
});

t.test('labelChange: significant and beyond the threshold either way, else why not', async (t) => {
  const lower = msMetric('handshakeMs');
  const neither: MetricDefinition = { ...lower, name: 'serverFirstFlightBytes', unit: 'bytes', better: 'neither' };
  const base = [100, 101, 102, 103, 104, 105, 106, 107];
  const scaled = (k: number) => base.map((v) => v * k);
  const label = (metric: MetricDefinition, b: number[], threshold = 0.05, significant = true) => labelChange(compareSamples(metric, base, b, statistics), significant, threshold);
  t.equal(label(lower, scaled(1.2)), 'regression');
  t.equal(label(lower, scaled(0.8)), 'improvement');
  t.equal(label(lower, scaled(1.04)), 'within threshold');
  t.equal(label(lower, scaled(0.96)), 'within threshold');
  const around100 = [96, 97, 98, 99, 101, 102, 103, 104];
  const fivePercent = compareSamples(
    lower,
    around100,
    around100.map((v) => v + 5),
    statistics,
  );
  t.same([fivePercent.medianA, fivePercent.medianB], [100, 105]);
  t.equal(labelChange(fivePercent, true, 0.05), 'within threshold', 'exactly at the threshold is within it');
  t.equal(labelChange(fivePercent, true, 0.049), 'regression');
  t.equal(label(lower, scaled(1.2), 0.05, false), 'not significant');
  t.equal(label(neither, scaled(1.2)), 'changed');
  t.equal(label(neither, scaled(1.02)), 'within threshold');
  t.equal(labelChange(compareSamples(lower, [1, 2], [3, 4], statistics), false, 0.05), 'too few samples');
  t.equal(labelChange(compareSamples(lower, [], [3, 4, 5, 6], statistics), false, 0.05), 'not comparable');
  t.equal(labelChange(compareSamples(lower, [0, 0, 0, 0], [1, 1, 1, 1], statistics), true, 10), 'regression', 'from a zero baseline any rise is beyond');
  t.equal(labellingLine({ threshold: 0.1 } as RunComparison).includes('beyond 10% either way'), true);
});
