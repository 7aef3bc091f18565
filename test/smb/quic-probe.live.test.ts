// The SMB over QUIC probe against the stand-in on loopback: the lab certificate, a wrong name,
// an expired one, a self-signed one, a server without ALPN "smb", a closed port; the NEGOTIATE
// on a stream, refused by a stand-in without a bridge and answered through one bridged to a TCP
// server on loopback that replies with smbd 4.17's captured response (the lab test with the
// real smbd: smb-probe.live.test.ts); and nothing left behind (stand-in processes, private
// directories, UDP sockets, TCP connections).
import t from 'tap';
import { smbFixture } from '../fixtures/smb.js';
import { createSocket } from 'node:dgram';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomFillSync } from 'node:crypto';
import Logger, { LogLevel } from '@matrixai/logger';
import { QUICClient } from '@matrixai/quic';
import { ensurePki } from '../../harness/pki/store.js';
import { runCleanups } from '../../harness/process/cleanup.js';
import { HANDSHAKE_MS_DEFINITION, probeSmbQuic } from '../../harness/smb/quic-probe.js';
import { SmbQuicStandIn, WRONG_SERVER_NAME, standInTls, type StandInAddress, type StandInCertificateKind } from '../../harness/smb/quic-standin.js';
import { problemCode } from '../../harness/smb/certificate-check.js';
import { processesNaming, tempEntries } from '../fixtures/leftovers.js';

const STAND_IN_PREFIX = 'qlab-smbquic-';
const SERVER_NAME = 'server.lab.example';
const TIMEOUT_MS = 3000;

const pkiDir = await mkdtemp(join(tmpdir(), 'qlab-smbquic-pki-'));
const standIns: SmbQuicStandIn[] = [];
t.teardown(async () => {
  await Promise.all(standIns.map((s) => s.stop()));
  await runCleanups();
  await rm(pkiDir, { recursive: true, force: true });
});
const udpHandles = (): number => process.getActiveResourcesInfo().filter((name) => name === 'UDPWrap' || name === 'UDPWRAP').length;
const udpBefore = udpHandles();

const lab = await ensurePki({}, pkiDir);

// A TCP server that answers one framed request with smbd 4.17's 3.1.1 NEGOTIATE response and
// records what it got; it ends its side when the client ends its own.
const SMBD_RESPONSE = smbFixture('smbd-4.17-negotiate-response-311.hex');
const fakeSmbReceived: Buffer[] = [];
const fakeSmbSockets = new Set<Socket>();
const fakeSmb = createServer((socket) => {
  fakeSmbSockets.add(socket);
  socket.on('close', () => fakeSmbSockets.delete(socket));
  let got = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    got = Buffer.concat([got, chunk]);
    if (got.length >= 4 && got.length >= 4 + got.readUIntBE(1, 3)) {
      fakeSmbReceived.push(got);
      socket.write(SMBD_RESPONSE);
    }
  });
  socket.on('end', () => socket.end());
});
await new Promise<void>((resolve) => fakeSmb.listen(0, '127.0.0.1', resolve));
const fakeSmbAddress = fakeSmb.address();
if (fakeSmbAddress === null || typeof fakeSmbAddress === 'string') throw new Error('no port');
t.teardown(() => new Promise((resolve) => fakeSmb.close(resolve)));
const kinds: StandInCertificateKind[] = ['lab', 'wrong-name', 'expired', 'untrusted'];
// Started together: each is a child process (about half a second of tsx start-up).
const servers = new Map<string, { standIn: SmbQuicStandIn; address: StandInAddress }>();
await Promise.all(
  [
    ...kinds.map((kind) => ({ name: kind, kind, alpn: undefined as string[] | undefined, host: '127.0.0.1' })),
    { name: 'h3-only', kind: 'lab' as const, alpn: ['h3'], host: '127.0.0.1' },
    { name: 'ipv6', kind: 'lab' as const, alpn: undefined, host: '::1' },
    { name: 'bridged', kind: 'lab' as const, alpn: undefined, host: '127.0.0.1', bridge: { host: '127.0.0.1', port: fakeSmbAddress.port } },
  ].map(async ({ name, kind, alpn, host, bridge }: { name: string; kind: StandInCertificateKind; alpn: string[] | undefined; host: string; bridge?: { host: string; port: number } }) => {
    const standIn = new SmbQuicStandIn({ tls: await standInTls(kind, lab), host, port: 0, ...(alpn ? { alpn } : {}), ...(bridge ? { bridge } : {}) });
    standIns.push(standIn);
    servers.set(name, { standIn, address: await standIn.start() });
  }),
);
function server(name: string): { standIn: SmbQuicStandIn; address: StandInAddress } {
  const found = servers.get(name);
  if (!found) throw new Error(`no stand-in ${name}`);
  return found;
}
const probe = (name: string, serverName = SERVER_NAME) => {
  const { address } = server(name);
  return probeSmbQuic({ host: address.host, port: address.port, serverName, timeoutMs: TIMEOUT_MS, caFile: lab.material.caFile });
};

t.test('the lab certificate: reachable, ALPN smb, no problems, a handshake time', async (t) => {
  const result = await probe('lab');
  t.equal(result.error, undefined);
  t.equal(result.reachable, true);
  t.equal(result.alpn, 'smb');
  t.same(result.problems, []);
  t.ok(result.handshakeMs !== null && result.handshakeMs > 0, `handshakeMs ${result.handshakeMs}`);
  t.ok(result.handshakeMs !== null && result.handshakeMs < TIMEOUT_MS);
  t.equal(result.timing.definition, HANDSHAKE_MS_DEFINITION);
  t.equal(result.timing.retry, true, 'the @matrixai/quic server always asks for a Retry');
  t.ok(result.timing.clientDatagrams >= 2, 'an Initial, and the Initial again after the Retry');
  t.ok(result.timing.handshakeProcessedMs !== null && result.timing.handshakeProcessedMs >= (result.handshakeMs ?? 0));
  t.equal(result.certificateChain.length, 1);
  t.match(result.certificateChain[0], { subject: /CN=server\.lab\.example/, keyType: 'RSA', keyBits: 2048, issuer: /CN=QUIC lab root CA/ });
  t.match(result.certificateChain[0]?.subjectAltNames, ['DNS:server.lab.example', 'DNS:localhost']);
  t.same(result.trustPath.length, 2);
  t.match(result.client, { implementation: /@matrixai\/quic/, version: /^\d+\.\d+\.\d+/, alpnOffered: ['smb'] });
  t.ok(result.elapsedMs < TIMEOUT_MS);
  // The stand-in reports the handshake on its stdout; give the line a moment.
  for (let i = 0; i < 50 && server('lab').standIn.handshakes < 1; i++) await new Promise((r) => setTimeout(r, 20));
  t.equal(server('lab').standIn.handshakes, 1, 'the stand-in saw it');
  t.match(result.negotiate, { streamId: 0, negotiateMs: null, outcome: null, bytesReceived: 0 }, 'without a bridge the NEGOTIATE stream is refused');
  t.match(result.negotiate?.error, /^QUIC stream 0: /);
  for (let i = 0; i < 50 && server('lab').standIn.streamsRefused < 1; i++) await new Promise((r) => setTimeout(r, 20));
  t.equal(server('lab').standIn.streamsRefused, 1);
});

t.test('NEGOTIATE over QUIC through the bridge: the TCP server gets the framed request, its answer comes back', async (t) => {
  const { standIn } = server('bridged');
  const result = await probe('bridged');
  t.same(result.problems, []);
  t.equal(result.negotiate?.error, undefined);
  t.match(result.negotiate, { streamId: 0, dialectsOffered: ['2.0.2', '2.1', '3.0', '3.0.2', '3.1.1'], bytesReceived: SMBD_RESPONSE.length });
  t.ok(result.negotiate !== null && result.negotiate.negotiateMs !== null && result.negotiate.negotiateMs > 0 && result.negotiate.negotiateMs < TIMEOUT_MS);
  t.match(result.negotiate?.outcome, { dialect: '3.1.1', cipher: 'AES-128-GCM', signingAlgorithm: 'AES-GMAC', serverGuid: '62616c71-6d73-0062-0000-000000000000' });
  t.equal(fakeSmbReceived.length, 1, 'one request reached the TCP server');
  const request = fakeSmbReceived[0] ?? Buffer.alloc(0);
  t.equal(request.length, result.negotiate?.bytesSent, 'all of it, nothing else');
  t.equal(request[0], 0x00);
  t.equal(request.readUIntBE(1, 3), request.length - 4, 'Direct TCP framing, unchanged');
  t.equal(request.subarray(4, 8).toString('hex'), 'fe534d42');
  t.equal(await standIn.waitForBridgesClosed(1, 3000), true, 'the bridged stream closed on both ends');
  t.same(standIn.closedBridges, [{ streamId: 0, toServerBytes: request.length, toClientBytes: SMBD_RESPONSE.length, endedBy: 'client' }]);
  for (let i = 0; i < 50 && fakeSmbSockets.size > 0; i++) await new Promise((r) => setTimeout(r, 20));
  t.equal(fakeSmbSockets.size, 0, 'and the TCP connection with it');
});

t.test('an IP address as the name: the lab certificate carries 127.0.0.1', async (t) => {
  const result = await probe('lab', '127.0.0.1');
  t.same(result.problems, []);
});

t.test('IPv6: the probe binds an IPv6 socket; the lab certificate carries ::1', async (t) => {
  const result = await probe('ipv6', '::1');
  t.equal(result.alpn, 'smb');
  t.same(result.problems, []);
  t.ok(result.handshakeMs !== null && result.handshakeMs > 0);
});

t.test('the probe only takes an address, and sane numbers', async (t) => {
  await t.rejects(probeSmbQuic({ host: 'server.lab.example', serverName: SERVER_NAME, timeoutMs: 100 }), /needs an IP address/);
  await t.rejects(probeSmbQuic({ host: '127.0.0.1', port: 0, serverName: SERVER_NAME, timeoutMs: 100 }), /port must be/);
  await t.rejects(probeSmbQuic({ host: '127.0.0.1', serverName: SERVER_NAME, timeoutMs: 0 }), /timeoutMs must be positive/);
});

t.test('a wrong name: the problem names the name asked and the certificate names', async (t) => {
  const result = await probe('wrong-name');
  t.equal(result.reachable, true);
  t.equal(result.alpn, 'smb');
  t.ok(result.handshakeMs !== null && result.handshakeMs > 0, 'the handshake completes: the probe checks afterwards');
  t.same(result.problems.map(problemCode), ['name-mismatch']);
  t.match(result.problems[0], `"${SERVER_NAME}"`);
  t.match(result.problems[0], `DNS:${WRONG_SERVER_NAME}`);
});

t.test('an expired certificate', async (t) => {
  const result = await probe('expired');
  t.equal(result.reachable, true);
  t.same(result.problems.map(problemCode), ['expired']);
  t.match(result.problems[0], /^expired: the leaf \(CN=server\.lab\.example.*\) expired at /);
});

t.test('a self-signed certificate: untrusted', async (t) => {
  const result = await probe('untrusted');
  t.equal(result.reachable, true);
  t.equal(result.alpn, 'smb');
  t.same(result.problems.map(problemCode), ['untrusted']);
  t.match(result.problems[0], `does not lead to the CA in ${lab.material.caFile}`);
  t.match(result.problems[0], /self-signed/);
});

t.test('the lab certificate against the system roots: untrusted', async (t) => {
  const { address } = server('lab');
  const result = await probeSmbQuic({ host: address.host, port: address.port, serverName: SERVER_NAME, timeoutMs: TIMEOUT_MS });
  t.same(result.problems.map(problemCode), ['untrusted']);
  t.match(result.trustAnchors, /system roots/);
});

t.test('a QUIC server without ALPN smb: reachable, no ALPN, the problem says so', async (t) => {
  const result = await probe('h3-only');
  t.equal(result.reachable, true);
  t.equal(result.alpn, null);
  t.equal(result.handshakeMs, null);
  t.match(result.problems, [/^server did not select ALPN smb/]);
  t.match(result.error, /TLS alert 120 \(no_application_protocol\)/);
  t.ok(result.timing.firstAnswerMs !== null && result.timing.firstAnswerMs < 500, `the refusal came at once (${result.timing.firstAnswerMs} ms)`);
  // The library then drains the refused connection for 3 PTO (about 3 s without an RTT sample).
  t.ok(result.elapsedMs < 5000, `and the probe ended after the library's draining (${Math.round(result.elapsedMs)} ms)`);
});

t.test('a closed port: unreachable within the timeout', async (t) => {
  // A port that was free a moment ago: bind, note, close.
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const port = socket.address().port;
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  const timeoutMs = 1000;
  const began = performance.now();
  const result = await probeSmbQuic({ host: '127.0.0.1', port, serverName: SERVER_NAME, timeoutMs, caFile: lab.material.caFile });
  const took = performance.now() - began;
  t.equal(result.reachable, false);
  t.equal(result.handshakeMs, null);
  t.equal(result.alpn, null);
  t.same(result.certificateChain, []);
  t.match(result.error, `no answer from 127.0.0.1:${port} within ${timeoutMs} ms`);
  t.ok(took >= timeoutMs * 0.9 && took < timeoutMs + 300, `bounded by the timeout (${Math.round(took)} ms)`);
  t.equal(result.timing.firstAnswerMs, null);
  t.ok(result.timing.clientDatagrams >= 1, 'it did send');
});

t.test('a stream opened after the handshake is refused, nothing is answered', async (t) => {
  const { address, standIn } = server('lab');
  const refusedBefore = standIn.streamsRefused;
  const client = await QUICClient.createQUICClient(
    {
      host: address.host,
      port: address.port,
      serverName: SERVER_NAME,
      localHost: '127.0.0.1',
      crypto: { ops: { randomBytes: async (data: ArrayBuffer) => void randomFillSync(new Uint8Array(data)) } },
      config: { applicationProtos: ['smb'], ca: await readFile(lab.material.caFile, 'utf8'), maxIdleTimeout: TIMEOUT_MS },
      logger: new Logger('test', LogLevel.SILENT, []),
    },
    { timer: TIMEOUT_MS },
  );
  try {
    const stream = client.connection.newStream();
    const writer = stream.writable.getWriter();
    await writer.write(new Uint8Array([0xfe, 0x53, 0x4d, 0x42])).catch(() => {});
    const reader = stream.readable.getReader();
    const outcome = await Promise.race([
      reader.read().then(
        (chunk) => (chunk.done ? 'closed' : 'data'),
        () => 'refused',
      ),
      // Unref'd: a pending timer would hold this file's process open after its last test.
      new Promise<string>((resolve) => setTimeout(() => resolve('no answer'), TIMEOUT_MS).unref()),
    ]);
    t.equal(outcome, 'refused');
    for (let i = 0; i < 50 && standIn.streamsRefused < refusedBefore + 1; i++) await new Promise((r) => setTimeout(r, 20));
    t.equal(standIn.streamsRefused, refusedBefore + 1);
    writer.releaseLock();
    reader.releaseLock();
  } finally {
    await client.destroy({ isApp: true, errorCode: 0, force: true });
  }
});

t.test('no leftovers: processes, private directories, UDP sockets', async (t) => {
  const dirs = await tempEntries(STAND_IN_PREFIX);
  t.ok(
    dirs.some((name) => !name.startsWith('qlab-smbquic-pki-')),
    'the stand-ins hold private directories while running',
  );
  await Promise.all(standIns.map((s) => s.stop()));
  t.same(
    (await tempEntries(STAND_IN_PREFIX)).filter((name) => !name.startsWith('qlab-smbquic-pki-')),
    [],
    'private directories removed',
  );
  t.same(await processesNaming(STAND_IN_PREFIX), [], 'no stand-in process left');
  t.equal(udpHandles(), udpBefore, 'every probe closed its UDP socket');
});
