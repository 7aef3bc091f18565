// Ingesting real result files (copies of a recorded handshake run) into the history index:
// what goes in, exactly; twice is once; a changed file replaces its run; a bad file is
// skipped with its reason while the others go in; directories are walked as documented.
import t, { type Test } from 'tap';
import Database from 'better-sqlite3';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findScenario } from '../../scenarios/index.js';
import { ingestPaths, resultFilesOf, runRecordOf } from '../../harness/history/ingest.js';
import { HistoryStore } from '../../harness/history/store.js';
import { bootstrapMedian } from '../../harness/measure/inference.js';
import { readResult } from '../../harness/results/read.js';
import { handshakeRunCopy, writeRunCopies } from '../fixtures/history-runs.js';

async function tempDir(t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'qlab-history-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Every row of every table, in a stable order: what "the same index" means. */
function dump(dbPath: string): Record<string, unknown[]> {
  const db = new Database(dbPath, { readonly: true });
  try {
    return {
      runs: db.prepare('SELECT * FROM runs ORDER BY run_id').all(),
      series: db.prepare('SELECT * FROM series ORDER BY series_id').all(),
      points: db.prepare('SELECT * FROM points ORDER BY series_id, run_id').all(),
    };
  } finally {
    db.close();
  }
}

const RUNS = [
  // Named against their order in time: the order comes from the documents, not from the names.
  { file: 'c.json', runId: 'handshake-a', startedAt: '2026-12-01T06:00:00.000Z' },
  { file: 'b.json', runId: 'handshake-b', startedAt: '2026-12-01T12:00:00.000Z' },
  { file: 'a.json', runId: 'handshake-c', startedAt: '2026-12-01T18:00:00.000Z', scale: { metric: 'handshakeMs', factor: 2 } },
];

/** The TCP+TLS resumed handshake series of the fixture run (its id is a hash: stable across re-ingests and machines). */
const RESUMED_TCP_HANDSHAKE = 'cf6d136e5f307490';

t.test('three runs: every case and metric with ok samples is a series, one point per run, ordered by start', async (t) => {
  const dir = await tempDir(t);
  await writeRunCopies(dir, RUNS);
  const store = HistoryStore.openForWrite(join(dir, 'history.sqlite'));
  t.teardown(() => store.close());
  const summary = await ingestPaths(store, [dir], findScenario);
  // 5 of the run's 6 cases have ok samples (tcp-tls-h2-0rtt has none): 17 + 17 + 18 + 18 + 18 metrics.
  t.same(summary, { files: 3, added: 3, replaced: 0, unchanged: 0, skipped: [], runs: 3, series: 88, points: 264 });
  const series = store.seriesList().find((s) => s.seriesId === RESUMED_TCP_HANDSHAKE);
  t.same(series, {
    seriesId: RESUMED_TCP_HANDSHAKE,
    scenario: 'handshake',
    caseId: 'tcp-tls-h2-resumed',
    application: 'h2',
    profile: 'loopback',
    parameters: { bodyBytes: 1000, session: 'resumed' },
    client: { implementation: 'undici', version: '7.30.2' },
    server: { implementation: 'node', version: '20.20.2' },
    hostname: 'vm',
    metric: 'handshakeMs',
    unit: 'ms',
    better: 'lower',
    pointCount: 3,
    lastStartedAt: '2026-12-01T18:00:00.000Z',
  });
  const points = store.pointsOf(RESUMED_TCP_HANDSHAKE);
  t.same(
    points.map((p) => [p.runId, p.startedAt, p.resultPath, p.reportPath, p.n]),
    [
      ['handshake-a', '2026-12-01T06:00:00.000Z', join(dir, 'c.json'), null, 2],
      ['handshake-b', '2026-12-01T12:00:00.000Z', join(dir, 'b.json'), null, 2],
      ['handshake-c', '2026-12-01T18:00:00.000Z', join(dir, 'a.json'), null, 2],
    ],
  );
  // The run's two samples were 11.173671 and 1.60495 ms: the median is their mean, and the
  // interval the seeded bootstrap's (with two samples, the two values themselves).
  const values = [11.173671000000013, 1.604949999999917];
  const interval = bootstrapMedian(values, { seed: 1, resamples: 2000, confidence: 0.95 });
  t.same([points[0]?.median, points[0]?.low, points[0]?.high], [interval.estimate, interval.low, interval.high]);
  t.equal(points[0]?.median, (11.173671000000013 + 1.604949999999917) / 2);
  t.same([interval.low, interval.high], [1.604949999999917, 11.173671000000013]);
  t.equal(points[2]?.median, points[0]!.median * 2, 'the third run doubled every handshakeMs');
});

t.test('ingesting the same files twice changes nothing', async (t) => {
  const dir = await tempDir(t);
  await writeRunCopies(dir, RUNS);
  const dbPath = join(dir, 'history.sqlite');
  const first = HistoryStore.openForWrite(dbPath);
  await ingestPaths(first, [dir], findScenario);
  first.close();
  const before = dump(dbPath);
  const second = HistoryStore.openForWrite(dbPath);
  const summary = await ingestPaths(second, [dir, join(dir, 'b.json')], findScenario);
  second.close();
  t.same(summary, { files: 3, added: 0, replaced: 0, unchanged: 3, skipped: [], runs: 3, series: 88, points: 264 }, 'a file named twice is read once');
  t.same(dump(dbPath), before);
});

t.test('a changed file replaces its run; a file rewritten with another run replaces the run read from it before', async (t) => {
  const dir = await tempDir(t);
  const [path] = await writeRunCopies(dir, [RUNS[0]!]);
  const store = HistoryStore.openForWrite(join(dir, 'history.sqlite'));
  t.teardown(() => store.close());
  await ingestPaths(store, [dir], findScenario);
  const medianBefore = store.pointsOf(RESUMED_TCP_HANDSHAKE)[0]?.median as number;

  await writeFile(path!, JSON.stringify(handshakeRunCopy({ ...RUNS[0]!, scale: { metric: 'handshakeMs', factor: 3 } })));
  t.same(await ingestPaths(store, [dir], findScenario), { files: 1, added: 0, replaced: 1, unchanged: 0, skipped: [], runs: 1, series: 88, points: 88 });
  t.equal(store.pointsOf(RESUMED_TCP_HANDSHAKE)[0]?.median, medianBefore * 3);

  await writeFile(path!, JSON.stringify(handshakeRunCopy({ runId: 'handshake-z', startedAt: '2026-12-02T00:00:00.000Z' })));
  t.same(await ingestPaths(store, [dir], findScenario), { files: 1, added: 0, replaced: 1, unchanged: 0, skipped: [], runs: 1, series: 88, points: 88 });
  t.same(
    store.pointsOf(RESUMED_TCP_HANDSHAKE).map((p) => [p.runId, p.median]),
    [['handshake-z', medianBefore]],
  );
  t.equal(store.run('handshake-a'), undefined, 'the old run is gone');
});

t.test('a bad file is skipped with its reason, the others still go in', async (t) => {
  const dir = await tempDir(t);
  await writeRunCopies(dir, [RUNS[0]!]);
  await writeFile(join(dir, 'truncated.json'), '{"schemaVersion": 3, "runId"');
  await writeFile(join(dir, 'other.json'), '{"name": "not a result"}');
  await writeFile(join(dir, 'notes.txt'), 'not JSON, not looked at');
  const store = HistoryStore.openForWrite(join(dir, 'history.sqlite'));
  t.teardown(() => store.close());
  const summary = await ingestPaths(store, [dir, join(dir, 'missing.json')], findScenario);
  t.same(summary.skipped, [
    { path: join(dir, 'missing.json'), reason: 'cannot read (ENOENT)' },
    { path: join(dir, 'other.json'), reason: 'not a QUIC lab result (no schemaVersion)' },
    { path: join(dir, 'truncated.json'), reason: 'not JSON (truncated or not a result file)' },
  ]);
  t.same([summary.files, summary.added, summary.runs, summary.series], [3, 1, 1, 88]);
});

t.test('directories: *.json files and subdirectories three levels down, no dot-directories, nothing deeper', async (t) => {
  const dir = await tempDir(t);
  for (const sub of ['campaign/run-1', 'campaign/run-1/a/b', '.hidden']) await mkdir(join(dir, sub), { recursive: true });
  for (const file of ['top.json', 'campaign/c.json', 'campaign/run-1/r.json', 'campaign/run-1/a/deep.json', 'campaign/run-1/a/b/too-deep.json', '.hidden/h.json', 'report.html']) await writeFile(join(dir, file), '{}');
  const { files, skipped } = await resultFilesOf([dir]);
  t.same(files, [join(dir, 'campaign/c.json'), join(dir, 'campaign/run-1/a/deep.json'), join(dir, 'campaign/run-1/r.json'), join(dir, 'top.json')]);
  t.same(skipped, []);
});

t.test("each run's environment comes from its document; the report beside it is linked; a campaign's trigger is kept as JSON", async (t) => {
  const dir = await tempDir(t);
  // A name that says another host and scenario: it is not read.
  const [path] = await writeRunCopies(dir, [{ file: 'throughput-otherhost-20200101.json', runId: 'handshake-env', startedAt: '2026-12-03T00:00:00.000Z' }]);
  await writeFile(join(dir, 'throughput-otherhost-20200101.html'), '<!doctype html>');
  const store = HistoryStore.openForWrite(join(dir, 'history.sqlite'));
  t.teardown(() => store.close());
  await ingestPaths(store, [dir], findScenario);
  const run = store.run('handshake-env');
  const document = await readResult(path!, findScenario);
  t.same(run && { ...run, contentSha256: run.contentSha256.length }, {
    runId: 'handshake-env',
    path,
    reportPath: join(dir, 'throughput-otherhost-20200101.html'),
    contentSha256: 64,
    scenario: 'handshake',
    startedAt: '2026-12-03T00:00:00.000Z',
    finishedAt: '2026-12-03T00:00:00.000Z',
    status: document.status,
    host: document.host,
    link: document.link,
    options: document.options,
    toolVersion: document.tool.version,
    toolCommit: document.tool.gitCommit,
    trigger: null,
  });
  t.equal((run?.host as { hostname: string }).hostname, 'vm');
  t.equal(store.pointsOf(RESUMED_TCP_HANDSHAKE)[0]?.reportPath, join(dir, 'throughput-otherhost-20200101.html'));

  // The campaign helper adds `trigger` to results; until the schema has it, it is read as opaque JSON.
  const trigger = { campaign: 'nightly', scheduledBy: 'cron 0 */6 * * *' };
  const triggered = runRecordOf({ ...document, runId: 'handshake-triggered', trigger } as typeof document, join(dir, 'x.json'), null);
  t.equal(store.putRun(triggered, []), 'added');
  t.same(store.run('handshake-triggered')?.trigger, trigger);
});

t.test('a run written to two places is one run, read from the first; once that file is gone, from the other', async (t) => {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'copy'));
  const [first] = await writeRunCopies(dir, [RUNS[0]!]);
  const [second] = await writeRunCopies(join(dir, 'copy'), [RUNS[0]!]);
  const store = HistoryStore.openForWrite(join(dir, 'history.sqlite'));
  t.teardown(() => store.close());
  t.same([(await ingestPaths(store, [dir], findScenario)).added, store.run('handshake-a')?.path], [1, first], 'c.json comes before copy/ in the walk');
  const again = await ingestPaths(store, [dir], findScenario);
  t.same([again.added, again.replaced, again.unchanged, again.runs], [0, 0, 2, 1]);
  await rm(first!);
  const moved = await ingestPaths(store, [dir], findScenario);
  t.same([moved.replaced, store.run('handshake-a')?.path], [1, second]);
});
