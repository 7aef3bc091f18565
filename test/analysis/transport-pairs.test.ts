// QUIC against TCP+TLS inside a run: which cases pair, and the direction of the ratio.
import t from 'tap';
import { transportPairs } from '../../harness/analysis/transport-pairs.js';
import { caseWithSamples, documentWithCases } from '../fixtures/result-document.js';

const options = { seed: 1, alpha: 0.05, resamples: 200 };

t.test('each QUIC case meets each TCP+TLS case of its workload and profile', async (t) => {
  const document = documentWithCases([
    caseWithSamples('tcp-tls-h1x6-100x10KB', 'tcp-tls', 'http/1.1', { objects: 100, objectBytes: 10_000, connections: 6 }, { handshakeMs: [120, 121, 122, 123, 124] }),
    caseWithSamples('tcp-tls-h2-100x10KB', 'tcp-tls', 'h2', { objects: 100, objectBytes: 10_000, connections: 1 }, { handshakeMs: [120, 121, 122, 123, 124] }),
    caseWithSamples('quic-h3-100x10KB', 'quic', 'h3', { objects: 100, objectBytes: 10_000, connections: 1 }, { handshakeMs: [60, 61, 62, 63, 64] }),
    caseWithSamples('quic-h3-20x200KB', 'quic', 'h3', { objects: 20, objectBytes: 200_000, connections: 1 }, { handshakeMs: [60] }),
    caseWithSamples('tcp-tls-h2-2MB-loss1', 'tcp-tls', 'h2', { bodyBytes: 2_000_000, impairment: 'loss1' }, { handshakeMs: [1] }),
    caseWithSamples('quic-h3-2MB-loss2', 'quic', 'h3', { bodyBytes: 2_000_000, impairment: 'loss2' }, { handshakeMs: [1] }),
  ]);
  const pairs = transportPairs(document, ['handshakeMs', 'goodputBitsPerSecond'], options);
  t.same(
    pairs.map((p) => [p.profile, p.workload, p.quic.id, p.tcp.id]),
    [
      ['loopback', '100x10KB', 'quic-h3-100x10KB', 'tcp-tls-h1x6-100x10KB'],
      ['loopback', '100x10KB', 'quic-h3-100x10KB', 'tcp-tls-h2-100x10KB'],
    ],
    'connections is the transport choice, not the workload; other sizes and impairments do not pair',
  );
  const first = pairs[0]?.comparisons ?? [];
  t.equal(first.length, 1, 'metrics no side has are left out');
  t.equal(first[0]?.ratio?.estimate, 62 / 122, 'ratio is QUIC / TCP+TLS');
  t.equal(first[0]?.verdict, 'better', 'verdict is about QUIC');
});

t.test('an unsupported side gives a pair without numbers that says why', async (t) => {
  const tcp = { ...caseWithSamples('tcp-tls-h2-0rtt', 'tcp-tls', 'h2', { bodyBytes: 1000, session: 'early-data' }, {}), unsupported: 'no TLS early data in Node' };
  const quic = caseWithSamples('quic-h3-0rtt', 'quic', 'h3', { bodyBytes: 1000, session: 'early-data' }, { handshakeMs: [60, 61] });
  const pairs = transportPairs(documentWithCases([tcp, quic]), ['handshakeMs'], options);
  t.equal(pairs.length, 1);
  t.equal(pairs[0]?.workload, '1KB early-data');
  t.equal(pairs[0]?.unsupported, 'no TLS early data in Node');
  t.same(pairs[0]?.comparisons, []);
});
