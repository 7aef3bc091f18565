// The Node TCP+TLS server and clients, end to end on loopback with the real lab PKI.
import t from 'tap';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { endpointPkis } from '../fixtures/endpoint-pkis.js';
import { NodeHttpsServer } from '../../harness/endpoints/node/https-server.js';
import { NodeTlsClient } from '../../harness/endpoints/node/tls-client.js';
import { UndiciClient } from '../../harness/endpoints/undici/client.js';

let server: NodeHttpsServer | undefined;
const { dir, pki, otherPki } = await endpointPkis('node', async () => server?.stop());
const keylogDir = join(dir, 'keylogs');
await mkdir(keylogDir);
server = new NodeHttpsServer({ tls: pki.material, host: '127.0.0.1' });
const target = await server.start();

t.test('bare TLS 1.3 handshake: connect, then TLS', async (t) => {
  const timings = await new NodeTlsClient(pki.material).exchange({ target, path: '/', timeoutMs: 5000 });
  t.ok(timings.connectMs !== undefined && timings.connectMs > 0);
  t.ok(timings.handshakeMs > (timings.connectMs ?? 0), 'TLS completes after TCP connects');
  t.equal(timings.alpn, 'h2');
});

for (const application of ['h2', 'http/1.1'] as const) {
  t.test(`${application} GET of /1000 over a fresh connection`, async (t) => {
    const timings = await new UndiciClient(pki.material, application).exchange({ target, path: '/1000', timeoutMs: 5000 });
    t.equal(timings.alpn, application);
    t.equal(timings.bodyBytes, 1000);
    t.ok(timings.handshakeMs > (timings.connectMs ?? 0));
    t.ok((timings.ttfbMs ?? 0) >= timings.handshakeMs, 'first byte after the handshake');
    t.ok((timings.totalMs ?? 0) >= (timings.ttfbMs ?? 0));
  });
}

t.test('undici session modes: resumed by a ticket from a priming connection; no early data over TCP', async (t) => {
  for (const application of ['h2', 'http/1.1'] as const) {
    const keylogFile = join(keylogDir, `${application.replace('/', '')}.log`);
    const client = new UndiciClient(pki.material, application, { keylogFile });
    t.same(client.sessionModes, ['cold', 'resumed']);
    t.match(await client.exchange({ target, path: '/1000', timeoutMs: 5000, session: 'cold' }), { resumed: false, bodyBytes: 1000 });
    t.match(await client.exchange({ target, path: '/1000', timeoutMs: 5000, session: 'resumed' }), { resumed: true, earlyDataAccepted: false, bodyBytes: 1000 });
    t.match(await client.exchange({ target, path: '/1000', timeoutMs: 5000 }), { resumed: false }, 'nothing cached: the next cold one is cold');
    await t.rejects(client.exchange({ target, path: '/1000', timeoutMs: 5000, session: 'early-data' }), /no TLS 1.3 early data/);
    const keys = await readFile(keylogFile, 'utf8');
    t.match(keys, /^CLIENT_HANDSHAKE_TRAFFIC_SECRET [0-9a-f]+ [0-9a-f]+$/m, `${application}: key log written`);
  }
});

t.test('a large body arrives whole', async (t) => {
  const timings = await new UndiciClient(pki.material, 'h2').exchange({ target, path: '/3000000', timeoutMs: 10_000 });
  t.equal(timings.bodyBytes, 3_000_000);
});

t.test('a path that is not /N is a 404, reported as a failure', async (t) => {
  await t.rejects(new UndiciClient(pki.material, 'h2').exchange({ target, path: '/index.html', timeoutMs: 5000 }), /HTTP status 404/);
});

t.test('a server certificate from another CA is refused', async (t) => {
  await t.rejects(new NodeTlsClient(otherPki.material).exchange({ target, path: '/', timeoutMs: 5000 }), /unable to (verify|get)/);
  await t.rejects(new UndiciClient(otherPki.material, 'h2').exchange({ target, path: '/1', timeoutMs: 5000 }), /unable to (verify|get)/);
});

t.test('a name the certificate does not carry is refused', async (t) => {
  await t.rejects(new NodeTlsClient(pki.material).exchange({ target: { ...target, serverName: 'other.example' }, path: '/', timeoutMs: 5000 }), /does not match|altnames/i);
});

t.test('nothing listens after stop', async (t) => {
  await server.stop();
  await t.rejects(new NodeTlsClient(pki.material).exchange({ target, path: '/', timeoutMs: 2000 }), /ECONNREFUSED/);
});
