// The aioquic peer (peers/aioquic/, peers/CONTRACT.md) on loopback: its server with a lab PKI
// (with an intermediate) and its client for each exchange the contract names, certificate
// failures, the qlog and key log files, a bad command line, and a clean exit on SIGTERM.
// Skipped when setup did not build the peer.
import t, { type Test } from 'tap';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { endpointPkis } from '../fixtures/endpoint-pkis.js';
import { processesNaming } from '../fixtures/leftovers.js';
import { peerBuilt, peerMissingHint, peerPath } from '../../harness/endpoints/peer-build.js';
import { ManagedProcess, runCommand, type RunResult } from '../../harness/process/managed-process.js';
import { LAB_SERVER_NAME } from '../../harness/lab/addresses.js';

const PEER = 'aioquic';
const CLIENT_TIMEOUT_MS = 20_000;
const KEYLOG_LINE = /^(CLIENT_EARLY_TRAFFIC_SECRET|CLIENT_HANDSHAKE_TRAFFIC_SECRET|SERVER_HANDSHAKE_TRAFFIC_SECRET|CLIENT_TRAFFIC_SECRET_0|SERVER_TRAFFIC_SECRET_0) [0-9a-f]{64} [0-9a-f]{64,96}$/;

/** The client's JSON line, loosely typed: the test checks each field it reads. */
type PeerResult = Record<string, unknown> & { objects?: { path: string; bytes: number; verifiedBytes: number; completedMs: number }[]; progress?: [number, number][] };

if (!peerBuilt(PEER)) {
  t.comment(`skipping the aioquic peer tests: ${peerMissingHint(PEER)}`);
  t.pass('skipped', { skip: peerMissingHint(PEER) });
} else {
  await run();
}

function binary(): string {
  return peerPath(PEER, 'bin', PEER);
}

async function client(args: string[]): Promise<{ run: RunResult; result: PeerResult }> {
  const run = await runCommand({ name: 'aioquic client', command: binary(), args: ['client', '--timeout-ms', String(CLIENT_TIMEOUT_MS), ...args], timeoutMs: CLIENT_TIMEOUT_MS + 10_000 });
  const lines = run.stdout.split('\n').filter((line) => line !== '');
  if (lines.length !== 1) throw new Error(`aioquic client: expected one JSON line, got ${lines.length}: ${run.stdout.slice(0, 300)} ${run.stderr.slice(-300)}`);
  return { run, result: JSON.parse(lines[0] as string) as PeerResult };
}

/** Times are in order: handshake, first headers, body start and end, total. */
function checkTimeline(t: Test, r: PeerResult): void {
  const times = ['handshakeMs', 'ttfbMs', 'bodyStartMs', 'bodyEndMs', 'totalMs'].map((name) => r[name]);
  t.ok(
    times.every((ms) => typeof ms === 'number' && ms > 0),
    `every time is positive: ${times.join(', ')}`,
  );
  const numbers = times as number[];
  t.ok(
    numbers.every((ms, i) => i === 0 || ms >= (numbers[i - 1] as number)),
    `handshake <= ttfb <= body start <= body end <= total: ${numbers.join(', ')}`,
  );
}

async function run(): Promise<void> {
  let server: ManagedProcess | undefined;
  const { dir, pki, otherPki } = await endpointPkis('aioquic', async () => server?.stop());
  const serverQlogDir = join(dir, 'server-qlog');
  const serverKeylog = join(dir, 'server.keys');
  server = new ManagedProcess({
    name: 'aioquic server',
    command: binary(),
    args: ['server', '--listen', '127.0.0.1:0', '--cert', pki.material.chainFile, '--key', pki.material.keyFile, '--qlog-dir', serverQlogDir, '--keylog', serverKeylog],
  });
  const listening = JSON.parse(await server.waitForLine(/^\{"event":"listening","address":"[^"]+"\}$/, 20_000)) as { address: string };
  const port = Number(/:(\d+)$/.exec(listening.address)?.[1]);
  t.match(listening.address, /^127\.0\.0\.1:\d+$/, 'the server says where it listens');
  const url = (path: string, name = LAB_SERVER_NAME): string => `https://${name}:${port}${path}`;
  const common = ['--connect', listening.address, '--ca', pki.material.caFile];
  let connections = 0;
  const exchange = async (args: string[], connectionCount = 1): Promise<{ run: RunResult; result: PeerResult }> => {
    connections += connectionCount;
    return client([...common, ...args]);
  };

  await t.test('GET /1000000: every byte verified, the times in order, the versions said', async (t) => {
    const { run, result } = await exchange([url('/1000000')]);
    t.equal(run.code, 0, run.stderr);
    t.match(result, { implementation: 'aioquic', status: 200, alpn: 'h3', quicVersion: '0x00000001', resumed: false, earlyDataAccepted: false, bodyBytes: 1_000_000, verifiedBodyBytes: 1_000_000 });
    t.match(result.version, /^1\.\d+\.\d+$/);
    t.equal(result.clockResolutionMs, 0.000001, 'time.monotonic: nanoseconds');
    t.notOk('error' in result);
    checkTimeline(t, result);
  });

  await t.test('a batch of 20 URLs on one connection: each object verified and timed', async (t) => {
    const sizes = Array.from({ length: 20 }, (_, i) => 1000 + i * 997);
    const { run, result } = await exchange(sizes.map((size) => url(`/${size}`)));
    t.equal(run.code, 0, run.stderr);
    const total = sizes.reduce((a, b) => a + b, 0);
    t.match(result, { status: 200, bodyBytes: total, verifiedBodyBytes: total });
    t.same(
      result.objects?.map((o) => [o.path, o.bytes, o.verifiedBytes]),
      sizes.map((size) => [`/${size}`, size, size]),
    );
    t.ok(
      result.objects?.every((o) => o.completedMs > 0 && o.completedMs <= (result.totalMs as number)),
      'each object completes by the total',
    );
    checkTimeline(t, result);
  });

  await t.test('POST 100000 bytes: the server checks them all; one byte short of the path fails', async (t) => {
    const ok = await exchange(['--upload-bytes', '100000', '--progress', url('/100000')]);
    t.equal(ok.run.code, 0, ok.run.stderr);
    t.match(ok.result, { status: 200, uploadedBytes: 100_000 });
    t.equal(ok.result.progress?.at(-1)?.[1], 100_000, 'the writes add up to the upload');
    const short = await exchange(['--upload-bytes', '100000', url('/100001')]);
    t.equal(short.run.code, 1);
    t.match(short.result, { status: 400, error: /received 100000 bytes, but the path asks for 100001/ });
  });

  await t.test('Range: bytes 1000- of /5000 is a verified 206 of 4000 bytes; past the end is 416', async (t) => {
    const { run, result } = await exchange(['--range-start', '1000', '--progress', url('/5000')]);
    t.equal(run.code, 0, run.stderr);
    t.match(result, { status: 206, bodyBytes: 4000, verifiedBodyBytes: 4000 });
    const progress = result.progress ?? [];
    t.equal(progress.at(-1)?.[1], 4000, 'progress ends at the body length');
    t.ok(
      progress.every(([ms, bytes], i) => i === 0 || (ms >= (progress[i - 1] as [number, number])[0] && bytes > (progress[i - 1] as [number, number])[1])),
      'progress only grows',
    );
    const past = await exchange(['--range-start', '5000', url('/5000')]);
    t.equal(past.run.code, 1);
    t.match(past.result, { status: 416, error: /starts at or past the end/ });
  });

  await t.test('resumed: a priming connection, then a resumption without early data', async (t) => {
    const { run, result } = await exchange(['--session', 'resumed', url('/50000')], 2);
    t.equal(run.code, 0, run.stderr);
    t.match(result, { resumed: true, earlyDataAccepted: false, status: 200, verifiedBodyBytes: 50_000 });
    checkTimeline(t, result);
  });

  const clientKeylog = join(dir, 'client.keys');
  const clientQlogDir = join(dir, 'client-qlog');
  await t.test('early-data: the request goes as 0-RTT and the server accepts it; qlog and key log written', async (t) => {
    const { run, result } = await exchange(['--session', 'early-data', '--keylog', clientKeylog, '--qlog-dir', clientQlogDir, url('/50000')], 2);
    t.equal(run.code, 0, run.stderr);
    t.match(result, { resumed: true, earlyDataAccepted: true, status: 200, verifiedBodyBytes: 50_000 });
    // The request left with the ClientHello: its answer needs no round trip after the handshake.
    t.ok((result.ttfbMs as number) >= (result.handshakeMs as number));
    const keyLines = (await readFile(clientKeylog, 'utf8')).trim().split('\n');
    t.ok(
      keyLines.every((line) => KEYLOG_LINE.test(line)),
      'NSS key log lines',
    );
    t.ok(
      keyLines.some((line) => line.startsWith('CLIENT_EARLY_TRAFFIC_SECRET ')),
      'the 0-RTT secret is logged',
    );
    t.equal(keyLines.filter((line) => line.startsWith('CLIENT_TRAFFIC_SECRET_0 ')).length, 2, 'both connections (priming and measured)');
    const qlogs = (await readdir(clientQlogDir)).filter((name) => name.endsWith('.qlog'));
    t.equal(qlogs.length, 2, 'one qlog per connection');
    for (const name of qlogs) {
      const qlog = JSON.parse(await readFile(join(clientQlogDir, name), 'utf8')) as { qlog_version?: string; traces?: { events?: unknown[] }[] };
      t.ok(qlog.qlog_version !== undefined && (qlog.traces?.[0]?.events?.length ?? 0) > 0, `${name}: a qlog with events`);
    }
  });

  await t.test('another CA: the handshake fails, no body', async (t) => {
    const { run, result } = await client(['--connect', listening.address, '--ca', otherPki.material.caFile, url('/1000')]);
    connections += 1;
    t.equal(run.code, 1);
    t.match(result, { error: /handshake failed.*(issuer|certificate)/ });
    t.notOk('handshakeMs' in result || 'bodyBytes' in result || 'partial' in result, 'no handshake, no body');
  });

  await t.test('a name the certificate does not carry: the handshake fails', async (t) => {
    const { run, result } = await exchange([url('/1000', 'wrong.lab.example')]);
    t.equal(run.code, 1);
    t.match(result, { error: /handshake failed.*wrong\.lab\.example/ });
    t.notOk('handshakeMs' in result);
  });

  await t.test('--timeout-ms: a download cut short exits 1 with the error and what had arrived', async (t) => {
    connections += 1;
    const run = await runCommand({ name: 'aioquic client', command: binary(), args: ['client', ...common, '--timeout-ms', '600', url('/100000000')], timeoutMs: 15_000 });
    t.equal(run.code, 1, run.stderr);
    const result = JSON.parse(run.stdout) as PeerResult & { partial?: { bodyBytes: number; failedAtMs: number } };
    t.match(result, { error: 'timed out after 600 ms' });
    t.notOk('bodyBytes' in result, 'no complete body');
    // The timer starts with the client, the times' origin at its first packet: failedAtMs is near 600, under it by that start-up, over it by the loop's lag.
    t.ok(result.partial !== undefined && result.partial.bodyBytes < 100_000_000 && result.partial.failedAtMs > 300 && result.partial.failedAtMs < 1000, `partial: ${JSON.stringify(result.partial)}`);
  });

  await t.test('a bad command line exits 2 naming the problem', async (t) => {
    const bbr = await runCommand({ name: 'aioquic client', command: binary(), args: ['client', ...common, '--cc', 'bbr', url('/1')], timeoutMs: 10_000 });
    t.equal(bbr.code, 2);
    t.match(bbr.stderr, /--cc bbr: aioquic has cubic, reno only/);
    const noCa = await runCommand({ name: 'aioquic client', command: binary(), args: ['client', '--connect', listening.address, url('/1')], timeoutMs: 10_000 });
    t.equal(noCa.code, 2);
    t.match(noCa.stderr, /--ca/);
    const cubic = await exchange(['--cc', 'cubic', '--initial-rtt-ms', '50', '--max-window-bytes', '4000000', url('/200000')]);
    t.equal(cubic.run.code, 0, cubic.run.stderr);
    t.match(cubic.result, { verifiedBodyBytes: 200_000 });
  });

  await t.test('SIGTERM: the server closes its connections, writes their qlogs and exits 0, leaving nothing', async (t) => {
    const pid = server?.child.pid;
    await server?.stop(5000);
    t.same(await server?.exited, { code: 0, signal: null }, 'exit 0');
    t.same(await processesNaming(`${dir.split('/').at(-1)}`), [], 'no process left');
    t.notOk(pid !== undefined && (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => null)) !== null, 'the server process is gone');
    const qlogs = (await readdir(serverQlogDir)).filter((name) => name.endsWith('.qlog'));
    t.equal(qlogs.length, connections, 'one server qlog per connection');
    const keyLines = (await readFile(serverKeylog, 'utf8')).trim().split('\n');
    t.ok(keyLines.length > 0 && keyLines.every((line) => KEYLOG_LINE.test(line)), 'the server logs its secrets too');
  });
}
