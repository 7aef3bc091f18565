// The history index: an SQLite file of runs, series and points, built from result files by
// ingest.ts. The files stay the source of truth and the index is a cache of them: it is never
// migrated. Its schema version is SQLite's user_version; opened for ingest with another
// version, the index is dropped and rebuilt (it holds nothing the files do not), and the
// notice says so, since only the files ingested now are in it afterwards. Opened for reading
// (series, report), a mismatch is refused with "re-ingest": a reader never destroys the index.
import Database from 'better-sqlite3';
import type { SeriesIdentity, SeriesPoint } from './types.js';

/** Bump on any change to the tables below: older indexes are then rebuilt by re-ingesting. */
export const HISTORY_SCHEMA_VERSION = 2;

export class HistoryStoreError extends Error {}

const TABLES = `
CREATE TABLE runs (
  run_id TEXT PRIMARY KEY,
  path TEXT NOT NULL,
  report_path TEXT,
  content_sha256 TEXT NOT NULL,
  scenario TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL,
  status TEXT NOT NULL,
  host_json TEXT NOT NULL,
  link_json TEXT NOT NULL,
  options_json TEXT NOT NULL,
  tool_version TEXT NOT NULL,
  tool_commit TEXT,
  trigger_json TEXT
);
CREATE INDEX runs_path ON runs (path);
CREATE TABLE series (
  series_id TEXT PRIMARY KEY,
  scenario TEXT NOT NULL,
  case_id TEXT NOT NULL,
  application TEXT NOT NULL,
  profile TEXT NOT NULL,
  parameters_json TEXT NOT NULL,
  client_implementation TEXT NOT NULL,
  client_version TEXT NOT NULL,
  server_implementation TEXT NOT NULL,
  server_version TEXT NOT NULL,
  hostname TEXT NOT NULL,
  metric TEXT NOT NULL,
  unit TEXT NOT NULL,
  better TEXT NOT NULL
);
CREATE TABLE points (
  series_id TEXT NOT NULL REFERENCES series (series_id) ON DELETE CASCADE,
  run_id TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
  median REAL NOT NULL,
  low REAL,
  high REAL,
  n INTEGER NOT NULL,
  PRIMARY KEY (series_id, run_id)
);
CREATE INDEX points_run ON points (run_id);
`;

/** A run as stored: the environment from its document, JSON where it is nested. */
export interface RunRecord {
  runId: string;
  path: string;
  reportPath: string | null;
  contentSha256: string;
  scenario: string;
  startedAt: string;
  finishedAt: string;
  status: string;
  host: unknown;
  link: unknown;
  options: unknown;
  toolVersion: string;
  toolCommit: string | null;
  /** What scheduled the run (a campaign's `trigger`), when the result says. */
  trigger: unknown;
}

export interface PointRecord {
  series: SeriesIdentity;
  median: number;
  low: number | null;
  high: number | null;
  n: number;
}

export type SeriesListing = SeriesIdentity & { pointCount: number; lastStartedAt: string };

export type RunChange = 'added' | 'replaced' | 'unchanged';

interface SeriesRow {
  series_id: string;
  scenario: string;
  case_id: string;
  application: SeriesIdentity['application'];
  profile: string;
  parameters_json: string;
  client_implementation: string;
  client_version: string;
  server_implementation: string;
  server_version: string;
  hostname: string;
  metric: string;
  unit: SeriesIdentity['unit'];
  better: SeriesIdentity['better'];
}

function identityOf(row: SeriesRow): SeriesIdentity {
  return {
    seriesId: row.series_id,
    scenario: row.scenario,
    caseId: row.case_id,
    application: row.application,
    profile: row.profile,
    parameters: JSON.parse(row.parameters_json) as SeriesIdentity['parameters'],
    client: { implementation: row.client_implementation, version: row.client_version },
    server: { implementation: row.server_implementation, version: row.server_version },
    hostname: row.hostname,
    metric: row.metric,
    unit: row.unit,
    better: row.better,
  };
}

const json = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));

export class HistoryStore {
  private constructor(private readonly db: Database.Database) {}

  /** For ingest: created when missing; an index of another schema version is dropped and rebuilt (`onNotice` says so). */
  static openForWrite(path: string, onNotice: (line: string) => void = () => {}): HistoryStore {
    let db: Database.Database;
    try {
      db = new Database(path);
    } catch (error) {
      throw new HistoryStoreError(`${path}: cannot open or create the history index (${error instanceof Error ? error.message : String(error)})`);
    }
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    const version = db.pragma('user_version', { simple: true }) as number;
    const tables = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").all();
    if (version !== HISTORY_SCHEMA_VERSION || tables.length === 0) {
      if (tables.length > 0) {
        onNotice(`${path}: history index schema version ${version}, this tool's is ${HISTORY_SCHEMA_VERSION}: dropped and rebuilt from the files ingested now (ingest any other directories again)`);
        db.pragma('foreign_keys = OFF');
        db.transaction(() => {
          for (const { name } of tables) db.exec(`DROP TABLE IF EXISTS "${name.replace(/"/g, '""')}"`);
        })();
        db.pragma('foreign_keys = ON');
      }
      db.transaction(() => {
        db.exec(TABLES);
        db.pragma(`user_version = ${HISTORY_SCHEMA_VERSION}`);
      })();
    }
    return new HistoryStore(db);
  }

  /** For queries: the index must exist and be of this schema version. */
  static openForRead(path: string): HistoryStore {
    let db: Database.Database;
    try {
      db = new Database(path, { readonly: true, fileMustExist: true });
    } catch {
      throw new HistoryStoreError(`${path}: no history index (build it: npm run history -- ingest results/)`);
    }
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version !== HISTORY_SCHEMA_VERSION) {
      db.close();
      throw new HistoryStoreError(`${path}: history index schema version ${version}, this tool reads ${HISTORY_SCHEMA_VERSION}: re-ingest (npm run history -- ingest DIR... rebuilds it from the result files)`);
    }
    return new HistoryStore(db);
  }

  close(): void {
    this.db.close();
  }

  /** Where a stored run was read from, and its content's hash. */
  storedFile(runId: string): { path: string; contentSha256: string } | undefined {
    const row = this.db.prepare<[string], { path: string; content_sha256: string }>('SELECT path, content_sha256 FROM runs WHERE run_id = ?').get(runId);
    return row && { path: row.path, contentSha256: row.content_sha256 };
  }

  /** Whether this run is already in, from the same file with the same content and report: ingest then skips computing its points. */
  isUnchanged(run: Pick<RunRecord, 'runId' | 'contentSha256' | 'path' | 'reportPath'>): boolean {
    const row = this.db.prepare<[string], { content_sha256: string; path: string; report_path: string | null }>('SELECT content_sha256, path, report_path FROM runs WHERE run_id = ?').get(run.runId);
    return row !== undefined && row.content_sha256 === run.contentSha256 && row.path === run.path && row.report_path === run.reportPath;
  }

  /**
   * Puts a run and its points in, in one transaction: a run of the same id, or another run
   * earlier read from the same path (the file was rewritten), is replaced with its points.
   */
  putRun(run: RunRecord, points: readonly PointRecord[]): RunChange {
    return this.db.transaction((): RunChange => {
      if (this.isUnchanged(run)) return 'unchanged';
      const existing = this.db.prepare('SELECT 1 FROM runs WHERE run_id = ?').get(run.runId);
      const displaced = this.db.prepare('DELETE FROM runs WHERE path = ? AND run_id != ?').run(run.path, run.runId).changes;
      if (existing) this.db.prepare('DELETE FROM runs WHERE run_id = ?').run(run.runId);
      this.db
        .prepare(
          `INSERT INTO runs (run_id, path, report_path, content_sha256, scenario, started_at, finished_at, status, host_json, link_json, options_json, tool_version, tool_commit, trigger_json)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          run.runId,
          run.path,
          run.reportPath,
          run.contentSha256,
          run.scenario,
          run.startedAt,
          run.finishedAt,
          run.status,
          json(run.host),
          json(run.link),
          json(run.options),
          run.toolVersion,
          run.toolCommit,
          json(run.trigger),
        );
      const putSeries = this.db.prepare(
        `INSERT INTO series (series_id, scenario, case_id, application, profile, parameters_json, client_implementation, client_version, server_implementation, server_version, hostname, metric, unit, better)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (series_id) DO UPDATE SET unit = excluded.unit, better = excluded.better`,
      );
      const putPoint = this.db.prepare('INSERT INTO points (series_id, run_id, median, low, high, n) VALUES (?, ?, ?, ?, ?, ?)');
      for (const { series: s, median, low, high, n } of points) {
        putSeries.run(
          s.seriesId,
          s.scenario,
          s.caseId,
          s.application,
          s.profile,
          JSON.stringify(s.parameters),
          s.client.implementation,
          s.client.version,
          s.server.implementation,
          s.server.version,
          s.hostname,
          s.metric,
          s.unit,
          s.better,
        );
        putPoint.run(s.seriesId, run.runId, median, low, high, n);
      }
      return existing || displaced > 0 ? 'replaced' : 'added';
    })();
  }

  /** Drops series left with no point (their runs were replaced by ones without that metric). */
  dropEmptySeries(): number {
    return this.db.prepare('DELETE FROM series WHERE series_id NOT IN (SELECT DISTINCT series_id FROM points)').run().changes;
  }

  counts(): { runs: number; series: number; points: number } {
    const count = (table: string) => (this.db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return { runs: count('runs'), series: count('series'), points: count('points') };
  }

  /** Every series, ordered by scenario, case, profile, host, metric, with its number of points. */
  seriesList(): SeriesListing[] {
    const rows = this.db
      .prepare<[], SeriesRow & { point_count: number; last_started_at: string }>(
        `SELECT s.*, count(p.run_id) AS point_count, max(r.started_at) AS last_started_at
         FROM series s JOIN points p ON p.series_id = s.series_id JOIN runs r ON r.run_id = p.run_id
         GROUP BY s.series_id
         ORDER BY s.scenario, s.case_id, s.profile, s.parameters_json, s.client_implementation, s.client_version, s.server_implementation, s.server_version, s.hostname, s.metric`,
      )
      .all();
    return rows.map((row) => ({ ...identityOf(row), pointCount: row.point_count, lastStartedAt: row.last_started_at }));
  }

  /** A series' points, oldest first (by the run's start, then its id). */
  pointsOf(seriesId: string): SeriesPoint[] {
    return this.db
      .prepare<[string], { run_id: string; started_at: string; median: number; low: number | null; high: number | null; n: number; path: string; report_path: string | null }>(
        `SELECT p.run_id, r.started_at, p.median, p.low, p.high, p.n, r.path, r.report_path
         FROM points p JOIN runs r ON r.run_id = p.run_id WHERE p.series_id = ? ORDER BY r.started_at, r.run_id`,
      )
      .all(seriesId)
      .map((row) => ({ runId: row.run_id, startedAt: row.started_at, median: row.median, low: row.low, high: row.high, n: row.n, resultPath: row.path, reportPath: row.report_path }));
  }

  /** A stored run, its JSON columns parsed (trigger null when the result had none). */
  run(runId: string): RunRecord | undefined {
    const row = this.db.prepare<[string], Record<string, string | null>>('SELECT * FROM runs WHERE run_id = ?').get(runId);
    if (!row) return undefined;
    const parse = (text: string | null | undefined): unknown => (text === null || text === undefined ? null : JSON.parse(text));
    return {
      runId: row.run_id as string,
      path: row.path as string,
      reportPath: row.report_path ?? null,
      contentSha256: row.content_sha256 as string,
      scenario: row.scenario as string,
      startedAt: row.started_at as string,
      finishedAt: row.finished_at as string,
      status: row.status as string,
      host: parse(row.host_json),
      link: parse(row.link_json),
      options: parse(row.options_json),
      toolVersion: row.tool_version as string,
      toolCommit: row.tool_commit ?? null,
      trigger: parse(row.trigger_json),
    };
  }
}
