// The index's own rules: a schema version of its own, an index of another version rebuilt on
// ingest (and said so) but refused to readers, a missing index refused, series left without
// points dropped.
import t, { type Test } from 'tap';
import Database from 'better-sqlite3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findScenario } from '../../scenarios/index.js';
import { ingestPaths, runRecordOf } from '../../harness/history/ingest.js';
import { pointsOfRun } from '../../harness/history/run-points.js';
import { HISTORY_SCHEMA_VERSION, HistoryStore, HistoryStoreError } from '../../harness/history/store.js';
import { readResult } from '../../harness/results/read.js';
import { writeRunCopies } from '../fixtures/history-runs.js';

async function tempDir(t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'qlab-history-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function userVersion(path: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return db.pragma('user_version', { simple: true }) as number;
  } finally {
    db.close();
  }
}

t.test('a new index has the schema version and empty tables', async (t) => {
  const path = join(await tempDir(t), 'history.sqlite');
  const store = HistoryStore.openForWrite(path);
  t.same(store.counts(), { runs: 0, series: 0, points: 0 });
  t.same(store.seriesList(), []);
  store.close();
  t.equal(userVersion(path), HISTORY_SCHEMA_VERSION);
  t.equal(HISTORY_SCHEMA_VERSION, 2);
});

t.test('a schema-version mismatch: readers refuse and say to re-ingest; ingest drops, rebuilds and says so', async (t) => {
  const dir = await tempDir(t);
  await writeRunCopies(dir, [{ file: 'r.json', runId: 'handshake-1', startedAt: '2026-12-01T00:00:00.000Z' }]);
  const path = join(dir, 'history.sqlite');
  const store = HistoryStore.openForWrite(path);
  await ingestPaths(store, [dir], findScenario);
  store.close();
  // An index an older tool wrote: another version, another table.
  const db = new Database(path);
  db.exec('CREATE TABLE legacy (x INTEGER)');
  db.pragma('user_version = 7');
  db.close();

  t.throws(() => HistoryStore.openForRead(path), new HistoryStoreError(`${path}: history index schema version 7, this tool reads 2: re-ingest (npm run history -- ingest DIR... rebuilds it from the result files)`));
  t.equal(userVersion(path), 7, 'a reader leaves it as it was');

  const notices: string[] = [];
  const rebuilt = HistoryStore.openForWrite(path, (line) => notices.push(line));
  t.same(notices, [`${path}: history index schema version 7, this tool's is 2: dropped and rebuilt from the files ingested now (ingest any other directories again)`]);
  t.same(rebuilt.counts(), { runs: 0, series: 0, points: 0 }, 'the old rows are gone');
  const summary = await ingestPaths(rebuilt, [dir], findScenario);
  t.same([summary.added, summary.runs, summary.series], [1, 1, 88]);
  rebuilt.close();
  t.equal(userVersion(path), HISTORY_SCHEMA_VERSION);
  const tables = new Database(path, { readonly: true });
  t.same(
    tables
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all()
      .map((r) => (r as { name: string }).name),
    ['points', 'runs', 'series'],
  );
  tables.close();
  const reader = HistoryStore.openForRead(path);
  t.equal(reader.seriesList().length, 88);
  reader.close();
});

t.test('no index yet: readers say how to build one', async (t) => {
  const path = join(await tempDir(t), 'none.sqlite');
  t.throws(() => HistoryStore.openForRead(path), new HistoryStoreError(`${path}: no history index (build it: npm run history -- ingest results/)`));
});

t.test('a run replaced by one without a metric leaves no empty series behind', async (t) => {
  const dir = await tempDir(t);
  const [path] = await writeRunCopies(dir, [{ file: 'r.json', runId: 'handshake-1', startedAt: '2026-12-01T00:00:00.000Z' }]);
  const store = HistoryStore.openForWrite(join(dir, 'history.sqlite'));
  t.teardown(() => store.close());
  const document = await readResult(path!, findScenario);
  const points = pointsOfRun(document);
  t.equal(store.putRun(runRecordOf(document, path!, null), points), 'added');
  const kept = points.filter((p) => p.series.metric !== 'handshakeMs');
  t.equal(store.putRun({ ...runRecordOf(document, path!, null), contentSha256: 'changed' }, kept), 'replaced');
  t.same(store.counts(), { runs: 1, series: 88, points: 83 });
  t.equal(store.dropEmptySeries(), 5, 'the five handshakeMs series');
  t.same(store.counts(), { runs: 1, series: 83, points: 83 });
  t.notOk(store.seriesList().some((s) => s.metric === 'handshakeMs'));
});
