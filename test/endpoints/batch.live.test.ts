// Many objects at once: undici over HTTP/2 (one connection) and HTTP/1.1 (a pool of six),
// gtlsclient over HTTP/3 (one connection), loopback, real servers.
import t, { type Test } from 'tap';
import { endpointPkis } from '../fixtures/endpoint-pkis.js';
import { NodeHttpsServer } from '../../harness/endpoints/node/https-server.js';
import { Ngtcp2Server } from '../../harness/endpoints/ngtcp2/server.js';
import { Ngtcp2Client } from '../../harness/endpoints/ngtcp2/client.js';
import { UndiciClient } from '../../harness/endpoints/undici/client.js';
import type { BatchTimings } from '../../harness/endpoints/types.js';

let node: NodeHttpsServer | undefined;
let quic: Ngtcp2Server | undefined;
const { pki } = await endpointPkis('batch', async () => {
  await node?.stop();
  await quic?.stop();
});
node = new NodeHttpsServer({ tls: pki.material, host: '127.0.0.1' });
quic = new Ngtcp2Server({ tls: pki.material, host: '127.0.0.1', bodySizes: [2, 10_000] });
const nodeTarget = await node.start();
const quicTarget = await quic.start();
const paths = Array.from({ length: 30 }, () => '/10000');

function checkBatch(t: Test, timings: BatchTimings, connections: number): void {
  t.equal(timings.objects.length, 30);
  t.ok(
    timings.objects.every((o) => o.bytes === 10_000 && o.path === '/10000'),
    'every object whole',
  );
  t.ok(
    timings.objects.every((o) => o.completedMs > timings.handshakeMs && o.completedMs <= timings.totalMs),
    'each completes after the handshake, by the total',
  );
  t.equal(timings.totalMs, Math.max(...timings.objects.map((o) => o.completedMs)));
  t.equal(timings.connections, connections);
}

t.test('HTTP/2: one connection, all multiplexed', async (t) => {
  checkBatch(t, await new UndiciClient(pki.material, 'h2').exchangeBatch({ target: nodeTarget, paths, timeoutMs: 10_000 }), 1);
});

t.test('HTTP/1.1: a pool of six connections', async (t) => {
  checkBatch(t, await new UndiciClient(pki.material, 'http/1.1').exchangeBatch({ target: nodeTarget, paths, timeoutMs: 10_000, connections: 6 }), 6);
});

t.test('HTTP/3: one QUIC connection, a stream per object', async (t) => {
  checkBatch(t, await new Ngtcp2Client({ tls: pki.material }).exchangeBatch({ target: quicTarget, paths, timeoutMs: 10_000 }), 1);
});

t.test('a batch of different paths is refused by the ngtcp2 client', async (t) => {
  await t.rejects(new Ngtcp2Client({ tls: pki.material }).exchangeBatch({ target: quicTarget, paths: ['/1', '/2'], timeoutMs: 5000 }), /the same path ending in "\/N"/);
});
