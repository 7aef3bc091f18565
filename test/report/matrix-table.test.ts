// The server x client table of a matrix run, and which TCP+TLS case each QUIC case meets.
import t from 'tap';
import { matrixTable } from '../../harness/report/matrix-table.js';
import { variantOf } from '../../harness/scenario/matrix.js';
import { transportPairs } from '../../harness/analysis/transport-pairs.js';
import { caseWithSamples, documentWithCases } from '../fixtures/result-document.js';

type Case = ReturnType<typeof caseWithSamples>;
const on = (c: Case, server: string, client: string): Case => ({ ...c, server: { ...c.server, implementation: server }, client: { ...c.client, implementation: client } });
const p = { bodyBytes: 1000 };
const cases = [
  on(caseWithSamples('tcp-tls-h2', 'tcp-tls', 'h2', p, { handshakeMs: [124, 126] }), 'node', 'undici'),
  on(caseWithSamples('tcp-tls-h2@caddy/undici', 'tcp-tls', 'h2', p, { handshakeMs: [120, 122] }), 'caddy', 'undici'),
  on(caseWithSamples('tcp-tls-h2@caddy/chromium', 'tcp-tls', 'h2', p, { handshakeMs: [130, 132] }), 'caddy', 'chromium'),
  on(caseWithSamples('quic-h3', 'quic', 'h3', p, { handshakeMs: [62, 64] }), 'ngtcp2-gtlsserver', 'ngtcp2-gtlsclient'),
  on(caseWithSamples('quic-h3@caddy/chromium', 'quic', 'h3', p, { handshakeMs: [70, 72] }), 'caddy', 'chromium'),
  { ...on(caseWithSamples('quic-h3-resumed@caddy/chromium', 'quic', 'h3', { ...p, session: 'resumed' }, {}), 'caddy', 'chromium'), unsupported: 'chromium: no resumed sessions' },
];

t.test('variant of a case id', async (t) => {
  t.equal(variantOf({ id: 'quic-h3-1MB@caddy/chromium' }), 'quic-h3-1MB');
  t.equal(variantOf({ id: 'quic-h3-1MB' }), 'quic-h3-1MB');
});

t.test('a row per variant and server, a column per client', async (t) => {
  const matrix = matrixTable(documentWithCases(cases));
  t.equal(matrix?.metric, 'handshakeMs');
  t.same(matrix?.table.header, ['variant', 'server', 'undici', 'chromium', 'ngtcp2-gtlsclient']);
  t.same(matrix?.table.rows, [
    ['tcp-tls-h2', 'node', '125 ms (2/2)', '', ''],
    ['tcp-tls-h2', 'caddy', '121 ms (2/2)', '131 ms (2/2)', ''],
    ['quic-h3', 'ngtcp2-gtlsserver', '', '', '63.0 ms (2/2)'],
    ['quic-h3', 'caddy', '', '71.0 ms (2/2)', ''],
    ['quic-h3-resumed', 'caddy', '', 'unsupported', ''],
  ]);
  t.equal(matrixTable(documentWithCases(cases.filter((c) => !c.id.includes('@')))), null, 'not a matrix run');
});

t.test('QUIC meets the closest TCP+TLS: own with own, same server and client first', async (t) => {
  const pairs = transportPairs(documentWithCases(cases), ['handshakeMs'], { seed: 1, alpha: 0.05, resamples: 100 });
  t.same(
    pairs.map((pair) => `${pair.quic.id} vs ${pair.tcp.id}`),
    ['quic-h3 vs tcp-tls-h2', 'quic-h3@caddy/chromium vs tcp-tls-h2@caddy/chromium'],
  );
});
