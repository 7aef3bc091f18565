// The server x client matrix end to end, short: handshake on the lab (Caddy and Chromium in
// the namespaces), throughput and multiplexing on loopback, with Caddy on both transports and
// curl and Chromium as clients. A Chromium sample only succeeds when nextHopProtocol is the
// case's protocol, so ok samples are "h3" against gtlsserver and Caddy and "h2" over TCP. One
// sample a case: each Chromium sample starts a browser of its own (about a second), and a
// second sample's median (their mean) would halve an outlier, not hide it.
import t from 'tap';
import { readFile } from 'node:fs/promises';
import { reportPathsFor } from '../../harness/results/write.js';
import { runScenarioCli } from '../fixtures/run-scenario.js';

const okCount = (c: { samples: Array<{ status: string }> }) => c.samples.filter((s) => s.status === 'ok').length;
const errors = (c: { samples: Array<{ error?: string }> }) => c.samples.map((s) => s.error ?? '').join(' ');

t.test('handshake on the lab: Caddy, gtlsserver and Node against Chromium, gtlsclient and undici', async (t) => {
  const { document, resultPath } = await runScenarioCli(
    t,
    ['handshake', '--rtt', '20ms', '--server', 'caddy,ngtcp2,node', '--client', 'chromium,ngtcp2,undici', '--variants', 'tcp-tls-h2,quic-h3,quic-h3-0rtt', '--samples', '1', '--warmup', '0'],
    240_000,
  );
  const ids = document.cases.map((c) => `${c.id}${c.unsupported ? ' (unsupported)' : ''}`);
  t.same(ids, [
    'tcp-tls-h2@caddy/chromium',
    'tcp-tls-h2@caddy/undici',
    'tcp-tls-h2@node/chromium',
    'tcp-tls-h2',
    'quic-h3@caddy/chromium',
    'quic-h3@caddy/ngtcp2',
    'quic-h3@ngtcp2/chromium',
    'quic-h3',
    'quic-h3-0rtt@caddy/chromium (unsupported)',
    'quic-h3-0rtt@caddy/ngtcp2',
    'quic-h3-0rtt@ngtcp2/chromium (unsupported)',
    'quic-h3-0rtt',
  ]);
  for (const c of document.cases.filter((c) => c.unsupported === undefined)) {
    t.equal(okCount(c), 1, `${c.id}: ok ${errors(c)}`);
    t.not(c.client.version, 'unknown', `${c.id}: client version detected`);
    t.not(c.server.version, 'unknown', `${c.id}: server version detected`);
    // One round trip for QUIC and two for TCP+TLS (20 ms RTT) on the wire. Chromium's
    // post-quantum ClientHello needs two Initial datagrams, and Caddy's quic-go drops the second
    // when it comes right behind the first (quic-go#3760), so that pair waits for the client's
    // retransmission: measured, not failed; it only has to finish.
    const wireMs = c.summary.wireHandshakeMs?.median ?? 0;
    const rounds = c.protocol === 'quic' ? 1 : 2;
    // That retransmission waits for Chromium's probe timeout (measured 31-122 ms here): a
    // generous bound, since the test is that the pair finishes and what the wire shows.
    const lostSecondInitial = c.client.implementation === 'chromium' && c.server.implementation === 'caddy' && c.protocol === 'quic';
    const slack = lostSecondInitial ? 400 : c.client.implementation === 'chromium' ? 100 : 15;
    t.ok(wireMs >= rounds * 20 - 1 && wireMs < rounds * 20 + slack, `${c.id}: wire handshake ${wireMs} ms`);
    if (c.client.implementation === 'chromium' && c.protocol === 'quic') {
      t.ok(
        c.samples.every((s) => (s.flags ?? []).some((f) => f.includes('2 datagrams with Initial CRYPTO'))),
        `${c.id}: the ClientHello (with its ML-KEM key share) spans two Initial datagrams`,
      );
    }
  }
  t.match(document.cases.find((c) => c.id === 'quic-h3-0rtt@caddy/chromium')?.unsupported, /chromium: no early-data sessions/);
  const markdown = await readFile(reportPathsFor(resultPath).md, 'utf8');
  // The wire's handshake time: the headline prefers it where the run has a capture.
  t.match(markdown, /Server x client, median wireHandshakeMs \(ok\/n\):/);
  t.match(markdown, /\| quic-h3 \| caddy \| [\d.]+ ms \(1\/1\) \| {2}\| [\d.]+ ms \(1\/1\) \|/);
  t.match(markdown, /\| quic-h3@caddy\/chromium vs tcp-tls-h2@caddy\/chromium \| wireHandshakeMs \|/, 'Caddy compared with itself');
});

t.test('throughput on loopback: Caddy over both transports, curl and Chromium as clients', async (t) => {
  const { document } = await runScenarioCli(t, ['throughput', '--link', 'loopback', '--server', 'caddy', '--client', 'curl,chromium,ngtcp2', '--sizes', '100KB', '--samples', '1', '--warmup', '0'], 120_000);
  t.same(
    document.cases.map((c) => c.id),
    ['tcp-tls-h1-100KB@caddy/curl', 'tcp-tls-h2-100KB@caddy/curl', 'tcp-tls-h2-100KB@caddy/chromium', 'quic-h3-100KB@caddy/chromium', 'quic-h3-100KB@caddy/ngtcp2'],
  );
  for (const c of document.cases) {
    t.equal(okCount(c), 1, `${c.id}: ok ${errors(c)}`);
    t.equal(c.summary.bodyBytes?.median, 100_000, `${c.id}: every byte`);
  }
  t.ok(document.cases.find((c) => c.id === 'tcp-tls-h2-100KB@caddy/curl')?.summary.goodputBitsPerSecond, 'curl: goodput');
});

t.test('multiplexing on loopback: 10 objects at once from Caddy to curl and Chromium', async (t) => {
  const { document } = await runScenarioCli(t, ['multiplexing', '--link', 'loopback', '--server', 'caddy', '--client', 'curl,chromium', '--objects', '10x10KB', '--samples', '1', '--warmup', '0'], 120_000);
  t.same(
    document.cases.map((c) => c.id),
    ['tcp-tls-h1x6-10x10KB@caddy/curl', 'tcp-tls-h2-10x10KB@caddy/curl', 'tcp-tls-h2-10x10KB@caddy/chromium', 'quic-h3-10x10KB@caddy/chromium'],
  );
  for (const c of document.cases) {
    t.equal(okCount(c), 1, `${c.id}: ok ${errors(c)}`);
    t.equal(c.samples[0]?.series?.objectCompletionMs?.length, 10, `${c.id}: every object's completion`);
    t.equal(c.summary.connections?.median, c.id.includes('h1x6') ? 6 : 1, `${c.id}: connections`);
  }
});
