// A real TLS 1.3 handshake on loopback with the lab PKI: Node's TLS server sends the chain
// file and key as the endpoints do; the client trusts only the lab root.
import t from 'tap';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { ensurePki, type LabPki } from '../../harness/pki/store.js';
import type { PkiOptions } from '../../harness/pki/generate.js';

async function pkiIn(options: Partial<PkiOptions>): Promise<LabPki> {
  const dir = await mkdtemp(join(tmpdir(), 'qlab-pki-tls-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return ensurePki(options, dir, true);
}

interface Handshake {
  protocol: string | null;
  authorized: boolean;
  authorizationError: string | null;
  peerChain: number;
  body: string;
}

/** One TLS 1.3 connection to a server using `server`'s PKI, the client trusting `trusted`'s root. */
async function handshake(server: LabPki, trusted: LabPki): Promise<Handshake> {
  const tlsServer = createServer(
    {
      key: await readFile(server.material.keyFile),
      cert: await readFile(server.material.chainFile),
      minVersion: 'TLSv1.3',
    },
    (socket) => socket.end('hello'),
  );
  await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
  tlsServer.on('tlsClientError', () => {});
  try {
    const { port } = tlsServer.address() as AddressInfo;
    const ca = await readFile(trusted.material.caFile);
    return await new Promise<Handshake>((resolve, reject) => {
      const socket: TLSSocket = connect({ host: '127.0.0.1', port, servername: server.material.serverName, ca, minVersion: 'TLSv1.3', rejectUnauthorized: false });
      let body = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (body += chunk));
      socket.on('error', reject);
      socket.on('end', () => {
        let peerChain = 0;
        const seen = new Set<string>();
        for (let cert = socket.getPeerCertificate(true); cert && !seen.has(cert.fingerprint256); cert = cert.issuerCertificate) {
          seen.add(cert.fingerprint256);
          peerChain++;
        }
        resolve({
          protocol: socket.getProtocol(),
          authorized: socket.authorized,
          authorizationError: socket.authorizationError ? String(socket.authorizationError) : null,
          peerChain,
          body,
        });
      });
      socket.setTimeout(10_000, () => socket.destroy(new Error('TLS handshake timed out')));
    });
  } finally {
    await new Promise<void>((resolve) => tlsServer.close(() => resolve()));
  }
}

t.test('TLS 1.3 with an ECDSA P-256 chain of two intermediates', async (t) => {
  const pki = await pkiIn({ keyType: 'ecdsa-p256', intermediates: 2 });
  const result = await handshake(pki, pki);
  t.same(result, { protocol: 'TLSv1.3', authorized: true, authorizationError: null, peerChain: 4, body: 'hello' }, 'verified up to the root');
  const stranger = await pkiIn({ keyType: 'ecdsa-p256', intermediates: 0 });
  const refused = await handshake(pki, stranger);
  t.equal(refused.authorized, false, 'a client trusting another root refuses the chain');
  t.ok(refused.authorizationError, `(${refused.authorizationError})`);
});

t.test('TLS 1.3 with an RSA-4096 chain', async (t) => {
  const pki = await pkiIn({ keyType: 'rsa4096', intermediates: 1 });
  const result = await handshake(pki, pki);
  t.same(result, { protocol: 'TLSv1.3', authorized: true, authorizationError: null, peerChain: 3, body: 'hello' }, 'verified up to the root');
});
