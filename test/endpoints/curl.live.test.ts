// The curl client: reading its --write-out and verbose output exactly, then real curl
// processes on loopback against the Node TCP+TLS server with the lab PKI.
import t, { type Test } from 'tap';
import { createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { endpointPkis } from '../fixtures/endpoint-pkis.js';
import { NodeHttpsServer } from '../../harness/endpoints/node/https-server.js';
import { CurlClient, failureMessage, parseCurlVersion } from '../../harness/endpoints/curl/client.js';
import {
  alpnOfHttpVersion,
  batchCompletionsUs,
  describeCurlExit,
  parseCurlSeconds,
  parseTraceTime,
  parseWriteOut,
  traceStampsUs,
  writeOutFormat,
  WRITE_OUT_FIELDS,
  type CurlTransferReport,
} from '../../harness/endpoints/curl/write-out.js';
import type { BatchTimings, ServerAddress } from '../../harness/endpoints/types.js';

// --- pure parsing ---------------------------------------------------------------------------

const line = (fields: Record<string, string>): string => ['curl-lab', ...WRITE_OUT_FIELDS.map(([name]) => `${name}=${fields[name] ?? ''}`)].join('\t');
const okFields = {
  urlnum: '0',
  exitcode: '0',
  http_code: '206',
  http_version: '2',
  num_connects: '1',
  size_download: '700',
  size_upload: '0',
  ssl_verify_result: '0',
  local_port: '41000',
  remote_ip: '127.0.0.1',
  time_namelookup: '0.000021',
  time_connect: '0.000153',
  time_appconnect: '0.004871',
  time_pretransfer: '0.004902',
  time_starttransfer: '0.006000',
  time_total: '12.000001',
  content_range: 'bytes 300-999/1000',
  errormsg: '',
};

t.test('curl times: seconds with six decimals, read as integer microseconds', async (t) => {
  t.equal(parseCurlSeconds('0.000000'), 0);
  t.equal(parseCurlSeconds('0.000001'), 1);
  t.equal(parseCurlSeconds('0.004871'), 4871);
  t.equal(parseCurlSeconds('12.345678'), 12_345_678);
  t.equal(parseCurlSeconds('0.000153') / 1000, 0.153);
  for (const bad of ['0.12', '1', '-0.000001', '0,000001', '', '1.0000001']) t.throws(() => parseCurlSeconds(bad), /six decimals/, bad);
});

t.test('the --write-out format names every field, tab-separated, one line per transfer', async (t) => {
  const format = writeOutFormat();
  t.ok(format.startsWith('curl-lab\\t') && format.endsWith('\\n'));
  for (const [name, variable] of WRITE_OUT_FIELDS) t.ok(format.includes(`${name}=${variable}`), name);
  t.match(format, /errormsg=%\{errormsg\}\\n$/, 'the free-text field last');
});

t.test('a --write-out line is read exactly', async (t) => {
  const reports = parseWriteOut(`${line(okFields)}\n`);
  t.same(reports, [
    {
      urlnum: 0,
      exitCode: 0,
      httpCode: 206,
      httpVersion: '2',
      numConnects: 1,
      sizeDownload: 700,
      sizeUpload: 0,
      sslVerifyResult: 0,
      localPort: 41000,
      remoteIp: '127.0.0.1',
      timesUs: { namelookup: 21, connect: 153, appconnect: 4871, pretransfer: 4902, starttransfer: 6000, total: 12_000_001 },
      contentRange: 'bytes 300-999/1000',
      errorMessage: '',
    },
  ]);
});

t.test('several lines (a batch), other output ignored, a failed one with its message', async (t) => {
  const failed = { ...okFields, urlnum: '1', exitcode: '28', http_code: '000', http_version: '0', time_appconnect: '0.000000', content_range: '', errormsg: 'Connection timed out after 1000 milliseconds' };
  const reports = parseWriteOut(`something else\n${line(okFields)}\n${line(failed)}\n`);
  t.equal(reports.length, 2);
  t.match(reports[1], { urlnum: 1, exitCode: 28, httpCode: 0, httpVersion: '0', contentRange: null, errorMessage: 'Connection timed out after 1000 milliseconds' });
});

t.test('a malformed --write-out line is refused, not misread', async (t) => {
  t.throws(() => parseWriteOut(`${line(okFields)}\textra=1\n`), /fields where/);
  t.throws(() => parseWriteOut(line({ ...okFields, time_total: '0.5' })), /six decimals/);
  t.throws(() => parseWriteOut(line({ ...okFields, size_download: '-1' })), /not a count/);
  t.throws(() => parseWriteOut(line(okFields).replace('urlnum=', 'url=')), /field 1 is not urlnum/);
});

t.test('http_version to ALPN', async (t) => {
  t.equal(alpnOfHttpVersion('2'), 'h2');
  t.equal(alpnOfHttpVersion('1.1'), 'http/1.1');
  t.equal(alpnOfHttpVersion('0'), null);
});

t.test('verbose stamps: microseconds of the day, from the first stamped line, across midnight', async (t) => {
  t.equal(parseTraceTime('00:00:00.000000'), 0);
  t.equal(parseTraceTime('23:59:59.999999'), 86_399_999_999);
  t.throws(() => parseTraceTime('24:00:00.000000'), /time of day/);
  const stderr = [
    '23:59:59.999000 * Added lab.example:443:127.0.0.1 to DNS cache',
    '23:59:59.999500 *   Trying 127.0.0.1:443...',
    'a line without a stamp',
    '00:00:00.000250 * Added lab.example:443:127.0.0.1 to DNS cache',
    '00:00:01.000000 * Added lab.example:443:127.0.0.1 to DNS cache',
  ].join('\n');
  t.same(traceStampsUs(stderr, /^\* Added /), [0, 1250, 1_001_000]);
});

t.test('a batch on one time line: each start from the verbose output plus its own time_total', async (t) => {
  const report = (urlnum: number, total: string): CurlTransferReport => parseWriteOut(line({ ...okFields, urlnum: String(urlnum), time_total: total }))[0] as CurlTransferReport;
  // Transfer 2 started 21.000 ms after transfer 0 (a queued HTTP/1.1 one), transfer 1 0.210 ms after.
  const placed = batchCompletionsUs([report(0, '0.015000'), report(1, '0.019000'), report(2, '0.001500')], [0, 210, 21_000]);
  t.same(Object.fromEntries(placed), { 0: 15_000, 1: 19_210, 2: 22_500 });
  // Printed as if 2 ended before 1: placed 3.290 ms before it, more than the slack allows.
  const ended = [report(0, '0.015000'), report(2, '0.001500'), report(1, '0.019000')];
  t.throws(() => batchCompletionsUs(ended, [0, 210, 26_000]), /transfer 1 ended after transfer 2 but is placed 8\.290 ms before it/);
  t.doesNotThrow(() => batchCompletionsUs(ended, [0, 210, 18_000]), 'within the slack');
  t.throws(() => batchCompletionsUs(ended, [0, 210]), /found 2 transfer starts .* for 3 transfers/);
  t.throws(() => batchCompletionsUs([report(0, '0.001000'), report(0, '0.002000')], [0, 5]), /reported twice/);
});

t.test('curl --version', async (t) => {
  const text = [
    'curl 7.88.1 (x86_64-pc-linux-gnu) libcurl/7.88.1 OpenSSL/3.0.19 zlib/1.2.13 brotli/1.0.9 zstd/1.5.4 libidn2/2.3.3 libpsl/0.21.2 (+libidn2/2.3.3) libssh2/1.10.0 nghttp2/1.52.0 librtmp/2.3 OpenLDAP/2.5.13',
    'Release-Date: 2023-02-20, security patched: 7.88.1-10+deb12u15',
    'Protocols: dict file ftp ftps gopher gophers http https',
    'Features: alt-svc AsynchDNS brotli GSS-API HSTS HTTP2 HTTPS-proxy IDN IPv6 Kerberos Largefile libz NTLM NTLM_WB PSL SPNEGO SSL threadsafe TLS-SRP UnixSockets zstd',
  ].join('\n');
  t.match(parseCurlVersion(text), { version: '7.88.1', tlsLibrary: 'OpenSSL/3.0.19', nghttp2: '1.52.0' });
  t.ok(parseCurlVersion(text).features.includes('HTTP2'));
  t.throws(() => parseCurlVersion('not curl'), /unexpected first line/);
});

t.test('a failure names curl exit code and, for a timeout, the stage that did not finish', async (t) => {
  const failed = (fields: Record<string, string>): CurlTransferReport => parseWriteOut(line({ ...okFields, ...fields }))[0] as CurlTransferReport;
  const timeout = { exitcode: '28', errormsg: 'Operation timed out' };
  // curl 7.88 reads time_connect 0 whenever the connection failed, TCP connected or not: the local port tells.
  const unconnected = { ...timeout, local_port: '0', remote_ip: '', time_connect: '0.000000', time_appconnect: '0.000000', time_starttransfer: '0.000000' };
  t.match(failureMessage(failed(unconnected), 'GET /1', 1000, false), /^TCP connection \(SYN unanswered\) not done within 1000 ms \(GET \/1; curl exit 28 \(timeout\): Operation timed out\)$/);
  t.match(failureMessage(failed({ ...unconnected, local_port: '41000', remote_ip: '127.0.0.1' }), 'GET /1', 1000, false), /^TLS handshake not done/);
  t.match(failureMessage(failed({ ...timeout, time_starttransfer: '0.000000' }), 'GET /1', 1000, false), /^response \(no byte of it came\) not done/);
  t.match(failureMessage(failed({ ...timeout, time_starttransfer: '0.000000' }), 'POST /1', 1000, true), /^upload and its answer not done/);
  t.match(failureMessage(failed({ ...timeout, size_download: '5' }), 'GET /1', 1000, false), /^response body \(5 bytes received\) not done/);
  t.equal(failureMessage(failed({ exitcode: '60', errormsg: 'SSL certificate problem' }), 'GET /1', 1000, false), 'curl exit 60 (server certificate not accepted: lab CA and server name) for GET /1: SSL certificate problem');
  t.equal(describeCurlExit(255), 'curl exit 255');
});

// --- real curl on loopback -----------------------------------------------------------------

let server: NodeHttpsServer | undefined;
let server6: NodeHttpsServer | undefined;
let silent: Server | undefined;
const sockets = new Set<Socket>();
const { dir, pki, otherPki } = await endpointPkis('curl', async () => {
  for (const socket of sockets) socket.destroy();
  silent?.close();
  await server?.stop();
  await server6?.stop();
});
server = new NodeHttpsServer({ tls: pki.material, host: '127.0.0.1' });
const target = await server.start();

t.test('prepare finds curl; info says what it is', async (t) => {
  const client = new CurlClient(pki.material, 'h2');
  await client.prepare();
  const info = client.info();
  t.equal(info.implementation, 'curl');
  t.match(info.version, /^\d+\.\d+\.\d+$/);
  t.match(info.settings, { tls: 'TLSv1.3 only', tlsLibrary: /^OpenSSL\/3\./, http2: /^nghttp2\/\d/, application: 'h2' });
  t.same(client.sessionModes, ['cold']);
  await t.rejects(new CurlClient(pki.material, 'h2', { command: join(dir, 'no-such-curl') }).prepare(), /not installed; run `npm run setup`/);
});

for (const application of ['h2', 'http/1.1'] as const) {
  t.test(`${application}: a cold GET of /1000`, async (t) => {
    const keylogFile = join(dir, `keylog-${application.replace('/', '')}.log`);
    const client = new CurlClient(pki.material, application, { keylogFile });
    const timings = await client.exchange({ target, path: '/1000', timeoutMs: 5000 });
    t.equal(timings.alpn, application);
    t.equal(timings.bodyBytes, 1000);
    const { connectMs = 0, handshakeMs, ttfbMs = 0, totalMs = 0 } = timings;
    t.ok(connectMs > 0 && handshakeMs > connectMs, 'TLS completes after TCP connects');
    t.ok(handshakeMs < ttfbMs && ttfbMs <= totalMs, 'handshake < first byte <= total');
    t.equal(timings.bodyStartMs, ttfbMs);
    t.equal(timings.bodyEndMs, totalMs);
    t.equal(timings.progress, undefined, 'no per-chunk times from curl');
    t.equal(timings.resumed, undefined, 'curl does not say; a fresh process has no session to resume');
    t.match(await readFile(keylogFile, 'utf8'), /^CLIENT_HANDSHAKE_TRAFFIC_SECRET [0-9a-f]+ [0-9a-f]+$/m, 'key log written');
    await t.rejects(client.exchange({ target, path: '/1', timeoutMs: 5000, session: 'resumed' }), /cannot carry a TLS session/);
  });
}

t.test('an upload: POST of a generated body, the server counts every byte', async (t) => {
  for (const application of ['h2', 'http/1.1'] as const) {
    const client = new CurlClient(pki.material, application);
    const timings = await client.exchange({ target, path: '/3000000', timeoutMs: 10_000, uploadBytes: 3_000_000 });
    t.equal(timings.uploadedBytes, 3_000_000, application);
    t.equal(timings.alpn, application);
    t.ok((timings.bodyStartMs ?? 0) >= timings.handshakeMs && (timings.bodyEndMs ?? 0) > (timings.bodyStartMs ?? 0), `${application}: body sent after the handshake`);
    t.equal(timings.bodyStartMs, timings.extraMs?.pretransferMs, 'the body starts as the request goes out');
    t.equal(timings.bodyEndMs, timings.totalMs, 'done when the answer is in');
    t.equal(timings.ttfbMs, undefined, 'curl has no first-byte time for an upload');
    await t.rejects(client.exchange({ target, path: '/10', timeoutMs: 5000, uploadBytes: 5 }), /HTTP status 400 for POST \/10: .*received 5 bytes/);
    await client.close();
  }
});

t.test('a Range request: 206 and the bytes from the offset on', async (t) => {
  const timings = await new CurlClient(pki.material, 'h2').exchange({ target, path: '/1000', timeoutMs: 5000, rangeStartBytes: 300 });
  t.equal(timings.bodyBytes, 700);
  await t.rejects(new CurlClient(pki.material, 'h2').exchange({ target, path: '/1000', timeoutMs: 5000, rangeStartBytes: 1000 }), /HTTP status 416/);
});

t.test('IPv6: the server address in brackets for --resolve', async (t) => {
  server6 = new NodeHttpsServer({ tls: pki.material, host: '::1' });
  const target6 = await server6.start();
  const timings = await new CurlClient(pki.material, 'h2').exchange({ target: target6, path: '/1000', timeoutMs: 5000 });
  t.match(timings, { alpn: 'h2', bodyBytes: 1000 });
  await server6.stop();
});

t.test('a path the server does not serve is a 404, reported as a failure', async (t) => {
  await t.rejects(new CurlClient(pki.material, 'http/1.1').exchange({ target, path: '/index.html', timeoutMs: 5000 }), /HTTP status 404 for GET \/index.html/);
});

const paths = Array.from({ length: 20 }, () => '/10000');
function checkBatch(t: Test, timings: BatchTimings, connections: number): void {
  t.equal(timings.objects.length, 20);
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

t.test('batch over HTTP/2: 20 objects multiplexed on one connection', async (t) => {
  checkBatch(t, await new CurlClient(pki.material, 'h2').exchangeBatch({ target, paths, timeoutMs: 10_000 }), 1);
});

t.test('batch over HTTP/1.1: 20 objects over a pool of six connections', async (t) => {
  const timings = await new CurlClient(pki.material, 'http/1.1').exchangeBatch({ target, paths, timeoutMs: 10_000, connections: 6 });
  checkBatch(t, timings, 6);
  // The seventh object waits for a connection: it cannot complete before the first one did.
  const sorted = timings.objects.map((o) => o.completedMs).sort((a, b) => a - b);
  t.ok((timings.objects[6]?.completedMs ?? 0) > (sorted[0] ?? Infinity), 'a queued object completes after the first one');
});

t.test('a server certificate from another CA is refused with a clear error', async (t) => {
  await t.rejects(
    new CurlClient(otherPki.material, 'h2').exchange({ target, path: '/1', timeoutMs: 5000 }),
    /curl exit 60 \(server certificate not accepted: lab CA and server name\) for GET \/1: SSL certificate problem: unable to get local issuer certificate/,
  );
});

t.test('a name the certificate does not carry is refused', async (t) => {
  await t.rejects(new CurlClient(pki.material, 'h2').exchange({ target: { ...target, serverName: 'other.example' }, path: '/1', timeoutMs: 5000 }), /curl exit 60 .*other\.example/);
});

t.test('a closed port: a clear connect error', async (t) => {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const port = (probe.address() as { port: number }).port;
  probe.close();
  await once(probe, 'close');
  const closed: ServerAddress = { ...target, port };
  await t.rejects(new CurlClient(pki.material, 'h2').exchange({ target: closed, path: '/1', timeoutMs: 5000 }), /curl exit 7 \(could not connect to the server \(TCP\)\)/);
});

t.test('a server that accepts but never answers: the timeout is bounded and names the TLS stage', async (t) => {
  silent = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  silent.listen(0, '127.0.0.1');
  await once(silent, 'listening');
  const port = (silent.address() as { port: number }).port;
  const started = Date.now();
  await t.rejects(new CurlClient(pki.material, 'h2').exchange({ target: { ...target, port }, path: '/1', timeoutMs: 800 }), /^TLS handshake not done within 800 ms \(GET \/1; curl exit 28/);
  const elapsed = Date.now() - started;
  t.ok(elapsed < 2000, `gave up after ${elapsed} ms`);
});
