// Runs against runs: pairing by key, the baseline-to-last change, regressions beyond the
// threshold, trends over several runs, and environment differences.
import t from 'tap';
import { compareRuns } from '../../harness/analysis/run-comparison.js';
import { environmentDifferences } from '../../harness/analysis/environment-diff.js';
import { caseWithSamples, documentWithCases, labLink, remoteTarget } from '../fixtures/result-document.js';

const statistics = { seed: 1, alpha: 0.05, resamples: 200 };
const h2 = (ms: number[]) => caseWithSamples('tcp-tls-h2-1MB', 'tcp-tls', 'h2', { bodyBytes: 1_000_000 }, { handshakeMs: ms });
const h3 = (ms: number[]) => caseWithSamples('quic-h3-1MB', 'quic', 'h3', { bodyBytes: 1_000_000 }, { handshakeMs: ms });
const base = [100, 101, 102, 103, 104, 105];

t.test('a significant slowdown beyond the threshold is a regression; one within it is not', async (t) => {
  const a = documentWithCases([h2(base), h3(base)]);
  const b = documentWithCases([h2(base.map((v) => v * 1.03)), h3(base.map((v) => v * 1.2))]);
  const comparison = compareRuns([a, b], { ...statistics, threshold: 0.05 });
  t.same(
    comparison.cases.map((c) => c.caseId),
    ['tcp-tls-h2-1MB', 'quic-h3-1MB'],
  );
  const [tcp, quic] = comparison.cases.map((c) => c.metrics[0]);
  t.equal(tcp?.change.verdict, 'worse');
  t.equal(tcp?.regression, false, '3% is within 5%');
  t.equal(quic?.regression, true, '20% is beyond 5%');
  t.same(quic?.medians, [102.5, 102.5 * 1.2]);
  t.equal(compareRuns([a, b], { ...statistics, threshold: 0.25 }).cases[1]?.metrics[0]?.regression, false, 'a 25% threshold lets it pass');
});

t.test('improvements are marked, and unchanged runs are neither', async (t) => {
  const a = documentWithCases([h3(base)]);
  const faster = compareRuns([a, documentWithCases([h3(base.map((v) => v / 2))])], { ...statistics, threshold: 0.05 });
  t.equal(faster.cases[0]?.metrics[0]?.improvement, true);
  const same = compareRuns([a, documentWithCases([h3(base)])], { ...statistics, threshold: 0.05 });
  t.same([same.cases[0]?.metrics[0]?.regression, same.cases[0]?.metrics[0]?.improvement], [false, false]);
});

t.test('cases pair by key; the others are listed, not compared', async (t) => {
  const a = documentWithCases([h2(base), h3(base)]);
  const other = caseWithSamples('quic-h3-10MB', 'quic', 'h3', { bodyBytes: 10_000_000 }, { handshakeMs: base });
  const comparison = compareRuns([a, documentWithCases([h3(base), other])], { ...statistics, threshold: 0.05 });
  t.same(
    comparison.cases.map((c) => c.caseId),
    ['quic-h3-1MB'],
  );
  t.same(comparison.onlyInBaseline, ['tcp-tls-h2-1MB (loopback)']);
  t.same(comparison.onlyInLatest, ['quic-h3-10MB (loopback)']);
  const otherProfile = documentWithCases([h3(base)], { link: labLink({ profile: 'cable' }, 'cable') });
  t.same(compareRuns([a, otherProfile], { ...statistics, threshold: 0.05 }).cases, [], 'another profile is another measurement');
});

t.test('several runs give the median of each, judged first against last', async (t) => {
  const runs = [base, base.map((v) => v + 10), base.map((v) => v + 20)].map((ms) => documentWithCases([h3(ms)]));
  const middleMissing = documentWithCases([]);
  const comparison = compareRuns([runs[0]!, runs[1]!, middleMissing, runs[2]!], { ...statistics, threshold: 0.05 });
  t.same(comparison.cases[0]?.metrics[0]?.medians, [102.5, 112.5, null, 122.5]);
  t.equal(comparison.cases[0]?.metrics[0]?.change.ratio?.estimate, 122.5 / 102.5);
  t.equal(comparison.cases[0]?.metrics[0]?.regression, true);
});

t.test('chosen metrics only, and those with a definition', async (t) => {
  const a = documentWithCases([caseWithSamples('quic-h3-1MB', 'quic', 'h3', { bodyBytes: 1 }, { handshakeMs: base, goodputBitsPerSecond: base })]);
  const comparison = compareRuns([a, a], { ...statistics, threshold: 0.05, metrics: ['goodputBitsPerSecond', 'noSuchMetric'] });
  t.same(
    comparison.cases[0]?.metrics.map((m) => m.change.metric.name),
    ['goodputBitsPerSecond'],
  );
  t.throws(() => compareRuns([a], { ...statistics, threshold: 0.05 }), /two or more runs/);
});

t.test('environment differences name both values', async (t) => {
  const a = documentWithCases([h2(base), h3(base)]);
  t.same(environmentDifferences(a, a, ['A', 'B']), []);
  const b = documentWithCases([h2(base), { ...h3(base), server: { implementation: 'ngtcp2', version: '1.1', settings: { congestionControl: 'bbr' } } }], {
    host: { ...a.host, kernel: '6.12.0' },
    link: labLink({}, null, { 'client.net.ipv4.tcp_congestion_control': 'bbr' }),
  });
  t.same(environmentDifferences(a, b, ['A', 'B']), [
    'kernel differs: 6.1.0 (A) vs 6.12.0 (B)',
    'link backend differs: loopback (A) vs emulator (B)',
    'congestion control differs: not recorded (A) vs ngtcp2 bbr, tcp bbr (B)',
    'ngtcp2 version differs: 1.0 (A) vs 1.0, 1.1 (B)',
  ]);
  const target = remoteTarget({ resolvedBy: 'dns', altSvc: null, plannedBodyBytes: 1000 });
  t.same(environmentDifferences(a, { ...a, target }, ['A', 'B']), ["server differs: the lab's own servers (A) vs target https://iis.example/files/{bytes} at 198.19.252.2 (B)"]);
});
