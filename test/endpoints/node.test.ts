// The Node TCP+TLS server and clients, end to end on loopback with the real lab PKI.
import t from 'tap';
import { endpointPkis } from '../fixtures/endpoint-pkis.js';
import { NodeHttpsServer } from '../../harness/endpoints/node-https-server.js';
import { NodeTlsClient } from '../../harness/endpoints/node-tls-client.js';
import { UndiciClient } from '../../harness/endpoints/undici-client.js';

let server: NodeHttpsServer | undefined;
const { pki, otherPki } = await endpointPkis('node', async () => server?.stop());
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
  await t.rejects(
    new NodeTlsClient(pki.material).exchange({ target: { ...target, serverName: 'other.example' }, path: '/', timeoutMs: 5000 }),
    /does not match|altnames/i,
  );
});

t.test('nothing listens after stop', async (t) => {
  await server.stop();
  await t.rejects(new NodeTlsClient(pki.material).exchange({ target, path: '/', timeoutMs: 2000 }), /ECONNREFUSED/);
});
