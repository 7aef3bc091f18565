// The quiche peer (peers/quiche) on loopback: the contract's server and client against each
// other with the lab's PKI, each case bounded by --timeout-ms. Skipped when setup did not build it.
import t from 'tap';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { peerBuilt, peerMissingHint, peerPath } from '../../harness/endpoints/peer-build.js';
import { endpointPkis } from '../fixtures/endpoint-pkis.js';
import { alive } from '../fixtures/leftovers.js';

const BIN = peerPath('quiche', 'bin', 'quiche');
const TIMEOUT_MS = 15_000;

interface ClientRun {
  code: number | null;
  result: Record<string, unknown>;
  stderr: string;
}

function client(args: string[]): Promise<ClientRun> {
  return new Promise((resolve) => {
    execFile(BIN, ['client', '--timeout-ms', String(TIMEOUT_MS), ...args], { timeout: TIMEOUT_MS + 5000 }, (error, stdout, stderr) => {
      const lines = stdout.trim().split('\n');
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, result: JSON.parse(lines.at(-1) || '{}') as Record<string, unknown>, stderr });
    });
  });
}

async function startServer(args: string[]): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(BIN, ['server', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const [line] = (await Promise.race([once(lines, 'line'), once(child, 'exit').then(() => ['exited'])])) as string[];
  const event = JSON.parse(line ?? '{}') as { event?: string; address?: string };
  if (event.event !== 'listening' || !event.address) throw new Error(`server did not start: ${line}`);
  return { child, port: Number(event.address.split(':').at(-1)) };
}

t.test('quiche peer', { skip: peerBuilt('quiche') ? false : peerMissingHint('quiche') }, async (t) => {
  let server: ChildProcess | undefined;
  const { dir, pki, otherPki } = await endpointPkis('quiche-peer', async () => {
    if (server?.exitCode === null) server.kill('SIGKILL');
  });
  const serverQlogs = join(dir, 'server-qlog');
  const serverKeylog = join(dir, 'server-keys.log');
  const started = await startServer(['--listen', '127.0.0.1:0', '--cert', pki.material.chainFile, '--key', pki.material.keyFile, '--qlog-dir', serverQlogs, '--keylog', serverKeylog]);
  server = started.child;
  const base = `https://${pki.material.serverName}:${started.port}`;
  const common = ['--connect', `127.0.0.1:${started.port}`, '--ca', pki.material.caFile];

  await t.test('GET /1000000, verified, with qlog and key log', async (t) => {
    const qlogDir = join(dir, 'client-qlog');
    const keylog = join(dir, 'client-keys.log');
    const { code, result } = await client([...common, '--qlog-dir', qlogDir, '--keylog', keylog, '--progress', `${base}/1000000`]);
    t.equal(code, 0);
    t.equal(result.implementation, 'quiche');
    t.match(result.version, /^0\.\d+\.\d+$/);
    t.equal(result.status, 200);
    t.equal(result.bodyBytes, 1_000_000);
    t.equal(result.verifiedBodyBytes, 1_000_000);
    t.equal(result.alpn, 'h3');
    t.equal(result.quicVersion, '0x00000001');
    t.equal(result.resumed, false);
    t.ok((result.handshakeMs as number) > 0 && (result.handshakeMs as number) <= (result.ttfbMs as number));
    t.ok((result.bodyEndMs as number) <= (result.totalMs as number));
    t.equal((result.progress as [number, number][]).at(-1)?.[1], 1_000_000);
    const qlogs = await readdir(qlogDir);
    t.equal(qlogs.length, 1, 'one qlog for the one connection');
    t.match(await readFile(join(qlogDir, qlogs[0]!), 'utf8'), /"name":"quic:packet_sent"|"name":"transport:packet_sent"/);
    const keys = await readFile(keylog, 'utf8');
    t.match(keys, /^CLIENT_HANDSHAKE_TRAFFIC_SECRET [0-9a-f]+ [0-9a-f]+$/m);
    t.match(keys, /^CLIENT_TRAFFIC_SECRET_0 /m);
  });

  await t.test('a batch of 20 URLs on one connection', async (t) => {
    const urls = Array.from({ length: 20 }, (_, i) => `${base}/${10_000 + i}`);
    const { code, result } = await client([...common, ...urls]);
    t.equal(code, 0);
    const objects = result.objects as { path: string; bytes: number; verifiedBytes: number; completedMs: number }[];
    t.equal(objects.length, 20);
    t.same(
      objects.map((o) => [o.path, o.bytes, o.verifiedBytes]),
      urls.map((_, i) => [`/${10_000 + i}`, 10_000 + i, 10_000 + i]),
    );
    t.equal(result.bodyBytes, 20 * 10_000 + 190);
  });

  await t.test('POST 100000 checked by the server', async (t) => {
    const { code, result } = await client([...common, '--upload-bytes', '100000', '--progress', `${base}/100000`]);
    t.equal(code, 0);
    t.equal(result.status, 200);
    t.equal(result.uploadedBytes, 100_000);
    t.equal((result.progress as [number, number][]).at(-1)?.[1], 100_000);
    const short = await client([...common, '--upload-bytes', '99999', `${base}/100000`]);
    t.equal(short.code, 1, 'a short upload is refused');
    t.equal(short.result.status, 400);
    t.match(short.result.error, /received 99999 bytes/);
  });

  await t.test('Range', async (t) => {
    const { code, result } = await client([...common, '--range-start', '400000', `${base}/1000000`]);
    t.equal(code, 0);
    t.equal(result.status, 206);
    t.equal(result.bodyBytes, 600_000);
    t.equal(result.verifiedBodyBytes, 600_000);
    const past = await client([...common, '--range-start', '1000', `${base}/1000`]);
    t.equal(past.result.status, 416);
    t.equal(past.code, 1);
  });

  await t.test('resumed and early data', async (t) => {
    const resumed = await client([...common, '--session', 'resumed', `${base}/10000`]);
    t.equal(resumed.code, 0);
    t.equal(resumed.result.resumed, true);
    t.equal(resumed.result.earlyDataAccepted, false);
    const early = await client([...common, '--session', 'early-data', `${base}/10000`]);
    t.equal(early.code, 0, early.stderr);
    t.equal(early.result.resumed, true);
    t.equal(early.result.earlyDataAccepted, true);
    t.equal(early.result.verifiedBodyBytes, 10_000);
    // The request left in 0-RTT: its answer arrives before the handshake completes or with it.
    t.ok((early.result.ttfbMs as number) <= (early.result.handshakeMs as number) + 1, `ttfb ${String(early.result.ttfbMs)} handshake ${String(early.result.handshakeMs)}`);
  });

  await t.test('a wrong CA and a wrong name fail the handshake', async (t) => {
    const wrongCa = await client(['--connect', `127.0.0.1:${started.port}`, '--ca', otherPki.material.caFile, `${base}/1000`]);
    t.equal(wrongCa.code, 1);
    t.match(wrongCa.result.error, /certificate/);
    t.equal(wrongCa.result.bodyBytes, 0);
    const wrongName = await client([...common, `https://wrong.lab.example:${started.port}/1000`]);
    t.equal(wrongName.code, 1);
    t.match(wrongName.result.error, /certificate/);
  });

  await t.test('bad command lines exit 2', async (t) => {
    const cc = await client([...common, '--cc', 'bbr', `${base}/1`]);
    t.equal(cc.code, 2);
    t.match(cc.stderr, /cubic, reno, bbr2/);
    for (const name of ['cubic', 'reno', 'bbr2']) {
      const run = await client([...common, '--cc', name, '--initial-rtt-ms', '100', '--max-window-bytes', '4000000', `${base}/200000`]);
      t.equal(run.code, 0, `--cc ${name}`);
    }
  });

  await t.test('IPv6 loopback', async (t) => {
    const v6 = await startServer(['--listen', '[::1]:0', '--cert', pki.material.chainFile, '--key', pki.material.keyFile]);
    t.teardown(() => {
      if (v6.child.exitCode === null) v6.child.kill('SIGKILL');
    });
    const { code, result } = await client(['--connect', `[::1]:${v6.port}`, '--ca', pki.material.caFile, `${base.replace(String(started.port), String(v6.port))}/100000`]);
    t.equal(code, 0);
    t.equal(result.verifiedBodyBytes, 100_000);
    const exited = once(v6.child, 'exit') as Promise<[number | null]>;
    v6.child.kill('SIGINT');
    t.equal((await exited)[0], 0, 'SIGINT stops it too');
  });

  await t.test('the server wrote a qlog per connection and its keys', async (t) => {
    t.ok((await readdir(serverQlogs)).length >= 10);
    t.match(await readFile(serverKeylog, 'utf8'), /^SERVER_TRAFFIC_SECRET_0 /m);
  });

  await t.test('SIGTERM: the server exits 0 and leaves nothing', async (t) => {
    const pid = server.pid!;
    const exited = once(server, 'exit') as Promise<[number | null, string | null]>;
    server.kill('SIGTERM');
    const [code] = await exited;
    t.equal(code, 0);
    t.notOk(alive(pid));
    t.ok((await stat(serverKeylog)).size > 0);
  });
});
