// The probe's TCP+TLS and version negotiation steps against servers of this test on
// 127.0.0.1 (nothing leaves the machine): an HTTP/2 and an HTTP/1.1 server with the lab's
// PKI (one intermediate), a UDP socket that answers like a QUIC server, one that stays silent,
// and a closed port.
import t from 'tap';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer as createHttpsServer } from 'node:https';
import { createSecureServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { X509Certificate } from 'node:crypto';
import { generatePki } from '../../harness/pki/generate.js';
import { probeTcpTls } from '../../harness/probe/tcp-tls.js';
import { parseVersionNegotiation } from '../../harness/probe/version-negotiation.js';
import { probeVersions, VERSION_PROBE_ATTEMPTS } from '../../harness/probe/version-probe.js';
import type { ProbeTarget } from '../../harness/probe/target.js';

const pki = await generatePki({ keyType: 'ecdsa-p256', intermediates: 1, validityDays: 1 });
const chainPem = pki.leaf.certificatePem + (pki.intermediates[0]?.certificatePem ?? '');
const derBytes = [pki.leaf.certificatePem, pki.intermediates[0]?.certificatePem ?? ''].map((pem) => new X509Certificate(pem).raw.length);

const target = (port: number): ProbeTarget => ({ url: `https://server.lab.example:${port}/x`, host: 'server.lab.example', port, path: '/x', address: '127.0.0.1', resolvedBy: '--resolve' });

t.test('HTTP/2 over TLS 1.3: ALPN, Alt-Svc, Server, the chain as sent', async (t) => {
  const server = createSecureServer({ cert: chainPem, key: pki.leaf.privateKeyPem, allowHTTP1: true }, (request, response) => {
    t.equal(request.url, '/x');
    response.writeHead(200, { 'alt-svc': 'h3=":8443"; ma=60', server: 'test-h2' });
    response.end('hello');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  const result = await probeTcpTls({ target: target((server.address() as AddressInfo).port), timeoutMs: 5000, ca: pki.root.certificatePem });
  t.match(result, { reachable: true, tlsVersion: 'TLSv1.3', alpn: 'h2', authorized: true, authorizationError: null, status: 200, altSvc: 'h3=":8443"; ma=60', server: 'test-h2' });
  t.same(
    result.chain.map((c) => c.derBytes),
    derBytes,
    'leaf and intermediate, the root not counted',
  );
  t.equal(result.chainBytes, (derBytes[0] ?? 0) + (derBytes[1] ?? 0));
  t.equal(result.chain[0]?.keyType, 'ECDSA');
  t.ok((result.connectMs ?? -1) >= 0);
});

t.test('HTTP/1.1 only, no Alt-Svc, and an untrusted chain', async (t) => {
  const server = createHttpsServer({ cert: chainPem, key: pki.leaf.privateKeyPem, ALPNProtocols: ['http/1.1'] }, (_request, response) => {
    response.writeHead(404, { server: 'test-h1' });
    response.end('no');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  const result = await probeTcpTls({ target: target((server.address() as AddressInfo).port), timeoutMs: 5000 });
  t.match(result, { reachable: true, tlsVersion: 'TLSv1.3', alpn: 'http/1.1', authorized: false, status: 404, altSvc: null, server: 'test-h1' });
  t.match(result.authorizationError, /CERT|ISSUER|SELF_SIGNED/);
});

t.test('TCP refused', async (t) => {
  const result = await probeTcpTls({ target: target(1), timeoutMs: 2000 });
  t.match(result, { reachable: false, tlsVersion: null, status: null, error: /ECONNREFUSED/ });
});

async function udpServer(answer: boolean): Promise<{ socket: UdpSocket; port: number; received: Buffer[] }> {
  const socket = createSocket('udp4');
  const received: Buffer[] = [];
  socket.on('message', (datagram, from) => {
    received.push(datagram);
    if (!answer) return;
    // As a QUIC server: the probe's connection IDs swapped, then the versions.
    const dcidLength = datagram[5] as number;
    const dcid = datagram.subarray(6, 6 + dcidLength);
    const scidLength = datagram[6 + dcidLength] as number;
    const scid = datagram.subarray(7 + dcidLength, 7 + dcidLength + scidLength);
    const vn = Buffer.concat([Buffer.from([0x80, 0, 0, 0, 0, scid.length]), scid, Buffer.from([dcid.length]), dcid, Buffer.from('000000016b3343cf', 'hex')]);
    socket.send(vn, from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { socket, port: socket.address().port, received };
}

t.test('version negotiation: answered with v1 and v2', async (t) => {
  const server = await udpServer(true);
  t.teardown(() => server.socket.close());
  const result = await probeVersions({ address: '127.0.0.1', port: server.port, timeoutMs: 3000 });
  t.match(result, { answered: true, refused: false, versions: ['0x00000001 (QUIC v1)', '0x6b3343cf (QUIC v2)'], supportsV1: true, datagramsSent: 1, bytesSent: 1200 });
  t.equal(server.received[0]?.length, 1200);
  t.equal(parseVersionNegotiation(server.received[0] as Buffer), null, 'the probe itself is no Version Negotiation packet');
});

t.test('version negotiation: a silent server gets a bounded number of probes', async (t) => {
  const server = await udpServer(false);
  t.teardown(() => server.socket.close());
  const result = await probeVersions({ address: '127.0.0.1', port: server.port, timeoutMs: 600 });
  t.match(result, { answered: false, refused: false, datagramsSent: VERSION_PROBE_ATTEMPTS, bytesSent: 1200 * VERSION_PROBE_ATTEMPTS, error: /no Version Negotiation packet within 600 ms/ });
});

t.test('version negotiation: a closed port answers ICMP port unreachable', async (t) => {
  const server = await udpServer(false);
  const port = server.port;
  await new Promise<void>((resolve) => server.socket.close(resolve));
  const result = await probeVersions({ address: '127.0.0.1', port, timeoutMs: 2000 });
  t.match(result, { answered: false, refused: true, error: /port unreachable/ });
});
