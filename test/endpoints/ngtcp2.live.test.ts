// ngtcp2's gtlsserver and gtlsclient, end to end on loopback with the real lab PKI and the
// lab-trust shim (built by `npm run setup`).
import t from 'tap';
import { access, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { endpointPkis } from '../fixtures/endpoint-pkis.js';
import { Ngtcp2Server } from '../../harness/endpoints/ngtcp2/server.js';
import { Ngtcp2Client } from '../../harness/endpoints/ngtcp2/client.js';

let server: Ngtcp2Server | undefined;
const { dir, pki, otherPki } = await endpointPkis('ngtcp2', async () => server?.stop());
const qlogDir = join(dir, 'qlogs');
server = new Ngtcp2Server({ tls: pki.material, host: '127.0.0.1', qlog: true, bodySizes: [10, 1000, 3_000_000, 10_000_000] });
const client = new Ngtcp2Client({ tls: pki.material, collectQlogDir: qlogDir });

/** gtlsserver/gtlsclient processes that are children of this test process. */
async function ourGtlsChildren(): Promise<string[]> {
  const found: string[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    const match = /^\d+ \((.*)\) \S+ (\d+)/.exec(stat);
    if (match && /^gtls(server|client)$/.test(match[1] ?? '') && Number(match[2]) === process.pid) found.push(`${match[1]} ${pid}`);
  }
  return found;
}

const target = await server.start();
const serverPid = server.pid;

t.test('the server is ready: its own UDP socket is bound', async (t) => {
  t.equal(target.host, '127.0.0.1');
  t.ok(target.port > 0);
  t.equal(target.serverName, pki.material.serverName);
  t.ok(serverPid !== undefined);
  const info = server.info();
  t.equal(info.implementation, 'ngtcp2-gtlsserver');
  // ngtcp2 1.x (Debian 12: from bookworm-backports, e.g. 1.11.0-1~bpo12+1).
  t.match(info.version, /^1\.\d+\./);
  // 1.x has no --max-gso-dgrams: the setting is recorded as null, not guessed.
  t.match(info.settings, { congestionControl: 'cubic', bodies: /^files of the generated body/, maxDataBytes: 1024 ** 2, maxGsoDatagrams: null });
});

t.test('GET /1000 over HTTP/3 on a fresh connection, timed from the qlog', async (t) => {
  const timings = await client.exchange({ target, path: '/1000', timeoutMs: 5000 });
  t.equal(timings.bodyBytes, 1000);
  t.equal(timings.alpn, 'h3');
  t.ok(timings.handshakeMs > 0, `handshake ${timings.handshakeMs} ms`);
  t.ok((timings.ttfbMs ?? -1) >= timings.handshakeMs, 'first byte after the handshake');
  t.ok((timings.totalMs ?? -1) >= (timings.ttfbMs ?? Infinity), 'end after first byte');
  t.equal(timings.connectMs, undefined, 'QUIC has no separate connect');
  t.same(client.timingSources.handshakeMs, { source: 'ngtcp2-qlog', resolutionMs: 1 });
  t.match(client.info(), { implementation: 'ngtcp2-gtlsclient', version: /^1\.\d+\./, settings: { congestionControl: 'cubic' } });
  t.equal((await readdir(qlogDir)).length, 1, 'the qlog was collected');
  t.ok((await readdir(server.qlogDir ?? '')).length >= 1, 'the server wrote its qlog');
});

t.test('session modes: cold, resumed without early data, 0-RTT; the state is per exchange', async (t) => {
  const target = await server.start();
  const keylogFile = join(dir, 'keys.log');
  const withKeys = new Ngtcp2Client({ tls: pki.material, keylogFile });
  const cold = await withKeys.exchange({ target, path: '/1000', timeoutMs: 5000, session: 'cold' });
  t.match(cold, { resumed: false, earlyDataAccepted: false, bodyBytes: 1000 });
  const resumed = await withKeys.exchange({ target, path: '/1000', timeoutMs: 5000, session: 'resumed' });
  t.match(resumed, { resumed: true, earlyDataAccepted: false, bodyBytes: 1000 });
  const zeroRtt = await withKeys.exchange({ target, path: '/1000', timeoutMs: 5000, session: 'early-data' });
  t.match(zeroRtt, { resumed: true, earlyDataAccepted: true, bodyBytes: 1000 });
  t.ok((zeroRtt.ttfbMs ?? Infinity) <= (resumed.ttfbMs ?? 0), `0-RTT first byte ${zeroRtt.ttfbMs} ms, resumed ${resumed.ttfbMs} ms`);
  const again = await withKeys.exchange({ target, path: '/1000', timeoutMs: 5000 });
  t.equal(again.resumed, false, 'a cold exchange after resumed ones is cold: no session state survives');
  const keys = await readFile(keylogFile, 'utf8');
  t.ok(keys.includes('CLIENT_EARLY_TRAFFIC_SECRET') && keys.includes('SERVER_HANDSHAKE_TRAFFIC_SECRET'), 'GnuTLS wrote the secrets to the key log');
});

t.test('a large body arrives whole', async (t) => {
  const timings = await client.exchange({ target, path: '/3000000', timeoutMs: 10_000 });
  t.equal(timings.bodyBytes, 3_000_000);
  t.ok((timings.totalMs ?? 0) > (timings.ttfbMs ?? Infinity));
});

/** Body bits per second between its first and last byte, in Mbit/s for a test's name. */
function mbps(bytes: number, startMs: number | undefined, endMs: number | undefined): string {
  if (startMs === undefined || endMs === undefined || endMs <= startMs) return 'unknown';
  return ((bytes * 8) / ((endMs - startMs) / 1000) / 1e6).toFixed(0);
}

/** True when each point is later than the last and adds bytes. */
function strictlyIncreasing(series: ReadonlyArray<readonly [number, number]>): boolean {
  return series.every(([ms, bytes], i) => i === 0 || (ms > (series[i - 1] as [number, number])[0] && bytes > (series[i - 1] as [number, number])[1]));
}

t.test('a 10 MB download: body timings and progress in body bytes', async (t) => {
  const timings = await client.exchange({ target, path: '/10000000', timeoutMs: 20_000, recordProgress: true });
  t.equal(timings.bodyBytes, 10_000_000);
  const { bodyStartMs, bodyEndMs, progress = [] } = timings;
  t.ok(bodyStartMs !== undefined && bodyStartMs >= (timings.ttfbMs ?? Infinity), `body starts at ${bodyStartMs} ms, first byte at ${timings.ttfbMs} ms`);
  t.equal(bodyEndMs, timings.totalMs, 'the body ends with the response');
  t.ok(strictlyIncreasing(progress), `progress: ${progress.length} points, one per ms at most, always growing`);
  // Equal unless the first body packet came out of order (then the in-order count waits).
  t.ok((progress[0]?.[0] ?? -1) >= (bodyStartMs ?? Infinity), `from the body start (${progress[0]?.[0]} ms)`);
  t.same(progress.at(-1), [bodyEndMs, 10_000_000], 'to the whole body, HTTP/3 framing excluded');
  t.equal(timings.retransmittedPackets, undefined, 'the server sent the body: the client cannot tell its retransmissions');
  t.pass(`loopback download goodput ${mbps(10_000_000, bodyStartMs, bodyEndMs)} Mbit/s`);
});

t.test("the server's qlog of that download: loss recovery as the sender saw it, then deleted", async (t) => {
  const recovery = await server.latestConnectionRecovery();
  t.ok(recovery !== null);
  if (recovery === null) return;
  t.ok(recovery.streamBytesSent >= 10_000_000, `${recovery.streamBytesSent} distinct stream bytes sent`);
  t.ok(recovery.retransmittedPackets <= recovery.packetsSent);
  // Loopback drops nothing on the wire, but a receiver's socket buffer can still overflow
  // (less since native/udp-buffers sizes it; UdpRcvbufErrors counts those): lost is possible.
  t.ok(recovery.packetsLost === 0 || recovery.retransmittedStreamBytes > 0, 'lost packets had their data sent again');
  t.pass(`server: ${recovery.packetsSent} packets sent, ${recovery.packetsLost} declared lost, ${recovery.retransmittedPackets} carrying ${recovery.retransmittedStreamBytes} bytes again`);
  t.same(await readdir(server.qlogDir ?? ''), [], 'the finished qlogs are gone');
  t.equal(await server.latestConnectionQlog(), null);
});

t.test('a 3 MB upload: a POST of a generated body, timed from the client qlog', async (t) => {
  const timings = await client.exchange({ target, path: '/0', timeoutMs: 20_000, recordProgress: true, uploadBytes: 3_000_000 });
  t.equal(timings.bodyBytes, 0, 'the response is /0');
  t.equal(timings.uploadedBytes, 3_000_000, 'the body bytes sent, HTTP/3 framing excluded');
  const { bodyStartMs, bodyEndMs, progress = [] } = timings;
  t.ok(bodyStartMs !== undefined && bodyEndMs !== undefined && bodyStartMs < bodyEndMs, `body sent from ${bodyStartMs} ms, answered at ${bodyEndMs} ms`);
  t.equal(bodyEndMs, timings.ttfbMs, 'the upload ends with the first response bytes');
  t.ok(strictlyIncreasing(progress), `progress: ${progress.length} points`);
  t.same(progress.at(-1)?.[1], 3_000_000);
  t.ok(timings.retransmittedPackets !== undefined && timings.retransmittedBytes !== undefined, 'the client sent the body: it tells its retransmissions');
  t.pass(`loopback upload goodput ${mbps(3_000_000, bodyStartMs, bodyEndMs)} Mbit/s, ${timings.retransmittedPackets} packets resent`);
  const again = await client.exchange({ target, path: '/10', timeoutMs: 20_000, uploadBytes: 3_000_000, session: 'resumed' });
  t.match(again, { resumed: true, uploadedBytes: 3_000_000, bodyBytes: 0 }, 'resumed, with the cached body; the priming connection uploads nothing; an upload asks for /0');
  t.equal(again.progress, undefined, 'no series unless asked for');
  await t.rejects(client.exchange({ target, path: '/0', timeoutMs: 5000, uploadBytes: 0 }), /uploadBytes must be a positive integer/);
});

t.test('a body of the wrong size, or a path that is not /N, is a failure', async (t) => {
  const small = new Ngtcp2Server({ tls: pki.material, bodySizes: [100] }); // no file of 1000 bytes: a 404
  t.teardown(() => small.stop());
  const smallTarget = await small.start();
  t.not(smallTarget.port, target.port, 'each server gets its own free port');
  await t.rejects(client.exchange({ target: smallTarget, path: '/1000', timeoutMs: 5000 }), /got a \d+-byte body for \/1000 \(expected 1000\)/);
  await t.rejects(client.exchange({ target, path: '/index.html', timeoutMs: 5000 }), /only paths ending in "\/N" are supported/);
});

t.test('a server certificate from another CA is refused', async (t) => {
  const other = new Ngtcp2Client({ tls: otherPki.material });
  await t.rejects(other.exchange({ target, path: '/1000', timeoutMs: 5000 }), /handshake failed.*TLS alert 42 \(bad_certificate\).*did not verify against the lab CA/);
});

t.test('a name the certificate does not carry is refused', async (t) => {
  await t.rejects(client.exchange({ target: { ...target, serverName: 'other.example' }, path: '/1000', timeoutMs: 5000 }), /handshake failed.*bad_certificate.*"other\.example"/);
});

t.test('without the shim the client refuses to run', async (t) => {
  const unverified = new Ngtcp2Client({ tls: pki.material, shimPath: join(dir, 'missing.so') });
  await t.rejects(unverified.prepare(), /npm run setup/);
  await t.rejects(unverified.exchange({ target, path: '/1000', timeoutMs: 5000 }), /npm run setup/);
});

t.test('the server stops and no ngtcp2 process of ours remains', async (t) => {
  await client.close();
  const workDir = server.qlogDir;
  await server.stop();
  await server.stop(); // idempotent
  t.equal(server.pid, undefined);
  await t.rejects(access(`/proc/${serverPid}`), 'the server process is gone');
  await t.rejects(access(workDir ?? ''), 'its private directory is removed');
  t.same(await ourGtlsChildren(), []);
  await t.rejects(client.exchange({ target, path: '/1000', timeoutMs: 1000 }), /handshake failed.*no answer from the server/);
  t.same(await ourGtlsChildren(), []);
});
