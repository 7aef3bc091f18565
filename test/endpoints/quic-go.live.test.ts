// The quic-go peer through the generic peer-program endpoint, on loopback with the real lab
// PKI: every session mode, an upload, a Range, a batch, and the certificate checks (a wrong CA
// and a wrong name fail the handshake); a killed server is noticed.
import t from 'tap';
import { endpointPkis } from '../fixtures/endpoint-pkis.js';
import { peerBuilt } from '../../harness/endpoints/peer-build.js';
import { PeerProgramServer } from '../../harness/endpoints/peer-program/server.js';
import { PeerProgramClient } from '../../harness/endpoints/peer-program/client.js';
import type { PeerProgram } from '../../harness/endpoints/peer-program/peer.js';

const program: PeerProgram = {
  peer: 'quic-go',
  implementation: { server: 'quic-go-server', client: 'quic-go-client' },
  defaultCongestionControl: 'reno',
  congestionControls: ['reno'],
  initialRtt: { defaultMs: 100, settable: false },
};
const SOURCE = { source: 'quic-go qlog events (handshake), http3 reads (body)', resolutionMs: 0.001 };

if (!peerBuilt('quic-go')) {
  t.plan(0, 'peers/quic-go is not built (npm run setup)');
} else {
  let server: PeerProgramServer | undefined;
  const { pki, otherPki } = await endpointPkis('quic-go', async () => server?.stop());
  server = new PeerProgramServer(program, { tls: pki.material, host: '127.0.0.1' });
  const target = await server.start();
  const client = new PeerProgramClient(program, { tls: pki.material, timingSource: SOURCE });

  t.test('downloads in every session mode, checked against the pattern', async (t) => {
    for (const session of ['cold', 'resumed', 'early-data'] as const) {
      const r = await client.exchange({ target, path: '/300000', timeoutMs: 10_000, session, recordProgress: true });
      t.equal(r.bodyBytes, 300_000, `${session}: the body`);
      t.equal(r.verifiedBodyBytes, 300_000, `${session}: every byte checked`);
      t.equal(r.resumed, session !== 'cold', `${session}: resumed as asked`);
      t.equal(r.earlyDataAccepted, session === 'early-data', `${session}: 0-RTT as asked`);
      t.equal(r.alpn, 'h3');
      t.ok(r.handshakeMs > 0 && (r.ttfbMs ?? 0) >= 0 && (r.bodyEndMs ?? 0) >= (r.bodyStartMs ?? Infinity), `${session}: ordered times`);
      t.equal(r.progress?.at(-1)?.[1], 300_000, `${session}: progress ends at the body's size`);
    }
    t.equal(client.info().version, 'v0.66.0');
    t.equal(server?.info().version, 'v0.66.0');
  });

  t.test('an upload is counted and checked by the server; a Range gives the rest', async (t) => {
    const up = await client.exchange({ target, path: '/500000', uploadBytes: 500_000, timeoutMs: 10_000 });
    t.equal(up.uploadedBytes, 500_000);
    t.equal(up.verifiedBodyBytes, 500_000, 'the server checked every byte');
    await t.rejects(client.exchange({ target, path: '/400000', uploadBytes: 500_000, timeoutMs: 10_000 }), /quic-go client: upload refused \(HTTP 400\): received 500000 bytes, expected 400000/);
    const rest = await client.exchange({ target, path: '/1000', rangeStartBytes: 400, timeoutMs: 10_000 });
    t.equal(rest.bodyBytes, 600);
    t.equal(rest.verifiedBodyBytes, 600);
  });

  t.test('a batch on one connection', async (t) => {
    const b = await client.exchangeBatch({ target, paths: ['/10000', '/10000', '/20000'], timeoutMs: 10_000 });
    t.same(
      b.objects.map((o) => [o.path, o.bytes, o.verifiedBytes]),
      [
        ['/10000', 10_000, 10_000],
        ['/10000', 10_000, 10_000],
        ['/20000', 20_000, 20_000],
      ],
    );
    t.equal(b.connections, 1);
    t.equal(b.totalMs, Math.max(...b.objects.map((o) => o.completedMs)));
  });

  t.test('only the lab CA and the right name are trusted', async (t) => {
    const stranger = new PeerProgramClient(program, { tls: otherPki.material, timingSource: SOURCE });
    await t.rejects(stranger.exchange({ target, path: '/1000', timeoutMs: 10_000 }), /quic-go client: QUIC handshake failed: the server certificate does not chain to --ca/);
    await t.rejects(
      client.exchange({ target: { ...target, serverName: 'wrong.quic-lab.test' }, path: '/1000', timeoutMs: 10_000 }),
      /quic-go client: QUIC handshake failed: the server certificate does not match "wrong.quic-lab.test"/,
    );
  });

  t.test('what quic-go lacks is refused up front', async (t) => {
    t.throws(() => new PeerProgramClient(program, { tls: pki.material, timingSource: SOURCE, transport: { congestionControl: 'cubic' } }), /quic-go: no cubic congestion control \(it has reno\)/);
  });

  t.test('a killed server is noticed', async (t) => {
    t.equal(server?.exitReason(), null);
    const pid = server?.pid;
    t.type(pid, 'number', 'the server runs');
    if (pid !== undefined) process.kill(pid, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 300));
    t.match(server?.exitReason(), /quic-go server exited with signal SIGKILL/);
  });
}
