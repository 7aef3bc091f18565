// The realtime scenario's TCP side on loopback with the real lab PKI: ws (WebSocket over TLS
// 1.3, one long stream) and @fails-components/webtransport (WebTransport over HTTP/2: a
// datagram, a stream per message, one long stream). 25 messages of 200 B at 50/s all come back
// exactly once, paced (half a second: as much pacing to check as a longer run), and 500 at
// 500/s on streams (100 KB and 500 streams: well past the initial 16 KB windows and 100 streams);
// a server of another CA is refused; a server killed mid-run leaves the rest unanswered and
// nothing counted twice; no process is left.
import { processAlive } from '../../harness/process/proc-table.js';
import t from 'tap';
import { endpointPkis } from '../fixtures/endpoint-pkis.js';
import { wsServer } from '../../harness/endpoints/ws/server.js';
import { WsClient } from '../../harness/endpoints/ws/client.js';
import { failsWebTransportServer } from '../../harness/endpoints/fails-webtransport/server.js';
import type { NodeTlsScriptServer } from '../../harness/endpoints/node/script-server.js';
import { FailsWebTransportClient } from '../../harness/endpoints/fails-webtransport/client.js';
import { NetnsNodeMessagesClient } from '../../harness/endpoints/node/netns-node-client.js';
import { projectPath } from '../../harness/project-root.js';
import { accountMessages } from '../../harness/measure/realtime-messages.js';
import type { MessagesClient, MessagesSpec, MessagesTimings, ServerAddress, TlsMaterial } from '../../harness/endpoints/types.js';

type Server = NodeTlsScriptServer;

const servers: Server[] = [];
const { pki, otherPki } = await endpointPkis('realtime-tcp', async () => {
  for (const s of servers) await s.stop();
});

const IMPLEMENTATIONS = [
  {
    name: 'ws',
    modes: ['long-stream'] as const,
    server: (tls: TlsMaterial) => wsServer({ tls, host: '127.0.0.1' }),
    client: (tls: TlsMaterial) => new WsClient(tls),
    module: 'harness/endpoints/ws/client.ts',
    application: 'websocket' as const,
  },
  {
    name: 'fails-webtransport',
    modes: ['datagram', 'stream-per-message', 'long-stream'] as const,
    server: (tls: TlsMaterial) => failsWebTransportServer({ tls, host: '127.0.0.1' }),
    client: (tls: TlsMaterial) => new FailsWebTransportClient(tls),
    module: 'harness/endpoints/fails-webtransport/client.ts',
    application: 'webtransport' as const,
  },
];

function spec(target: ServerAddress, mode: MessagesSpec['mode'], overrides: Partial<MessagesSpec> = {}): MessagesSpec {
  return { target, mode, count: 50, messageBytes: 200, ratePerSecond: 50, drainTimeoutMs: 2000, timeoutMs: 15_000, ...overrides };
}

function stats(timings: MessagesTimings) {
  const received = timings.messages.flatMap(({ seq, receivedMs }) => (receivedMs === null ? [] : [{ seq, receivedMs }]));
  return accountMessages(timings.messages, received, timings.drainDeadlineMs);
}

for (const impl of IMPLEMENTATIONS) {
  const server = impl.server(pki.material);
  servers.push(server);
  const target = await server.start();
  const pid = server.pid as number;

  for (const mode of impl.modes) {
    t.test(`${impl.name} ${mode}: 25 messages of 200 B at 50/s all come back once`, async (t) => {
      const timings = await impl.client(pki.material).exchangeMessages(spec(target, mode, { count: 25 }));
      t.same(timings.errors, []);
      t.equal(timings.strayEchoes, 0, 'no echo twice, none unknown');
      t.same(
        timings.messages.map((m) => m.seq),
        Array.from({ length: 25 }, (_, i) => i),
      );
      t.ok(timings.handshakeMs > 0 && timings.sessionMs >= timings.handshakeMs, `handshake ${timings.handshakeMs} ms, session ${timings.sessionMs} ms`);
      // Message i is due i * 20 ms after the session is up: the last one 480 ms after it.
      const lastSendMs = (timings.messages[24]?.sentMs ?? 0) - timings.sessionMs;
      t.ok(lastSendMs >= 479.999 && lastSendMs < 600, `the last sent ${lastSendMs} ms after the session was up`);
      const s = stats(timings);
      t.equal(s.deliveredFraction, 1);
      t.equal(s.duplicates, 0);
      t.ok((s.rttMaxMs ?? Infinity) < 300, `loopback RTTs: p50 ${s.rttP50Ms} ms, p99 ${s.rttP99Ms} ms, max ${s.rttMaxMs} ms`);
    });
  }

  // Past the package's initial windows and stream limit (16 KB of session and stream data each
  // way, 100 bidirectional streams): 500 messages at 500/s (100 KB, six times the window; 500
  // streams, five times the limit), every one back exactly once.
  for (const mode of impl.modes.filter((m) => m !== 'datagram')) {
    t.test(`${impl.name} ${mode}: 500 messages of 200 B at 500/s (100 KB${mode === 'stream-per-message' ? ', 500 streams' : ''}) all come back once`, async (t) => {
      const timings = await impl.client(pki.material).exchangeMessages(spec(target, mode, { count: 500, ratePerSecond: 500, drainTimeoutMs: 3000, timeoutMs: 20_000 }));
      t.same(timings.errors, []);
      t.equal(timings.strayEchoes, 0, 'no echo twice, none unknown');
      const s = stats(timings);
      t.equal(s.sentCount, 500);
      t.equal(s.deliveredCount, 500, `${s.deliveredCount} of 500 came back; RTT p50 ${s.rttP50Ms} ms, max ${s.rttMaxMs} ms`);
      t.equal(s.duplicates, 0);
    });
  }

  t.test(`${impl.name}: through the client worker (the namespace path, here in this one), key log written`, async (t) => {
    const keylogFile = `${pki.dir}/${impl.name}-keylog.txt`;
    const client: MessagesClient = new NetnsNodeMessagesClient(impl.client(pki.material), { module: projectPath(impl.module), application: impl.application, tls: pki.material, keylogFile });
    try {
      const timings = await client.exchangeMessages(spec(target, 'long-stream', { count: 20, ratePerSecond: 100 }));
      t.equal(timings.messages.filter((m) => m.receivedMs !== null).length, 20);
      const { readFile } = await import('node:fs/promises');
      t.match(await readFile(keylogFile, 'utf8'), /^CLIENT_HANDSHAKE_TRAFFIC_SECRET [0-9a-f]{64} [0-9a-f]+$/m, 'TLS 1.3 secrets in the key log');
      await t.rejects(client.exchangeMessages(spec(target, 'long-stream', { count: 0 })), /bad messages spec: count 0/);
    } finally {
      await client.close?.();
    }
  });

  t.test(`${impl.name}: a server of another CA, or under another name, is refused`, async (t) => {
    const stranger = impl.server(otherPki.material);
    servers.push(stranger);
    const strangerTarget = await stranger.start();
    await t.rejects(impl.client(pki.material).exchangeMessages(spec(strangerTarget, 'long-stream', { count: 1 })), /TLS handshake failed: .*(self-signed|unable to (verify|get))/);
    await stranger.stop();
    await t.rejects(impl.client(pki.material).exchangeMessages(spec({ ...target, serverName: 'wrong.quic-lab.test' }, 'long-stream', { count: 1 })), /TLS handshake failed: .*does not match certificate's altnames/);
  });

  t.test(`${impl.name}: a server killed mid-run: the rest unanswered, nothing counted twice`, async (t) => {
    const doomed = impl.server(pki.material);
    servers.push(doomed);
    const doomedTarget = await doomed.start();
    const run = impl.client(pki.material).exchangeMessages(spec(doomedTarget, 'long-stream', { drainTimeoutMs: 1000 }));
    await new Promise((resolve) => setTimeout(resolve, 500));
    process.kill(doomed.pid as number, 'SIGKILL');
    const timings = await run;
    t.match(timings.errors.join(' | '), /session ended (after \d+ of 50 messages|while waiting)/);
    t.equal(timings.strayEchoes, 0);
    const s = stats(timings);
    t.equal(s.duplicates, 0);
    t.ok(s.deliveredCount > 5 && s.deliveredCount < 50, `${s.deliveredCount} of ${s.sentCount} sent came back before the server died`);
    // TCP delivers in order: once one message went unanswered, so did every later one; messages
    // the schedule had not reached when the session ended were never sent and are not listed.
    t.ok(s.sentCount < 50, `${s.sentCount} of 50 handed over before the session ended`);
    const firstLost = timings.messages.findIndex((m) => m.receivedMs === null);
    t.ok(firstLost === -1 || timings.messages.slice(firstLost).every((m) => m.receivedMs === null), `after the first unanswered message (${firstLost}), none came back`);
    t.ok(timings.drainDeadlineMs < 1500, `the observation ends when the session does (${timings.drainDeadlineMs} ms)`);
    await doomed.stop();
  });

  t.test(`${impl.name}: the server is gone after stop`, async (t) => {
    t.ok(processAlive(pid), 'it ran through the tests');
    await server.stop();
    t.notOk(processAlive(pid), `process ${pid} is gone`);
  });
}
