// Caddy (HTTP/1.1, HTTP/2 and HTTP/3 on one port), end to end on loopback with the real lab
// PKI: undici over TCP, gtlsclient (with the lab-trust shim) over QUIC.
import t from 'tap';
import { once } from 'node:events';
import { access, readFile, readdir, readlink, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { connect } from 'node:tls';
import { join } from 'node:path';
import { endpointPkis } from '../fixtures/endpoint-pkis.js';
import { CaddyServer, freeTcpUdpPort } from '../../harness/endpoints/caddy/server.js';
import { generatedByteAt } from '../../harness/files/generated-body.js';
import { Ngtcp2Client } from '../../harness/endpoints/ngtcp2/client.js';
import { parseProcNet, tcpListeningBy, udpBoundBy } from '../../harness/process/proc-sockets.js';
import { labTlsClientOptions } from '../../harness/endpoints/node/tls-options.js';
import { UndiciClient } from '../../harness/endpoints/undici/client.js';
import type { ServerAddress } from '../../harness/endpoints/types.js';

let server: CaddyServer | undefined;
const { dir, pki, otherPki } = await endpointPkis('caddy', async () => server?.stop());
// Other suites may run beside this one: only Caddy's own directories are counted.
const caddyTemps = async (): Promise<string[]> => (await readdir(tmpdir())).filter((name) => name.startsWith('quic-lab-caddy-'));
const tempsBefore = await caddyTemps();

server = new CaddyServer({ tls: pki.material, host: '127.0.0.1', bodySizes: [0, 1000, 3_000_000] });
const started = performance.now();
const target = await server.start();
const startMs = performance.now() - started;
const serverPid = server.pid;
const workDir = server.directory;
const h3 = new Ngtcp2Client({ tls: pki.material });
t.teardown(() => h3.close());

/** Ports of the sockets process `pid` itself holds, by kind (TCP: listening ones only). */
async function ownPorts(pid: number): Promise<{ tcpListen: number[]; udp: number[] }> {
  const inodes = new Set<string>();
  for (const fd of await readdir(`/proc/${pid}/fd`)) {
    const match = /^socket:\[(\d+)\]$/.exec(await readlink(`/proc/${pid}/fd/${fd}`).catch(() => ''));
    if (match?.[1]) inodes.add(match[1]);
  }
  const tcpListen: number[] = [];
  for (const family of ['tcp', 'tcp6']) {
    for (const line of (await readFile(`/proc/${pid}/net/${family}`, 'utf8')).split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[3] === '0A' && inodes.has(cols[9] ?? '')) tcpListen.push(parseInt((cols[1] ?? '').split(':')[1] ?? '0', 16));
    }
  }
  const udp: number[] = [];
  for (const family of ['udp', 'udp6']) {
    for (const entry of parseProcNet(await readFile(`/proc/${pid}/net/${family}`, 'utf8'))) if (inodes.has(entry.inode)) udp.push(entry.port);
  }
  return { tcpListen, udp };
}

/** A GET over HTTP/1.1 with node:https (the lab CA, TLS 1.3): status, headers, body. */
async function get(address: ServerAddress, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  const req = request({ ...labTlsClientOptions(pki.material, address, ['http/1.1']), method, path, headers: { host: `${address.serverName}:${address.port}`, ...headers }, agent: false });
  req.end();
  const [res] = (await once(req, 'response')) as [import('node:http').IncomingMessage];
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) };
}

/** Index of the first byte that is not the generated body's at `offset + i`, or -1. */
function firstWrongByte(body: Buffer, offset = 0): number {
  for (let i = 0; i < body.length; i++) if (body[i] !== generatedByteAt(offset + i)) return i;
  return -1;
}

t.test('ready: one process listening on TCP and UDP with the same port, and nothing else', async (t) => {
  t.pass(`caddy started in ${startMs.toFixed(0)} ms (3 MB of bodies written)`);
  t.match(target, { host: '127.0.0.1', serverName: pki.material.serverName });
  t.ok(serverPid !== undefined);
  if (serverPid === undefined) return;
  t.ok(await tcpListeningBy(serverPid, '127.0.0.1', target.port), 'TCP listener');
  t.ok(await udpBoundBy(serverPid, '127.0.0.1', target.port), 'UDP socket');
  t.notOk(await tcpListeningBy(serverPid, '127.0.0.1', 2019), 'no admin endpoint on its default port 2019');
  const ports = await ownPorts(serverPid);
  t.same(ports, { tcpListen: [target.port], udp: [target.port] }, 'no admin endpoint (2019), no HTTP redirect listener (80), no other socket');
  const info = server.info();
  t.equal(info.implementation, 'caddy');
  t.match(info.version, /^2\.11\.\d/);
  t.match(info.settings, { tls: 'TLSv1.3 only', quic: 'quic-go (in Caddy)', quicGoVersion: /^v0\.\d+\.\d+$/, uploads: /405/ });
  t.equal(server.uploads, false);
  t.same(server.bodySizes, [0, 1, 1000, 3_000_000], 'the priming bodies (/0, /1) always');
  const buffers = server.udpBuffers;
  t.ok(buffers.rcvbufKernelBytes !== null && buffers.rcvbufKernelBytes > 0, 'the UDP buffers as ss reports them');
  t.pass(`quic-go's UDP buffers: receive ${buffers.rcvbufKernelBytes} bytes (kernel figure), send ${buffers.sndbufKernelBytes}; warning: ${buffers.warning ?? 'none'}`);
});

for (const application of ['h2', 'http/1.1'] as const) {
  t.test(`${application}: GET /1000 and /3000000 with undici`, async (t) => {
    const client = new UndiciClient(pki.material, application);
    const small = await client.exchange({ target, path: '/1000', timeoutMs: 5000 });
    t.match(small, { alpn: application, bodyBytes: 1000, resumed: false });
    const large = await client.exchange({ target, path: '/3000000', timeoutMs: 10_000 });
    t.equal(large.bodyBytes, 3_000_000);
    t.match(await client.exchange({ target, path: '/1000', timeoutMs: 5000, session: 'resumed' }), { resumed: true, bodyBytes: 1000 }, 'TLS session tickets work');
  });
}

t.test('h3: GET /1000 and /3000000 with gtlsclient; resumption and 0-RTT', async (t) => {
  const small = await h3.exchange({ target, path: '/1000', timeoutMs: 5000 });
  t.match(small, { alpn: 'h3', bodyBytes: 1000, resumed: false });
  t.ok((small.ttfbMs ?? -1) >= small.handshakeMs, `handshake ${small.handshakeMs} ms, first byte ${small.ttfbMs} ms`);
  const large = await h3.exchange({ target, path: '/3000000', timeoutMs: 10_000 });
  t.equal(large.bodyBytes, 3_000_000);
  t.match(await h3.exchange({ target, path: '/1000', timeoutMs: 5000, session: 'resumed' }), { resumed: true, earlyDataAccepted: false, bodyBytes: 1000 }, 'QUIC resumption works');
  const zeroRtt = await h3.exchange({ target, path: '/1000', timeoutMs: 5000, session: 'early-data' });
  t.match(zeroRtt, { resumed: true, earlyDataAccepted: true, bodyBytes: 1000 }, `Caddy 2.11 (quic-go) accepts 0-RTT: first byte at ${zeroRtt.ttfbMs} ms`);
});

t.test("the body is the lab's generated one, and Range requests are served", async (t) => {
  const whole = await get(target, '/3000000');
  t.equal(whole.status, 200);
  t.equal(whole.body.length, 3_000_000);
  t.equal(firstWrongByte(whole.body), -1, 'byte i is i mod 251, as every lab server sends');
  t.equal(whole.headers['accept-ranges'], 'bytes');
  const slice = await get(target, '/3000000', { range: 'bytes=1000000-1000999' });
  t.equal(slice.status, 206);
  t.equal(slice.headers['content-range'], 'bytes 1000000-1000999/3000000');
  t.equal(firstWrongByte(slice.body, 1_000_000), -1);
  t.equal(slice.body.length, 1000);
  t.equal((await get(target, '/1000', { range: 'bytes=5000-' })).status, 416, 'a range past the end is unsatisfiable');
  const resumed = await new UndiciClient(pki.material, 'h2').exchange({ target, path: '/3000000', timeoutMs: 5000, rangeStartBytes: 2_500_000 });
  t.equal(resumed.bodyBytes, 500_000, "undici's resuming exchange gets the rest (206)");
  t.equal((await get(target, '/0')).body.length, 0, '/0 is an empty body');
});

t.test('sizes: prepared ones are served, another one after prepareBodies; other paths and uploads are refused', async (t) => {
  const missing = await get(target, '/2500');
  t.equal(missing.status, 404);
  t.match(missing.body.toString(), /prepareBodies/);
  await server.prepareBodies([2500, 1000]);
  const now = await get(target, '/2500');
  t.equal(now.status, 200);
  t.equal(now.body.length, 2500);
  t.equal((await h3.exchange({ target, path: '/2500', timeoutMs: 5000 })).bodyBytes, 2500);
  t.equal((await get(target, '/index.html')).status, 404);
  t.equal((await get(target, '/')).status, 404);
  const post = await get(target, '/1000', { 'content-length': '0' }, 'POST');
  t.equal(post.status, 405, 'POST /N: no uploads');
  await t.rejects(new UndiciClient(pki.material, 'h2').exchange({ target, path: '/1000', timeoutMs: 5000, uploadBytes: 1000 }), /HTTP status 405/);
  await t.rejects(server.prepareBodies([-1]), /body size/);
});

t.test('TLS: the lab certificate for the lab name; other CAs refuse it', async (t) => {
  await t.rejects(new UndiciClient(otherPki.material, 'h2').exchange({ target, path: '/1000', timeoutMs: 5000 }), /unable to (verify|get)/);
  const ca = await readFile(pki.material.caFile);
  const tls12 = connect({ host: target.host, port: target.port, servername: target.serverName, ca, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ALPNProtocols: ['http/1.1'] });
  const error = await new Promise<Error | null>((resolve) => {
    tls12.once('error', resolve);
    tls12.once('secureConnect', () => resolve(null));
  });
  tls12.destroy();
  t.match(error?.message, /version|alert/i, `TLS 1.2 refused: ${error?.message ?? 'no, it was accepted'}`);
});

/** The directory GeneratedBodyFiles wrote the served files into (they are hard links of its files). */
async function bodiesDirOf(servedFile: string): Promise<string | undefined> {
  const { ino } = await stat(servedFile);
  for (const name of await readdir(tmpdir())) {
    if (!name.startsWith('quic-lab-gtlsclient-bodies-')) continue;
    const candidate = join(tmpdir(), name);
    for (const file of await readdir(candidate).catch(() => [])) if ((await stat(join(candidate, file))).ino === ino) return candidate;
  }
  return undefined;
}

t.test('stop: the process and every temporary directory are gone; stop again is harmless', async (t) => {
  const bodiesDir = await bodiesDirOf(join(workDir ?? '', 'www', '1000'));
  t.ok(bodiesDir !== undefined, `the body files were written in ${bodiesDir}`);
  t.equal((await stat(workDir ?? '')).mode & 0o777, 0o700, 'the private directory is 0700');
  await server.stop();
  await server.stop();
  t.equal(server.pid, undefined);
  await t.rejects(access(`/proc/${serverPid}/fd`), 'caddy has exited');
  await t.rejects(access(workDir ?? '/nonexistent'), 'its private directory is removed');
  await t.rejects(access(bodiesDir ?? '/nonexistent'), 'the body files are removed');
  t.same(await caddyTemps(), tempsBefore, 'no quic-lab-caddy-* directory left behind');
  await t.rejects(get(target, '/1000'), /ECONNREFUSED/);
});

t.test('start errors are clear and leave nothing behind', async (t) => {
  const noCert = new CaddyServer({ tls: { ...pki.material, chainFile: join(dir, 'missing.pem') }, host: '127.0.0.1', bodySizes: [] });
  await t.rejects(noCert.start(), /cannot read the certificate chain file/);
  const garbage = join(dir, 'garbage.pem');
  await writeFile(garbage, 'not a certificate\n');
  const badCert = new CaddyServer({ tls: { ...pki.material, chainFile: garbage }, host: '127.0.0.1', bodySizes: [1000] });
  await t.rejects(badCert.start(), /caddy: exited \(code 1[^)]*\) before listening.*(certificate|PEM)/);
  // A port taken by another process, given explicitly: no retry, Caddy's own words.
  const port = await freeTcpUdpPort('127.0.0.1');
  const blocker = createServer().listen(port, '127.0.0.1');
  await once(blocker, 'listening');
  try {
    const clash = new CaddyServer({ tls: pki.material, host: '127.0.0.1', port, bodySizes: [] });
    await t.rejects(clash.start(), /address already in use/);
  } finally {
    blocker.close();
  }
  t.same(await caddyTemps(), tempsBefore, 'no quic-lab-caddy-* directory left behind');
  t.throws(() => new CaddyServer({ tls: pki.material, host: 'localhost' }), /IP literal/);
});
