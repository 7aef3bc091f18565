// Result files into the history index. Each argument is a result file or a directory: a
// directory gives its *.json files and those of its subdirectories (a campaign's directory
// under results/, say), at most MAX_DIRECTORY_DEPTH levels down, symbolic links to
// directories and dot-directories not followed. A file that is not a readable result is
// skipped with its reason; the others still go in. The environment of each run comes from
// its document, never from its file name.
import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { readResult, ResultFileError } from '../results/read.js';
import { reportPathsFor } from '../results/write.js';
import type { ScenarioLookup } from '../results/migrate.js';
import type { ResultDocument } from '../results/schema.js';
import { pointsOfRun } from './run-points.js';
import type { HistoryStore, RunChange, RunRecord } from './store.js';

export const MAX_DIRECTORY_DEPTH = 3;

export interface SkippedFile {
  path: string;
  reason: string;
}

export interface IngestSummary {
  files: number;
  added: number;
  replaced: number;
  unchanged: number;
  skipped: SkippedFile[];
  /** In the index after the ingest. */
  runs: number;
  series: number;
  points: number;
}

async function jsonFilesUnder(dir: string, depth: number, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isFile() && entry.name.toLowerCase().endsWith('.json')) out.push(path);
    else if (entry.isDirectory() && !entry.name.startsWith('.') && depth < MAX_DIRECTORY_DEPTH) await jsonFilesUnder(path, depth + 1, out);
  }
}

/** The files the arguments name, absolute, each once; an argument that is neither a file nor a directory is skipped. */
export async function resultFilesOf(paths: readonly string[]): Promise<{ files: string[]; skipped: SkippedFile[] }> {
  const files: string[] = [];
  const skipped: SkippedFile[] = [];
  for (const path of paths) {
    const info = await stat(path).catch((error: NodeJS.ErrnoException) => error);
    if (info instanceof Error) skipped.push({ path, reason: `cannot read (${info.code ?? info.message})` });
    else if (info.isDirectory()) await jsonFilesUnder(resolve(path), 0, files);
    else files.push(resolve(path));
  }
  return { files: [...new Set(files)], skipped };
}

/** The stored run: its environment as the document records it; `trigger` read as opaque JSON when a campaign added it. */
export function runRecordOf(document: ResultDocument, path: string, reportPath: string | null): RunRecord {
  return {
    runId: document.runId,
    path,
    reportPath,
    contentSha256: createHash('sha256').update(JSON.stringify(document)).digest('hex'),
    scenario: document.scenario,
    startedAt: document.startedAt,
    finishedAt: document.finishedAt,
    status: document.status,
    host: document.host,
    link: document.link,
    options: document.options,
    toolVersion: document.tool.version,
    toolCommit: document.tool.gitCommit,
    trigger: document.trigger ?? null,
  };
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isFile() ?? false;
}

/** The HTML report written beside a result JSON, when there is one. */
async function reportBeside(jsonPath: string): Promise<string | null> {
  const { html } = reportPathsFor(jsonPath);
  return (await isFile(html)) ? html : null;
}

export async function ingestPaths(store: HistoryStore, paths: readonly string[], known?: ScenarioLookup): Promise<IngestSummary> {
  const { files, skipped } = await resultFilesOf(paths);
  const changes: Record<RunChange, number> = { added: 0, replaced: 0, unchanged: 0 };
  for (const path of files) {
    let document: ResultDocument;
    try {
      document = await readResult(path, known);
    } catch (error) {
      if (!(error instanceof ResultFileError)) throw error;
      skipped.push({ path, reason: error.message.startsWith(`${path}: `) ? error.message.slice(path.length + 2) : error.message });
      continue;
    }
    const run = runRecordOf(document, path, await reportBeside(path));
    // An unchanged run costs no bootstrap: its points are already in. So is a copy of a run
    // already read from another file that is still there (a run written to two places):
    // otherwise each ingest would move the run from one file to the other and back.
    const stored = store.storedFile(run.runId);
    const copy = stored !== undefined && stored.path !== path && stored.contentSha256 === run.contentSha256 && (await isFile(stored.path));
    const change = copy || store.isUnchanged(run) ? 'unchanged' : store.putRun(run, pointsOfRun(document));
    changes[change]++;
  }
  store.dropEmptySeries();
  return { files: files.length, ...changes, skipped, ...store.counts() };
}
