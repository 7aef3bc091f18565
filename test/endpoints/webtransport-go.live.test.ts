// The WebTransport peer (peers/webtransport) through its driver, on loopback with the real lab
// PKI: 50 messages of 200 B at 50/s in each mode all come back exactly once; only the lab CA
// and the right name are trusted; a server that goes away mid-run is reported, not hidden;
// no server process is left.
import { processAlive } from '../../harness/process/proc-table.js';
import t from 'tap';
import { endpointPkis } from '../fixtures/endpoint-pkis.js';
import { peerBuilt } from '../../harness/endpoints/peer-build.js';
import { WebTransportEchoServer } from '../../harness/endpoints/webtransport-go/server.js';
import { runWebTransportClient } from '../../harness/endpoints/webtransport-go/client.js';
import { accountingInput, WEBTRANSPORT_MODES } from '../../harness/endpoints/webtransport-go/report.js';
import { accountMessages } from '../../harness/measure/realtime-messages.js';

if (!peerBuilt('webtransport')) {
  t.plan(0, 'peers/webtransport is not built (npm run setup)');
} else {
  const servers: WebTransportEchoServer[] = [];
  const { pki, otherPki } = await endpointPkis('webtransport', async () => {
    for (const s of servers) await s.stop();
  });
  const server = new WebTransportEchoServer({ tls: pki.material, host: '127.0.0.1' });
  servers.push(server);
  const target = await server.start();
  const pid = server.pid as number;

  for (const mode of WEBTRANSPORT_MODES) {
    t.test(`${mode}: 50 messages of 200 B at 50/s all come back once`, async (t) => {
      const report = await runWebTransportClient({ target, caFile: pki.material.caFile, mode, count: 50, sizeBytes: 200, ratePerSecond: 50, drainTimeoutMs: 2000 });
      t.equal(report.error, undefined, 'the run succeeded');
      t.same(report.errors, []);
      t.equal(report.messages.length, 50);
      t.same(
        report.messages.map((m) => m.seq),
        Array.from({ length: 50 }, (_, i) => i),
      );
      t.same(report.strayEchoes, [], 'no echo twice, none unknown');
      t.equal(report.version, 'v0.13.0');
      t.equal(report.quicGoVersion, 'v0.66.0');
      const handshakeMs = report.handshakeMs ?? -1;
      const sessionMs = report.sessionEstablishedMs ?? -1;
      t.ok(handshakeMs > 0 && sessionMs >= handshakeMs, `handshake ${handshakeMs} ms, session ${sessionMs} ms`);
      // 49 intervals of 20 ms: the last send ~980 ms after the session.
      const spanMs = (report.lastSendMs ?? 0) - (report.messages[0]?.sentMs ?? 0);
      t.ok(spanMs >= 980 && spanMs < 1100, `sent over ${spanMs} ms`);
      const input = accountingInput(report);
      const stats = accountMessages(input.sent, input.received, input.deadlineMs);
      t.equal(stats.deliveredFraction, 1);
      t.equal(stats.duplicates, 0);
      t.equal(stats.unknown, 0);
      t.ok((stats.rttMaxMs ?? Infinity) < 200, `loopback RTTs: p50 ${stats.rttP50Ms} ms, max ${stats.rttMaxMs} ms`);
      t.equal(stats.deliveredOverTime.at(-1)?.[1], 50);
    });
  }

  t.test('only the lab CA and the right name are trusted', async (t) => {
    const stranger = await runWebTransportClient({ target, caFile: otherPki.material.caFile, mode: 'datagram', count: 1, sizeBytes: 100, ratePerSecond: 1, drainTimeoutMs: 100 });
    t.match(stranger.error, /QUIC handshake failed: the server certificate does not chain to --ca/);
    t.same(stranger.messages, []);
    const wrongName = await runWebTransportClient({ target: { ...target, serverName: 'wrong.quic-lab.test' }, caFile: pki.material.caFile, mode: 'datagram', count: 1, sizeBytes: 100, ratePerSecond: 1, drainTimeoutMs: 100 });
    t.match(wrongName.error, /does not match "wrong.quic-lab.test"/);
  });

  t.test('bounds are refused as a bad command line', async (t) => {
    await t.rejects(
      runWebTransportClient({ target, caFile: pki.material.caFile, mode: 'datagram', count: 10, sizeBytes: 5000, ratePerSecond: 10, drainTimeoutMs: 100 }),
      /bad command line: .*--size-bytes 5000: 8 to 1000 in datagram mode/,
    );
    await t.rejects(runWebTransportClient({ target, caFile: pki.material.caFile, mode: 'long-stream', count: 100_001, sizeBytes: 200, ratePerSecond: 1000, drainTimeoutMs: 100 }), /--count 100001: 1 to 100000/);
  });

  t.test('a server that goes away mid-run: the client says so and reports what it saw', async (t) => {
    const doomed = new WebTransportEchoServer({ tls: pki.material, host: '127.0.0.1' });
    servers.push(doomed);
    const doomedTarget = await doomed.start();
    const run = runWebTransportClient({ target: doomedTarget, caFile: pki.material.caFile, mode: 'stream-per-message', count: 50, sizeBytes: 200, ratePerSecond: 50, drainTimeoutMs: 1000 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    await doomed.stop();
    const report = await run;
    t.match(report.error, /session ended/);
    const input = accountingInput(report);
    const stats = accountMessages(input.sent, input.received, input.deadlineMs);
    t.ok(stats.deliveredCount > 5 && stats.deliveredCount < 50, `${stats.deliveredCount} of ${stats.sentCount} sent came back before the server went away`);
  });

  t.test('the server is gone after stop', async (t) => {
    t.ok(processAlive(pid), 'it ran through the tests');
    await server.stop();
    t.notOk(processAlive(pid), `process ${pid} is gone`);
    t.equal(server.pid, undefined);
  });
}
