// Scenarios against a "remote" target: Caddy serving the lab's bodies in a namespace this test
// creates, reached from this host only by routing (a veth, 198.19.252.0/30), its name given by
// --resolve. Directly: handshake and throughput run every case against it and record the
// target; a plan over --max-bytes and an unreachable target are refused before any sample.
// Through the lab (--via-lab): the emulated 40 ms shows up in the round trips. A campaign that
// lists the target measures it on each run. Nothing is left behind. Throughput and
// multiplexing take one sample a case: each body is checked byte for byte, and the bounds
// through the lab (the handshake's emulated round trip, 1MB's slow start) hold for any one
// sample; the handshake keeps three for the medians it bounds from above.
import t from 'tap';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { CaddyServerOptions } from '../../harness/endpoints/caddy/server.js';
import { projectPath } from '../../harness/project-root.js';
import { createNamespace, deleteNamespace, ip, listNamespaces } from '../../harness/lab/namespaces.js';
import { ensurePki } from '../../harness/pki/store.js';
import { runCleanups } from '../../harness/process/cleanup.js';
import type { ResultDocument } from '../../harness/results/schema.js';
import { campaignIndexSchema } from '../../harness/campaign/index-file.js';
import { runCli } from '../fixtures/run-cli.js';

const REMOTE = `qlab-target-${process.pid}-r`;
const HOST_DEVICE = `qtgt${process.pid % 100000}`;
const HOST_ADDRESS = '198.19.252.1';
const REMOTE_ADDRESS = '198.19.252.2';
const NAME = 'server.lab.example';

if (process.getuid?.() !== 0) throw new Error('needs root (network namespaces)');

const dir = await mkdtemp(join(tmpdir(), 'qlab-target-'));
const pki = await ensurePki({}, join(dir, 'pki'));
let caddy: { port: number; stop(): Promise<void> } | undefined;
t.teardown(async () => {
  await caddy?.stop();
  await runCleanups();
  await ip(['link', 'del', HOST_DEVICE]).catch(() => {});
  await deleteNamespace(REMOTE).catch(() => {});
  await rm(dir, { recursive: true, force: true });
});

await createNamespace(REMOTE);
await ip(['link', 'add', HOST_DEVICE, 'type', 'veth', 'peer', 'name', 'tgt0']);
await ip(['link', 'set', 'tgt0', 'netns', REMOTE]);
await ip(['addr', 'add', `${HOST_ADDRESS}/30`, 'dev', HOST_DEVICE]);
await ip(['link', 'set', HOST_DEVICE, 'up']);
await ip(['addr', 'add', `${REMOTE_ADDRESS}/30`, 'dev', 'tgt0'], REMOTE);
await ip(['link', 'set', 'tgt0', 'up'], REMOTE);
await ip(['link', 'set', 'lo', 'up'], REMOTE);
// Caddy in a process of its own (see test/fixtures/target-caddy-main.ts): the CLI runs in this one.
const caddyOptions: CaddyServerOptions = { tls: pki.material, host: REMOTE_ADDRESS, netns: REMOTE, bodySizes: [1000, 1_000_000] };
caddy = await startCaddyProcess(caddyOptions);
const { port } = caddy;
const url = `https://${NAME}:${port}/{bytes}`;
const resolve = `${NAME}:${port}:${REMOTE_ADDRESS}`;

/** Caddy in a child process; stop() closes its stdin and waits (at most 10 s, then SIGKILL). */
async function startCaddyProcess(options: CaddyServerOptions): Promise<{ port: number; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', projectPath('test/fixtures/target-caddy-main.ts'), JSON.stringify(options)], { cwd: projectPath(), stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const stop = async (): Promise<void> => {
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    const line = await new Promise<string>((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`caddy not listening within 30 s: ${stderr}`)), 30_000);
      createInterface({ input: child.stdout }).once('line', (l) => (clearTimeout(timer), done(l)));
      void exited.then(() => (clearTimeout(timer), fail(new Error(`caddy process exited: ${stderr}`))));
    });
    return { port: (JSON.parse(line) as { port: number }).port, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

// The CLI runs in this process (test/fixtures/run-cli.ts): a spawned `node --import tsx` took
// about 1.5 s to start each of the ten runs below.
async function scenario(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; document?: ResultDocument }> {
  const resultsDir = await mkdtemp(join(dir, 'results-'));
  const run = await runCli(['scenario', ...args, '--results-dir', resultsDir, '--json']);
  const files = (await readdir(resultsDir)).filter((f) => f.endsWith('.json'));
  return { code: run.code, stdout: run.stdout, stderr: run.stderr, ...(files.length > 0 ? { document: JSON.parse(run.stdout) as ResultDocument } : {}) };
}

t.test('handshake directly against the target: every case, the target recorded', async (t) => {
  const run = await scenario(['handshake', '--target', url, '--resolve', resolve, '--ca', pki.material.caFile, '--samples', '3', '--warmup', '1']);
  t.equal(run.code, 0, run.stderr);
  const document = run.document as ResultDocument;
  t.equal(document.link.backend, 'direct');
  t.match(document.target, { url, host: NAME, port, address: REMOTE_ADDRESS, resolvedBy: '--resolve', via: 'direct', server: 'Caddy', pathTemplate: '/{bytes}', plannedBodyBytes: 4 * 7 * 1000 });
  t.match(document.target?.altSvc, /h3=":\d+"/);
  t.equal(document.target?.path?.attempts, 10);
  t.equal(document.target?.path?.lossFraction, 0);
  t.equal(document.certificates.chainLength, pki.info.chainLength, "the target's chain is the run's certificates");
  const measured = document.cases.filter((c) => c.unsupported === undefined);
  t.same(
    measured.map((c) => c.id),
    ['tcp-tls-h1', 'tcp-tls-h1-resumed', 'tcp-tls-h2', 'tcp-tls-h2-resumed', 'quic-h3', 'quic-h3-resumed', 'quic-h3-0rtt'],
  );
  for (const c of measured) {
    t.equal(c.server.implementation, 'target', `${c.id}: the target is its server`);
    t.equal(c.server.version, 'Caddy', `${c.id}: its version is the Server header`);
    t.same(
      c.samples.map((s) => [s.status, s.error]),
      [
        ['ok', undefined],
        ['ok', undefined],
        ['ok', undefined],
      ],
      c.id,
    );
    t.equal(c.summary.verifiedBodyBytes?.median, 1000, `${c.id}: the body checked byte for byte`);
  }
});

t.test('throughput directly: 1MB over each protocol, checked', async (t) => {
  const run = await scenario(['throughput', '--target', url, '--resolve', resolve, '--ca', pki.material.caFile, '--sizes', '1MB', '--samples', '1', '--warmup', '0']);
  t.equal(run.code, 0, run.stderr);
  const document = run.document as ResultDocument;
  t.same(
    document.cases.map((c) => [c.id, c.samples.filter((s) => s.status === 'ok').length, c.summary.verifiedBodyBytes?.median]),
    [
      ['tcp-tls-h1-1MB', 1, 1_000_000],
      ['tcp-tls-h2-1MB', 1, 1_000_000],
      ['quic-h3-1MB', 1, 1_000_000],
    ],
  );
  t.equal(document.link.achieved, null, 'no iperf3 reference against a target');
});

t.test('multiplexing directly: a page of small objects over each protocol', async (t) => {
  const run = await scenario(['multiplexing', '--target', url, '--resolve', resolve, '--ca', pki.material.caFile, '--objects', '8x1KB', '--samples', '1', '--warmup', '0']);
  t.equal(run.code, 0, run.stderr);
  for (const c of run.document?.cases ?? []) {
    if (c.unsupported !== undefined) continue;
    t.same(
      c.samples.map((s) => s.error),
      [undefined],
      c.id,
    );
    t.equal(c.server.implementation, 'target');
  }
});

t.test('through the lab: the emulated 40 ms shows in the round trips, the path recorded beside it', async (t) => {
  const run = await scenario(['handshake', '--target', url, '--resolve', resolve, '--ca', pki.material.caFile, '--via-lab', '--rtt', '40ms', '--variants', 'tcp-tls-h2,quic-h3', '--samples', '3', '--warmup', '1']);
  t.equal(run.code, 0, run.stderr);
  const document = run.document as ResultDocument;
  t.equal(document.link.backend, 'emulator');
  t.match(document.target, { via: 'lab', address: REMOTE_ADDRESS, path: { attempts: 10, lossFraction: 0 } });
  const pathMs = document.target?.path?.rttMedianMs ?? Infinity;
  t.ok(pathMs < 5, `the path beyond the emulator is the veth's (${pathMs} ms)`);
  const calibrated = document.link.achieved?.calibration?.rttMedianMs ?? 0;
  t.ok(calibrated >= 39 && calibrated < 45, `calibrated ${calibrated} ms`);
  const median = (id: string, metric: string): number => document.cases.find((c) => c.id === id)?.summary[metric]?.median ?? NaN;
  // QUIC: one round trip to the handshake; TCP+TLS 1.3: two (TCP's, then TLS's).
  t.ok(median('quic-h3', 'handshakeMs') >= 40 && median('quic-h3', 'handshakeMs') < 75, `quic-h3 handshake ${median('quic-h3', 'handshakeMs')} ms`);
  t.ok(median('tcp-tls-h2', 'handshakeMs') >= 80 && median('tcp-tls-h2', 'handshakeMs') < 115, `tcp-tls-h2 handshake ${median('tcp-tls-h2', 'handshakeMs')} ms`);
  t.ok(Math.abs(median('tcp-tls-h2', 'handshakeRoundTrips') - 2) < 0.6, `tcp-tls-h2 ${median('tcp-tls-h2', 'handshakeRoundTrips')} round trips`);

  const throughput = await scenario(['throughput', '--target', url, '--resolve', resolve, '--ca', pki.material.caFile, '--via-lab', '--rtt', '40ms', '--sizes', '1MB', '--samples', '1', '--warmup', '0']);
  t.equal(throughput.code, 0, throughput.stderr);
  for (const c of throughput.document?.cases ?? []) {
    t.equal(c.summary.verifiedBodyBytes?.median, 1_000_000, `${c.id}: 1MB checked`);
    const handshakeMs = c.summary.handshakeMs?.median ?? NaN;
    t.ok(handshakeMs >= 40, `${c.id}: its handshake took the emulated round trip (${handshakeMs} ms)`);
    // A 1MB body needs several round trips of slow start at 40 ms.
    t.ok((c.summary.completionMs?.median ?? 0) > 3 * 40, `${c.id}: completion ${c.summary.completionMs?.median} ms`);
  }
});

t.test('refused before any sample: over --max-bytes, unreachable, untrusted, bad flags', async (t) => {
  const over = await scenario(['throughput', '--target', url, '--resolve', resolve, '--ca', pki.material.caFile, '--sizes', '1MB', '--max-bytes', '10MB']);
  t.equal(over.code, 2);
  t.match(over.stderr, /would move 18MB of bodies .* over --max-bytes 10MB/);
  t.equal(over.document, undefined, 'no result written');
  const closed = await scenario(['handshake', '--target', `https://${NAME}:${port + 1}/{bytes}`, '--resolve', `${NAME}:${port + 1}:${REMOTE_ADDRESS}`, '--ca', pki.material.caFile]);
  t.equal(closed.code, 2);
  t.match(closed.stderr, /is not reachable over TCP/);
  const untrusted = await scenario(['handshake', '--target', url, '--resolve', resolve]);
  t.equal(untrusted.code, 2);
  t.match(untrusted.stderr, /does not verify against \/etc\/ssl\/certs\/ca-certificates.crt/);
  const linkWithoutLab = await scenario(['handshake', '--target', url, '--resolve', resolve, '--rtt', '40ms']);
  t.equal(linkWithoutLab.code, 2);
  t.match(linkWithoutLab.stderr, /need --via-lab/);
});

t.test('a campaign that lists the target: each run measures it, the index and results say so', async (t) => {
  const file = join(dir, 'remote.yaml');
  const campaignDir = join(dir, 'campaign');
  await writeFile(
    file,
    [
      'name: remote-caddy',
      'scenarios: [handshake]',
      'options: { samples: 2, warmup: 0, variants: [quic-h3, tcp-tls-h2] }',
      'repetitions: 2',
      'pauseSeconds: 0',
      'targets:',
      `  - { name: caddy, url: "${url}", resolve: "${resolve}", ca: "${pki.material.caFile}" }`,
      'thresholds:',
      '  - quic-h3 handshakeMs p50 < 1000',
      '',
    ].join('\n'),
  );
  const run = await runCli(['campaign', 'run', file, '--dir', campaignDir, '--json']);
  t.equal(run.code, 0, run.stderr);
  const index = campaignIndexSchema.parse(JSON.parse(await readFile(join(campaignDir, 'index.json'), 'utf8')));
  t.same(
    index.runs.map((r) => [r.key, r.status]),
    [
      ['handshake@direct>caddy#1', 'completed'],
      ['handshake@direct>caddy#2', 'completed'],
    ],
  );
  for (const r of index.runs) {
    const document = JSON.parse(await readFile(join(campaignDir, r.resultPath ?? ''), 'utf8')) as ResultDocument;
    t.match(document, { target: { via: 'direct', address: REMOTE_ADDRESS }, trigger: { campaign: 'remote-caddy' }, link: { backend: 'direct' } });
  }
});

t.test('nothing left behind', async (t) => {
  t.same(
    (await listNamespaces()).filter((n) => n !== REMOTE && n.startsWith('qlab')),
    [],
  );
});
