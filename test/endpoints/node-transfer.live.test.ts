// Transfers over TCP+TLS: the Node server's downloads, uploads and ranges, and the undici
// client's body timings and progress series, end to end on loopback (and through the worker
// process a network namespace would run).
import t, { type Test } from 'tap';
import { readFile } from 'node:fs/promises';
import { connect as h2connect } from 'node:http2';
import { Client } from 'undici';
import { endpointPkis } from '../fixtures/endpoint-pkis.js';
import { byteRange, generatedByteAt, generatedChunks } from '../../harness/files/generated-body.js';
import { NetnsNodeClient } from '../../harness/endpoints/node/netns-node-client.js';
import { NodeHttpsServer } from '../../harness/endpoints/node/https-server.js';
import { ProgressSeries, UndiciClient } from '../../harness/endpoints/undici/client.js';
import type { ExchangeTimings } from '../../harness/endpoints/types.js';
import { fileURLToPath } from 'node:url';

const UNDICI_MODULE = fileURLToPath(new URL('../../harness/endpoints/undici/client.ts', import.meta.url));

const MB = 1_000_000;
let server: NodeHttpsServer | undefined;
const { pki } = await endpointPkis('node-transfer', async () => server?.stop());
server = new NodeHttpsServer({ tls: pki.material, host: '127.0.0.1' });
const target = await server.start();
const ca = await readFile(pki.material.caFile);

/** The series is the body's: from its first to its last chunk, growing, at most one point per ms. */
function checkProgress(t: Test, timings: ExchangeTimings, bytes: number): void {
  const progress = timings.progress ?? [];
  t.ok(progress.length >= 2, `${progress.length} points`);
  const first = progress[0] as [number, number];
  const last = progress[progress.length - 1] as [number, number];
  t.equal(first[0], timings.bodyStartMs, 'starts with the first chunk');
  t.equal(last[1], bytes, 'ends at the body size');
  let monotone = true;
  let onePerMs = true;
  for (let i = 1; i < progress.length; i++) {
    const [ms, total] = progress[i] as [number, number];
    const [previousMs, previousTotal] = progress[i - 1] as [number, number];
    if (ms < previousMs || total <= previousTotal) monotone = false;
    // Windows of 1 ms counted from the first point: never two points in one.
    if (i > 1 && Math.ceil(ms - first[0]) <= Math.ceil(previousMs - first[0])) onePerMs = false;
  }
  t.ok(monotone, 'time and bytes only grow');
  t.ok(onePerMs, 'at most one point per ms');
  t.ok(progress.length <= Math.ceil(last[0] - first[0]) + 1, 'no more points than ms of transfer, plus the first');
}

t.test('generated body: byte i is i mod 251, at any offset and across chunks', async (t) => {
  const offset = 1_000_003;
  const body = Buffer.concat([...generatedChunks(600_000, offset)]);
  t.equal(body.length, 600_000);
  t.ok(
    body.every((byte, i) => byte === generatedByteAt(offset + i)),
    'every byte matches its offset',
  );
  t.same([...generatedChunks(0)], [], 'an empty body has no chunks');
});

t.test('Range header parsing (RFC 9110 14)', async (t) => {
  t.same(byteRange(undefined, 100), { kind: 'full' });
  t.same(byteRange('items=0-5', 100), { kind: 'full' }, 'an unknown unit is ignored');
  t.same(byteRange('bytes=10-19', 100), { kind: 'partial', start: 10, end: 19 });
  t.same(byteRange('bytes=10-', 100), { kind: 'partial', start: 10, end: 99 });
  t.same(byteRange('bytes=90-500', 100), { kind: 'partial', start: 90, end: 99 }, 'clipped to the body');
  t.same(byteRange('bytes=-10', 100), { kind: 'partial', start: 90, end: 99 }, 'suffix');
  t.same(byteRange('bytes=-500', 100), { kind: 'partial', start: 0, end: 99 });
  t.match(byteRange('bytes=100-', 100), { kind: 'unsatisfiable', reason: /past the end/ });
  t.match(byteRange('bytes=0-', 0), { kind: 'unsatisfiable' });
  t.match(byteRange('bytes=20-10', 100), { kind: 'unsatisfiable', reason: /ends before it starts/ });
  t.match(byteRange('bytes=0-1,5-6', 100), { kind: 'unsatisfiable', reason: /one range/ });
  t.match(byteRange('bytes=abc', 100), { kind: 'unsatisfiable', reason: /malformed/ });
  t.match(byteRange('bytes=-0', 100), { kind: 'unsatisfiable' });
});

t.test('progress series: first point kept, then the last point of each 1 ms window', async (t) => {
  const series = new ProgressSeries();
  for (const [ms, bytes] of [
    [10, 1],
    [10, 2],
    [10.2, 3],
    [10.9, 4],
    [11.0, 5],
    [11.5, 6],
    [14, 7],
  ] as const)
    series.add(ms, bytes);
  t.same(series.points, [
    [10, 1],
    [11.0, 5],
    [11.5, 6],
    [14, 7],
  ]);
});

for (const application of ['h2', 'http/1.1'] as const) {
  t.test(`${application}: a 10 MB download with its progress`, async (t) => {
    const timings = await new UndiciClient(pki.material, application).exchange({ target, path: `/${10 * MB}`, timeoutMs: 20_000, recordProgress: true });
    t.equal(timings.bodyBytes, 10 * MB);
    t.equal(timings.verifiedBodyBytes, 10 * MB, 'every byte checked against the pattern');
    const { ttfbMs = NaN, bodyStartMs = NaN, bodyEndMs = NaN, totalMs = NaN } = timings;
    t.ok(ttfbMs <= bodyStartMs && bodyStartMs <= bodyEndMs && bodyEndMs <= totalMs, `headers ${ttfbMs}, body ${bodyStartMs}..${bodyEndMs}, total ${totalMs}`);
    t.equal(timings.uploadedBytes, undefined);
    checkProgress(t, timings, 10 * MB);
    t.equal(timings.progress?.at(-1)?.[0], bodyEndMs, 'ends with the last chunk');
  });

  t.test(`${application}: a 5 MB upload, counted by the server`, async (t) => {
    const timings = await new UndiciClient(pki.material, application).exchange({ target, path: `/${5 * MB}`, uploadBytes: 5 * MB, timeoutMs: 20_000, recordProgress: true });
    t.equal(timings.uploadedBytes, 5 * MB);
    t.equal(timings.verifiedBodyBytes, 5 * MB, 'the server checked every byte against the pattern');
    const { handshakeMs, bodyStartMs = NaN, bodyEndMs = NaN, totalMs = NaN } = timings;
    t.ok(handshakeMs <= bodyStartMs && bodyStartMs < bodyEndMs && bodyEndMs <= totalMs, `handshake ${handshakeMs}, body ${bodyStartMs}..${bodyEndMs}, total ${totalMs}`);
    t.equal(bodyEndMs, timings.ttfbMs, 'the upload ends when the answer comes');
    checkProgress(t, timings, 5 * MB);
  });

  t.test(`${application}: an upload the server does not count as N bytes fails, saying why`, async (t) => {
    const client = new UndiciClient(pki.material, application);
    await t.rejects(client.exchange({ target, path: '/1000', uploadBytes: 500, timeoutMs: 5000 }), /HTTP status 400 for POST \/1000: .*received 500 bytes, but \/1000 asks for 1000/);
    await t.rejects(client.exchange({ target, path: '/index.html', uploadBytes: 10, timeoutMs: 5000 }), /HTTP status 404/);
    t.match(await client.exchange({ target, path: '/0', uploadBytes: 0, timeoutMs: 5000 }), { uploadedBytes: 0, verifiedBodyBytes: 0, bodyBytes: 37 }, 'an empty upload is answered');
  });

  t.test(`${application}: Range requests (undici directly)`, async (t) => {
    const client = new Client(`https://127.0.0.1:${target.port}`, { connect: { ca, servername: pki.material.serverName }, allowH2: application === 'h2' });
    t.teardown(() => client.close());
    const get = async (range?: string): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> => {
      const response = await client.request({ path: '/5000', method: 'GET', headers: range !== undefined ? { range } : {} });
      return { status: response.statusCode, headers: response.headers, body: Buffer.from(await response.body.arrayBuffer()) };
    };
    const matchesOffset = (body: Buffer, offset: number): boolean => body.every((byte, i) => byte === generatedByteAt(offset + i));

    const full = await get();
    t.match(full, { status: 200, headers: { 'accept-ranges': 'bytes', 'content-length': '5000' } });
    t.ok(matchesOffset(full.body, 0));
    for (const [range, start, end] of [
      ['bytes=1000-1999', 1000, 1999],
      ['bytes=4000-', 4000, 4999],
      ['bytes=-10', 4990, 4999],
      ['bytes=4990-9999', 4990, 4999],
    ] as const) {
      const part = await get(range);
      t.match(part, { status: 206, headers: { 'content-range': `bytes ${start}-${end}/5000`, 'content-length': String(end - start + 1) } }, range);
      t.equal(part.body.length, end - start + 1);
      t.ok(matchesOffset(part.body, start), `${range}: the bytes of that slice`);
    }
    for (const range of ['bytes=5000-', 'bytes=0-1,10-11', 'bytes=9-3']) {
      t.match(await get(range), { status: 416, headers: { 'content-range': 'bytes */5000' } }, `${range}: 416`);
    }
  });
}

t.test('a request body that does not match its content-length is a clear error', async (t) => {
  // undici refuses to send it.
  const client = new Client(`https://127.0.0.1:${target.port}`, { connect: { ca, servername: pki.material.serverName } });
  t.teardown(() => client.close());
  await t.rejects(client.request({ path: '/1000', method: 'POST', headers: { 'content-length': '1000' }, body: Buffer.alloc(500) }), /Request body length does not match content-length header/);
  // Over HTTP/2 the server's stack resets the malformed request (RFC 9113 8.1.1).
  const session = h2connect(`https://127.0.0.1:${target.port}`, { ca, servername: pki.material.serverName });
  t.teardown(() => session.close());
  const stream = session.request({ ':method': 'POST', ':path': '/1000', 'content-length': '1000' });
  stream.resume();
  stream.end(Buffer.alloc(500));
  await t.rejects(new Promise((_resolve, reject) => stream.on('error', reject)), /NGHTTP2_PROTOCOL_ERROR/);
});

t.test('transfers cut short leave the server serving', async (t) => {
  for (const application of ['h2', 'http/1.1'] as const) {
    const client = new UndiciClient(pki.material, application);
    // 4 GB take seconds even on loopback; 500 ms leaves the handshake ample time.
    await t.rejects(client.exchange({ target, path: `/${4000 * MB}`, timeoutMs: 500 }), /response not done within 500 ms/);
    await t.rejects(client.exchange({ target, path: `/${4000 * MB}`, uploadBytes: 4000 * MB, timeoutMs: 500 }), /upload and its answer not done within 500 ms/);
    t.match(await client.exchange({ target, path: '/1000', timeoutMs: 5000 }), { bodyBytes: 1000 });
  }
});

t.test('both sides grant 16 MiB HTTP/2 windows, and say so', async (t) => {
  t.match(server?.info().settings, { h2InitialWindowSize: 16 * 1024 * 1024, h2ConnectionWindowSize: 16 * 1024 * 1024 });
  t.match(new UndiciClient(pki.material, 'h2').info().settings, { h2InitialWindowSize: 16 * 1024 * 1024, h2ConnectionWindowSize: 16 * 1024 * 1024 });
  // What the server grants, as a client sees it.
  const session = h2connect(`https://127.0.0.1:${target.port}`, { ca, servername: pki.material.serverName });
  t.teardown(() => session.close());
  await new Promise((resolve) => session.once('remoteSettings', resolve));
  t.equal(session.remoteSettings.initialWindowSize, 16 * 1024 * 1024, 'stream window (SETTINGS)');
  // The connection window arrives in a WINDOW_UPDATE right after the SETTINGS.
  for (let i = 0; i < 50 && session.state.remoteWindowSize !== 16 * 1024 * 1024; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  t.equal(session.state.remoteWindowSize, 16 * 1024 * 1024, 'connection window');
});

t.test('through the worker process: transfer specs in, progress series out', async (t) => {
  for (const application of ['h2', 'http/1.1'] as const) {
    const client = new NetnsNodeClient(new UndiciClient(pki.material, application), { module: UNDICI_MODULE, application, tls: pki.material });
    t.teardown(() => client.close());
    const download = await client.exchange({ target, path: `/${2 * MB}`, timeoutMs: 10_000, recordProgress: true });
    t.equal(download.bodyBytes, 2 * MB);
    checkProgress(t, download, 2 * MB);
    const upload = await client.exchange({ target, path: `/${2 * MB}`, uploadBytes: 2 * MB, timeoutMs: 10_000, recordProgress: true });
    t.equal(upload.uploadedBytes, 2 * MB);
    checkProgress(t, upload, 2 * MB);
    t.equal((await client.exchange({ target, path: '/1000', timeoutMs: 5000 })).progress, undefined, 'no series unless asked for');
  }
});

t.test('100 MB downloads complete (loopback goodput in the names; no timing asserted)', async (t) => {
  for (const application of ['h2', 'http/1.1'] as const) {
    const timings = await new UndiciClient(pki.material, application).exchange({ target, path: `/${100 * MB}`, timeoutMs: 60_000, recordProgress: true });
    const seconds = ((timings.bodyEndMs ?? NaN) - (timings.bodyStartMs ?? NaN)) / 1000;
    const gbps = ((100 * MB * 8) / seconds / 1e9).toFixed(2);
    t.test(`${application}: 100 MB in ${(seconds * 1000).toFixed(0)} ms, ${gbps} Gbit/s, ${timings.progress?.length} progress points`, async (t) => {
      t.equal(timings.bodyBytes, 100 * MB);
      t.equal(timings.progress?.at(-1)?.[1], 100 * MB);
    });
  }
});
