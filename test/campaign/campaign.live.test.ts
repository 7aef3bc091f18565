// A campaign end to end on the lab, as a real process: two scenarios on two links (a profile and
// an explicit link, neither rate-limited: a rate adds seconds of calibration floods to every run), two
// repetitions (8 runs). SIGINT in the middle stops after the run in flight is cleaned up (no
// namespace of the process left, exit 130, the index says which runs are done); --resume
// finishes the rest without redoing a finished run (same run ids, result files untouched), and
// the index lists all 8 runs, each result recording its place in the campaign. The campaign
// directory then goes into the history, and the trend report links every run. One sample a case
// and no packet capture: what is tested is the campaign, not the figures.
// Run under the lab lock: flock /work/lab.flock npx tap test/campaign/campaign.live.test.ts
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { campaignIndexSchema, type CampaignIndex } from '../../harness/campaign/index-file.js';
import { listNamespaces } from '../../harness/lab/namespaces.js';
import { describeConditions } from '../../harness/results/link-description.js';
import { readResult } from '../../harness/results/read.js';

const ROOT = resolve(import.meta.dirname, '../..');

const CAMPAIGN = `name: live-campaign
scenarios:
  - name: handshake
    options: { variants: [quic-h3, tcp-tls-h2] }
  - name: multiplexing
    options: { objects: 2x1KB, variants: [quic-h3-2x1KB, tcp-tls-h2-2x1KB] }
profiles: [lan]
links:
  - { rtt: 40ms }
options: { samples: 1, warmup: 0, capture: false }
repetitions: 2
seed: 5
pauseSeconds: 0
thresholds:
  - handshake:quic-h3 handshakeMs p50 < 2000
  - multiplexing:h3 allDoneMs p50 < 20 x h2
`;

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
  pid: number;
}

/** The built CLI (bin/quic-lab.mjs): it starts in a second where tsx takes three, and the test starts it four times. */
function startCli(args: string[], whenStarted?: (pid: number) => Promise<void>): Promise<Finished> {
  const child = spawn(process.execPath, [join(ROOT, 'bin/quic-lab.mjs'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<Finished>((resolveDone) => child.on('close', (code) => resolveDone({ code, stdout, stderr, pid: child.pid ?? 0 })));
  if (whenStarted) void whenStarted(child.pid ?? 0);
  return done;
}

async function index(dir: string): Promise<CampaignIndex | null> {
  const text = await readFile(join(dir, 'index.json'), 'utf8').catch(() => null);
  return text === null ? null : campaignIndexSchema.parse(JSON.parse(text));
}

t.test('a campaign runs, stops cleanly on SIGINT, and resumes without redoing finished runs', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'campaign-live-'));
  t.teardown(() => rm(work, { recursive: true, force: true }));
  const file = join(work, 'campaign.yaml');
  const dir = join(work, 'out');
  await writeFile(file, CAMPAIGN);

  // First pass: interrupted once two runs are done and the third has started.
  const first = await startCli(['campaign', 'run', file, '--dir', dir], async (pid) => {
    for (let i = 0; i < 600; i++) {
      await sleep(500);
      const current = await index(dir).catch(() => null);
      if (current && current.runs.filter((r) => r.status === 'completed').length >= 2 && current.runs.some((r) => r.status === 'running')) {
        await sleep(1000); // into the third run's setup (the lab alone takes longer): less of it to redo
        process.kill(pid, 'SIGINT');
        return;
      }
    }
  });
  t.equal(first.code, 130, `interrupted: exit 130 (stderr: ${first.stderr.slice(-500)})`);
  t.same(
    (await listNamespaces()).filter((name) => name.startsWith(`qlab-${first.pid}-`)),
    [],
    'no namespace of the interrupted process is left',
  );
  const interrupted = await index(dir);
  if (!interrupted) throw new Error('no index after the first pass');
  t.equal(interrupted.runs.length, 8);
  t.equal(interrupted.seed, 5);
  const done = interrupted.runs.filter((r) => r.status === 'completed');
  t.ok(done.length >= 2 && done.length < 8, `some runs done (${done.length}), not all`);
  t.equal(interrupted.runs.filter((r) => r.status === 'running').length, 0, 'no run left "running"');
  t.ok(
    interrupted.runs.every((r) => r.status !== 'failed'),
    `no run failed: ${interrupted.runs
      .filter((r) => r.status === 'failed')
      .map((r) => r.error ?? r.exitCode)
      .join('; ')}`,
  );
  t.match(first.stdout, /interrupted: \d of 8 runs done; continue with --resume --dir /);
  const before = new Map<string, { runId: string | undefined; mtimeMs: number }>();
  for (const run of done) before.set(run.key, { runId: run.runId, mtimeMs: (await stat(join(dir, run.resultPath ?? ''))).mtimeMs });

  // Second pass: the rest, in the same order.
  const second = await startCli(['campaign', 'run', file, '--dir', dir, '--resume', '--json']);
  t.equal(second.code, 0, `resumed: exit 0 (stderr: ${second.stderr.slice(-500)})`);
  const final = await index(dir);
  if (!final) throw new Error('no index after the resume');
  t.same(
    final.runs.map((r) => r.key),
    interrupted.runs.map((r) => r.key),
    'the same plan',
  );
  t.same(
    final.runs.map((r) => r.status),
    Array(8).fill('completed'),
    'all 8 runs completed',
  );
  for (const [key, was] of before) {
    const run = final.runs.find((r) => r.key === key);
    t.equal(run?.runId, was.runId, `${key}: not run again`);
    t.equal((await stat(join(dir, run?.resultPath ?? ''))).mtimeMs, was.mtimeMs, `${key}: its result file untouched`);
  }
  for (const run of final.runs) {
    const document = await readResult(join(dir, run.resultPath ?? ''));
    t.equal(document.status, 'completed');
    t.equal(document.scenario, run.scenario);
    // The profile's name, or the explicit link's conditions.
    t.same([run.link, document.link.profile ?? describeConditions(document.link)], run.link === 'lan' ? ['lan', 'lan'] : ['rtt=40ms', 'added round trip 40 ms'], `${run.key}: on its link`);
    t.same(document.trigger, { campaign: 'live-campaign', campaignFile: file, runIndex: run.index, runCount: 8, repetition: run.repetition, scheduledBy: 'manual' });
  }
  const outcome = JSON.parse(second.stdout) as { exitCode: number; thresholds: Array<{ threshold: string; status: string; series: Array<{ values: unknown[] }> }> };
  t.equal(outcome.exitCode, 0);
  t.same(
    outcome.thresholds.map((r) => [r.threshold, r.status, r.series.length, r.series.map((s) => s.values.length)]),
    [
      ['handshake:quic-h3 handshakeMs p50 < 2000', 'pass', 2, [2, 2]],
      ['multiplexing:h3 allDoneMs p50 < 20 x h2', 'pass', 2, [2, 2]],
    ],
    'each threshold over both links, two runs each, the interrupted pass included',
  );

  // The history of the campaign: every run a point, every run linked from the trend report.
  const db = join(dir, 'history.sqlite');
  const ingest = await startCli(['history', 'ingest', dir, '--db', db]);
  t.equal(ingest.code, 0, ingest.stderr);
  // The interrupted run's aborted result is a run of the history too (samples or none) when
  // the SIGINT came past its setup: on a link without a rate, setup can end within the second
  // waited. A SIGINT during setup writes no result ("nothing was measured").
  let partial = 0;
  for (const name of (await readdir(dir, { recursive: true })).filter((n) => n.endsWith('.json') && !n.endsWith('index.json'))) {
    const document = await readResult(join(dir, name)).catch(() => null);
    if (document?.status === 'aborted') partial++;
  }
  t.ok(partial <= 1, `at most the one interrupted run is aborted (${partial})`);
  const runs = 8 + partial;
  t.match(ingest.stdout, new RegExp(`runs ${runs} added, 0 replaced, 0 unchanged, \\d+ skipped; the index holds ${runs} runs`));
  const trends = join(dir, 'trends.html');
  const report = await startCli(['history', 'report', '--db', db, '--out', trends, '--campaign', file]);
  t.equal(report.code, 0, report.stderr);
  const html = await readFile(trends, 'utf8');
  for (const run of final.runs) t.ok(html.includes(`xlink:href="${encodeURI(run.runId ?? '')}.html"`), `${run.key}: its run report linked from the trend report`);
  t.ok(html.includes('handshake:quic-h3 handshakeMs p50 &lt; 2000'), 'the absolute threshold drawn');
});
