// Chromium as a WebTransport client, end to end on loopback with the real lab PKI against the
// webtransport-go echo server: 30 messages of 200 B at 50/s in each mode all come back once,
// a server with another CA's certificate is refused, the same client does no page loads, and
// nothing is left behind.
// (The page's framing and its answer without a browser: chromium-messages-page.test.ts.)
import t from 'tap';
import { endpointPkis } from '../fixtures/endpoint-pkis.js';
import { chromiumPath } from '../../harness/endpoints/chromium/headless.js';
import { CHROMIUM_CLIENT_DIR_PREFIX, ChromiumClient } from '../../harness/endpoints/chromium/client.js';
import { processesNaming, tempEntries } from '../fixtures/leftovers.js';
import { peerBuilt } from '../../harness/endpoints/peer-build.js';
import { WebTransportEchoServer } from '../../harness/endpoints/webtransport-go/server.js';
import { WEBTRANSPORT_MODES } from '../../harness/endpoints/webtransport-go/report.js';

const missing = await chromiumPath().then(
  () => (peerBuilt('webtransport') ? null : 'peers/webtransport is not built (npm run setup)'),
  (error: Error) => error.message,
);
if (missing !== null) {
  t.plan(0, missing);
} else {
  const servers: WebTransportEchoServer[] = [];
  const { pki, otherPki } = await endpointPkis('chromium-wt', async () => {
    for (const s of servers) await s.stop();
  });
  const dirsBefore = await tempEntries(CHROMIUM_CLIENT_DIR_PREFIX);
  const server = new WebTransportEchoServer({ tls: pki.material, host: '127.0.0.1' });
  servers.push(server);
  const target = await server.start();
  const client = new ChromiumClient(pki.material, 'webtransport');
  const COUNT = 30;

  for (const mode of WEBTRANSPORT_MODES) {
    t.test(`${mode}: ${COUNT} messages of 200 B at 50/s all come back once`, async (t) => {
      const timings = await client.exchangeMessages({ target, mode, count: COUNT, messageBytes: 200, ratePerSecond: 50, drainTimeoutMs: 2000, timeoutMs: 30_000 });
      t.same(timings.errors, []);
      t.equal(timings.strayEchoes, 0);
      t.same(
        timings.messages.map((m) => m.seq),
        Array.from({ length: COUNT }, (_, i) => i),
      );
      t.ok(
        timings.messages.every((m) => m.receivedMs !== null && m.receivedMs >= m.sentMs && m.receivedMs <= timings.drainDeadlineMs),
        'every message echoed, after its send, by the deadline',
      );
      t.ok(timings.sessionMs > 0 && timings.handshakeMs > 0 && timings.handshakeMs <= timings.sessionMs, `handshake ${timings.handshakeMs} ms, session ${timings.sessionMs} ms`);
      // 29 intervals of 20 ms after the session.
      const lastSent = timings.messages.at(-1)?.sentMs ?? 0;
      t.ok(lastSent - timings.sessionMs >= 579 && lastSent - timings.sessionMs < 700, `last send ${(lastSent - timings.sessionMs).toFixed(1)} ms after the session`);
      const rtts = timings.messages.map((m) => (m.receivedMs ?? NaN) - m.sentMs);
      t.comment(`${mode}: session ${timings.sessionMs.toFixed(1)} ms, RTTs ${rtts.map((r) => r.toFixed(1)).join(' ')} ms`);
    });
  }

  t.test('the settings say what the page found of WebTransport', async (t) => {
    const settings = client.info().settings;
    t.equal(settings.application, 'webtransport');
    t.equal(settings.webTransportGetStats !== undefined, true);
    t.comment(JSON.stringify(settings));
  });

  t.test("a server whose certificate is not the lab leaf's: no session", async (t) => {
    const stranger = new WebTransportEchoServer({ tls: otherPki.material, host: '127.0.0.1' });
    servers.push(stranger);
    const other = await stranger.start();
    await t.rejects(client.exchangeMessages({ target: other, mode: 'datagram', count: 3, messageBytes: 200, ratePerSecond: 50, drainTimeoutMs: 500, timeoutMs: 30_000 }), /session not established/);
    await stranger.stop();
  });

  t.test('a WebTransport client loads no pages', async (t) => {
    await t.rejects(client.exchange({ target, path: '/x', timeoutMs: 5000 }), /WebTransport sessions \(exchangeMessages\), not page loads/);
  });

  t.test('no browser process or private directory left', async (t) => {
    t.same(await processesNaming(CHROMIUM_CLIENT_DIR_PREFIX), []);
    t.same(await tempEntries(CHROMIUM_CLIENT_DIR_PREFIX), dirsBefore);
  });
}
