// npm run history -- changes (and report --campaign) on synthetic series of real result files:
// copies of a recorded handshake run whose handshakeMs carries seeded noise of +-3% per run, and
// in one history a 20% step at a known run. The step is found at its run in every series of that
// metric and nothing else moves; an unchanged history raises nothing; acknowledgements, a
// stopped series and bad input behave as the README says.
import t, { type Test } from 'tap';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRandom } from '../../harness/measure/inference.js';
import { runCli } from '../fixtures/run-cli.js';
import { writeRunCopies } from '../fixtures/history-runs.js';
import type { AnalyzedSeries } from '../../harness/history/analyze-index.js';

const RUNS = 20;
const STEP_AT = 10;

async function history(t: Test, name: string, stepFactor: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `qlab-changes-${name}-`));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const random = seededRandom(17);
  const copies = Array.from({ length: RUNS }, (_, i) => ({
    file: `run-${i}.json`,
    runId: `${name}-${String(i).padStart(2, '0')}`,
    startedAt: new Date(Date.UTC(2026, 10, 1, 6 * i)).toISOString(),
    scale: { metric: 'handshakeMs', factor: (1 + (random() - 0.5) * 0.06) * (i >= STEP_AT ? stepFactor : 1) },
  }));
  await writeRunCopies(dir, copies);
  const db = join(dir, 'history.sqlite');
  const ingest = await runCli(['history', 'ingest', dir, '--db', db]);
  t.equal(ingest.code, 0, ingest.stderr);
  return db;
}

async function changes(args: string[]): Promise<{ code: number; stdout: string; stderr: string; series: AnalyzedSeries[] }> {
  const run = await runCli(['history', 'changes', ...args, '--json']);
  return { ...run, series: run.code === 2 ? [] : (JSON.parse(run.stdout) as { series: AnalyzedSeries[] }).series };
}

t.test('a 20% step in handshakeMs at run 10 is found there, in every handshakeMs series and nowhere else', async (t) => {
  const db = await history(t, 'step', 1.2);
  const run = await changes(['--db', db]);
  t.equal(run.code, 1, 'a confirmed regression');
  const changed = run.series.filter((s) => s.analysis.changePoints.length > 0);
  const handshakeSeries = run.series.filter((s) => s.series.metric === 'handshakeMs');
  t.ok(handshakeSeries.length >= 5, `${handshakeSeries.length} handshakeMs series`);
  t.same(changed.map((s) => s.series.seriesId).sort(), handshakeSeries.map((s) => s.series.seriesId).sort(), 'exactly the stepped metric changed');
  for (const s of changed) {
    t.same(
      s.analysis.changePoints.map((c) => [c.index, c.runId, c.kind]),
      [[STEP_AT, `step-${STEP_AT}`, 'regression']],
      `${s.series.caseId}`,
    );
    const [change] = s.analysis.changePoints;
    t.ok(change && change.relativeChange > 0.15 && change.relativeChange < 0.25, `relative change ${change?.relativeChange}`);
  }
  const text = await runCli(['history', 'changes', '--db', db]);
  t.equal(text.code, 1);
  t.match(text.stdout, new RegExp(`^88 series, ${88 * RUNS} points: ${handshakeSeries.length} confirmed regressions \\(`));
  t.match(text.stdout, /\nregression +handshake: /);

  // Acknowledged by scenario, case and metric: listed as acknowledged, and no longer a failure.
  const ack = join(db, '..', 'ack.yaml');
  const entries = handshakeSeries.map((s) => `  - scenario: handshake\n    caseId: ${s.series.caseId}\n    metric: handshakeMs\n    runId: step-${STEP_AT}\n    reason: new congestion window in the server\n`);
  await writeFile(ack, `acknowledgements:\n${entries.join('')}`);
  const acknowledged = await changes(['--db', db, '--ack', ack]);
  t.equal(acknowledged.code, 0, 'every regression acknowledged');
  t.same(
    acknowledged.series.flatMap((s) => s.analysis.changePoints.map((c) => c.acknowledged)),
    handshakeSeries.map(() => 'new congestion window in the server'),
  );
});

t.test('an unchanged history raises no change point, exit 0', async (t) => {
  const db = await history(t, 'flat', 1);
  const run = await changes(['--db', db]);
  t.equal(run.code, 0);
  t.same(
    run.series.flatMap((s) => s.analysis.changePoints),
    [],
  );
  t.same(
    run.series.filter((s) => s.analysis.stoppage !== null),
    [],
    'no period given: no stoppage check',
  );
  // The last point is 2026-11-05 18:00: with a 6 h schedule every series has stopped.
  const stopped = await changes(['--db', db, '--period', '6h']);
  t.equal(stopped.code, 0, 'a stoppage is reported, not a regression');
  t.equal(stopped.series.filter((s) => s.analysis.stoppage?.expectedPeriodMs === 6 * 3_600_000).length, 88);
  const text = await runCli(['history', 'changes', '--db', db, '--period', '6h']);
  t.match(text.stdout, /\ndata stopped +handshake: .*silent [\d.]+ h \(expected a point every 6\.0 h\)/);

  // The report draws the campaign's median thresholds and names those it cannot draw.
  const campaign = join(db, '..', 'c.yaml');
  await writeFile(campaign, 'name: c\nscenarios: [handshake]\nprofiles: [broadband]\nthresholds:\n  - handshake:tcp-tls-h2-resumed handshakeMs p50 < 8\n  - h3 handshakeMs p95 < 100\n');
  const out = join(db, '..', 'trends.html');
  const report = await runCli(['history', 'report', '--db', db, '--out', out, '--campaign', campaign]);
  t.equal(report.code, 0, report.stderr);
  const html = await readFile(out, 'utf8');
  // includes, not match: a failure would print the whole page.
  t.ok(html.includes('handshake:tcp-tls-h2-resumed handshakeMs p50 &lt; 8'), 'the median threshold drawn');
  t.ok(html.includes("not drawn (a point is a run's median; these are on another statistic or relative to another case): h3 handshakeMs p95 &lt; 100"), 'the p95 one named as not drawn');
});

t.test('bad input and no data: one line, exit 2', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'qlab-changes-bad-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const missing = join(dir, 'none.sqlite');
  t.same(await runCli(['history', 'changes', '--db', missing]), { code: 2, stdout: '', stderr: `error: ${missing}: no history index (build it: npm run history -- ingest results/)\n` });
  const ack = join(dir, 'ack.yaml');
  await writeFile(ack, 'acknowledgements:\n  - runId: r1\n');
  const bad = await runCli(['history', 'changes', '--db', missing, '--ack', ack]);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /^error: --ack: .*ack\.yaml:2/);
  const period = await runCli(['history', 'changes', '--db', missing, '--period', 'often']);
  t.equal(period.code, 2);
  t.match(period.stderr, /^error: --period: "often" is not a duration/);
});
