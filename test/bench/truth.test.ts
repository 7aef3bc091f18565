// The truth bench's arithmetic: client minus wire per sample, median and p95 of the absolute.
import t from 'tap';
import { caseAgreement } from '../../harness/bench/truth.js';
import { caseWithSamples } from '../fixtures/result-document.js';

t.test('timings in ms, goodput in percent of the wire; pairs without both figures are left out', async (t) => {
  const resultCase = caseWithSamples(
    'quic-h3-2MB',
    'quic',
    'h3',
    { bodyBytes: 2_000_000 },
    {
      handshakeMs: [46, 45, 47],
      wireHandshakeMs: [45.5, 44.5, 45],
      goodputBitsPerSecond: [20_200_000, 19_800_000, 20_000_000],
      wireGoodputBitsPerSecond: [20_000_000, 20_000_000, 20_000_000],
      ttfbMs: [90, 91, 92],
    },
  );
  const agreement = caseAgreement('throughput', resultCase);
  t.equal(agreement.samples, 3);
  t.equal(agreement.flaggedSamples, 0);
  t.strictSame(
    agreement.metrics.map((m) => [m.metric, m.unit, m.differences, m.medianDifference]),
    [
      ['handshakeMs', 'ms', [0.5, 0.5, 2], 0.5],
      ['goodputBitsPerSecond', 'percent', [1, -1, 0], 0],
    ],
  );
  t.ok(Math.abs((agreement.metrics[0]?.p95AbsoluteDifference ?? 0) - 1.85) < 1e-12, 'p95 of |0.5|, |0.5|, |2| interpolates to 1.85');
  t.equal(agreement.metrics[1]?.p95AbsoluteDifference, 1);
});
