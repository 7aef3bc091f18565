// The terminal's verdict pieces: who is compared, one comparison in a line, the bottom line,
// and flags counted by kind.
import t from 'tap';
import { compareSamples } from '../../harness/analysis/sample-comparison.js';
import { bottomLine, comparisonText, sideLabel } from '../../harness/report/verdict.js';
import { flagKind, flagKinds } from '../../harness/report/sections.js';
import type { MetricDefinition } from '../../harness/results/schema.js';
import { caseWithSamples, documentWithCases } from '../fixtures/result-document.js';

const options = { seed: 1, alpha: 0.05, resamples: 200 };
const ms: MetricDefinition = { name: 'handshakeMs', unit: 'ms', description: '', better: 'lower', provenance: { kind: 'measured', sources: ['client'] } };
const endpoint = (implementation: string) => ({ implementation, version: '1', settings: {} });

t.test('a side is its transport, application and implementations', async (t) => {
  t.equal(sideLabel({ protocol: 'quic', application: 'h3', server: endpoint('ngtcp2-gtlsserver'), client: endpoint('ngtcp2-gtlsclient') }), 'QUIC (h3, ngtcp2)');
  t.equal(sideLabel({ protocol: 'tcp-tls', application: 'h2', server: endpoint('node'), client: endpoint('undici') }), 'TCP+TLS (h2, node/undici)');
  t.equal(sideLabel({ protocol: 'quic', application: 'h3', server: endpoint('caddy'), client: endpoint('caddy') }), 'QUIC (h3, caddy)');
});

t.test('one comparison in a line: medians, ratio, verdict, p', async (t) => {
  const better = compareSamples(ms, [120, 121, 122, 123, 124], [60, 61, 62, 63, 64], options);
  t.equal(comparisonText(better), `handshakeMs 62.0 ms vs 122 ms: 0.51x (95% CI ${better.ratio?.low.toFixed(2)}-${better.ratio?.high.toFixed(2)}), QUIC better, p 0.012`);
  const tooFew = compareSamples(ms, [1200, 1208, 1215], [605, 609, 612], options);
  t.equal(comparisonText(tooFew), 'handshakeMs 609 ms vs 1208 ms: 0.50x (95% CI 0.50-0.51), too few samples to test (need at least 4 per side)', 'no p where it cannot mean anything');
  const zero = compareSamples({ ...ms, name: 'retransmittedPackets', unit: 'count' }, [0, 0, 0, 0], [3, 4, 5, 3], options);
  t.equal(comparisonText(zero), 'retransmittedPackets 3.5 vs 0, QUIC worse, p 0.020', 'no ratio to a zero median');
  const zeros = compareSamples({ ...ms, name: 'retransmittedPackets', unit: 'count' }, [0, 1, 2, 1, 0], [0, 0, 1, 0, 0], options);
  t.equal(comparisonText(zeros), 'retransmittedPackets 0 vs 1: 0.00x (no 95% CI: resampled TCP+TLS medians reach 0), no significant difference, p 0.232');
});

t.test('the bottom line counts the verdicts', async (t) => {
  const better = compareSamples(ms, [120, 121, 122, 123, 124], [60, 61, 62, 63, 64], options);
  const same = compareSamples(ms, [10, 11, 12, 13, 14], [10.5, 11.5, 12.5, 13.5, 14.5], options);
  const tooFew = compareSamples(ms, [1, 2, 3], [4, 5, 6], options);
  t.equal(bottomLine([better, same, same, tooFew]), 'bottom line, of 4 comparisons: QUIC better in 1, no significant difference in 2, too few samples to test (need at least 4 per side) in 1');
  t.equal(bottomLine([tooFew, tooFew]), 'bottom line: too few samples to test (need at least 4 per side): run more --samples');
  t.equal(bottomLine([]), 'bottom line: no numbers to compare (a side of every pair is unsupported or has no samples)');
});

t.test('flags are counted by kind, the numbers of each sample taken out', async (t) => {
  t.equal(flagKind('ttfbMs 5.912 ms vs wireTtfbMs 3.870 ms: apart by more than 1 ms'), 'ttfbMs vs wireTtfbMs: apart by more than 1 ms');
  t.equal(flagKind('ttfbMs 5.912 ms vs wireTtfbMs 3.870 ms: later by more than 2 ms (resolution + delivery)'), 'ttfbMs vs wireTtfbMs: later by more than 2 ms (resolution + delivery)');
  t.equal(flagKind('ttfbMs 1.912 ms vs wireTtfbMs 3.870 ms: earlier by more than 1 ms'), 'ttfbMs vs wireTtfbMs: earlier by more than 1 ms');
  t.equal(flagKind('3 packet(s) tshark could not decrypt (frames 4, 5, 9)'), 'N packet(s) tshark could not decrypt (frames N)');
  t.equal(flagKind('the server sent a Retry'), 'the server sent a Retry');
  const tcp = caseWithSamples('tcp-tls-h2', 'tcp-tls', 'h2', { bodyBytes: 1000 }, { ttfbMs: [5, 6] });
  const quic = caseWithSamples('quic-h3', 'quic', 'h3', { bodyBytes: 1000 }, { ttfbMs: [7] });
  tcp.samples.forEach((s, i) => (s.flags = [`ttfbMs ${5 + i}.912 ms vs wireTtfbMs 3.870 ms: apart by more than 1 ms`]));
  (quic.samples[0] as (typeof quic.samples)[number]).flags = ['ttfbMs 7.000 ms vs wireTtfbMs 2.000 ms: apart by more than 1 ms', 'the server sent a Retry'];
  t.same(flagKinds(documentWithCases([tcp, quic])), [
    {
      kind: 'ttfbMs vs wireTtfbMs: apart by more than 1 ms',
      count: 3,
      cases: [
        ['tcp-tls-h2', 2],
        ['quic-h3', 1],
      ],
    },
    { kind: 'the server sent a Retry', count: 1, cases: [['quic-h3', 1]] },
  ]);
});
