// npm run history -- ingest DIR... | series | report --out FILE: the run history's index
// (history/store.ts) built from result files, listed, and drawn as a trend report.
// Change detection comes in as a function (`analyze`): the report and its "what changed"
// table show what it finds; without one, every series is drawn with no analysis, and said so.
import { Command } from 'commander';
import { dirname, resolve } from 'node:path';
import { findScenario } from '../../scenarios/index.js';
import { writeFileAtomic } from '../files/atomic-write.js';
import { escapeControls } from '../files/terminal-text.js';
import type { HistoryStore } from '../history/store.js';
import type { SeriesAnalysis, SeriesIdentity, SeriesPoint } from '../history/types.js';
import type { TrendThreshold } from '../report/trend-report.js';
import { UsageError } from './usage-error.js';

export type SeriesAnalyzer = (points: readonly SeriesPoint[], better: SeriesIdentity['better']) => SeriesAnalysis;

export interface HistoryCommandDependencies {
  /** Change detection per series; absent, the report has no analysis and says so. */
  analyze?: SeriesAnalyzer;
  /** Thresholds to draw (a campaign's); none by default. */
  thresholds?: (series: readonly SeriesIdentity[]) => TrendThreshold[];
}

export const NO_ANALYSIS: SeriesAnalysis = { changePoints: [], newest: null, stoppage: null };
export const NOT_WIRED_NOTE = 'change detection not wired: series drawn without change points';

/** Beside the result files it indexes. */
export const DEFAULT_HISTORY_DB = 'results/history.sqlite';

const DB_DESCRIPTION = 'the history index (SQLite; rebuilt from the result files at any time)';

/** The index and SQLite are loaded when a history command runs, not with every command of the CLI. */
async function openForRead(path: string): Promise<HistoryStore> {
  const { HistoryStore, HistoryStoreError } = await import('../history/store.js');
  try {
    return HistoryStore.openForRead(path);
  } catch (error) {
    if (error instanceof HistoryStoreError) throw new UsageError(error.message);
    throw error;
  }
}

function ingestCommand(): Command {
  return new Command('ingest')
    .description('add result files to the history index: each DIR gives its *.json files and those of its subdirectories (3 levels; campaign directories); a changed file replaces its run, an unchanged one is left as is')
    .argument('<paths...>', 'result directories or result JSON files')
    .option('--db <file>', DB_DESCRIPTION, DEFAULT_HISTORY_DB)
    .action(async (paths: string[], options: { db: string }) => {
      const { HistoryStore, HistoryStoreError } = await import('../history/store.js');
      const { ingestPaths } = await import('../history/ingest.js');
      let store: HistoryStore;
      try {
        store = HistoryStore.openForWrite(options.db, (line) => process.stderr.write(`notice: ${escapeControls(line)}\n`));
      } catch (error) {
        if (error instanceof HistoryStoreError) throw new UsageError(error.message);
        throw error;
      }
      try {
        const summary = await ingestPaths(store, paths, findScenario);
        for (const { path, reason } of summary.skipped) process.stderr.write(`skipped ${escapeControls(path)}: ${escapeControls(reason)}\n`);
        const read = summary.added + summary.replaced + summary.unchanged;
        process.stdout.write(
          `${escapeControls(options.db)}: runs ${summary.added} added, ${summary.replaced} replaced, ${summary.unchanged} unchanged, ${summary.skipped.length} skipped; ` +
            `the index holds ${summary.runs} runs, ${summary.series} series, ${summary.points} points\n`,
        );
        if (read === 0) throw new UsageError(`no result file could be read from ${paths.map(escapeControls).join(', ')}`);
      } finally {
        store.close();
      }
    });
}

function seriesCommand(): Command {
  return new Command('series')
    .description('list the series of the history index with their number of points')
    .option('--db <file>', DB_DESCRIPTION, DEFAULT_HISTORY_DB)
    .option('--json', 'one JSON array instead of lines')
    .action(async (options: { db: string; json?: boolean }) => {
      const store = await openForRead(options.db);
      try {
        const list = store.seriesList();
        if (options.json) {
          process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
          return;
        }
        // One write: a reader that stops early (| head) then gets what fits instead of an EPIPE halfway.
        const lines = list.map((s) => {
          const parameters = Object.entries(s.parameters)
            .map(([k, v]) => `${k}=${v}`)
            .join(',');
          return escapeControls(
            `${s.seriesId}  ${s.pointCount} points  ${s.scenario} ${s.caseId} ${s.profile} ${parameters} ${s.client.implementation}@${s.client.version}/${s.server.implementation}@${s.server.version} ${s.hostname} ${s.metric} (${s.unit}, ${s.better})`,
          );
        });
        process.stdout.write(lines.map((line) => `${line}\n`).join(''));
        process.stderr.write(`${list.length} series\n`);
      } finally {
        store.close();
      }
    });
}

function reportCommand(dependencies: HistoryCommandDependencies): Command {
  return new Command('report')
    .description('write the trend report: one self-contained HTML page, what changed first, then every series over time')
    .requiredOption('--out <file>', 'the HTML file to write')
    .option('--db <file>', DB_DESCRIPTION, DEFAULT_HISTORY_DB)
    .action(async (options: { out: string; db: string }) => {
      const store = await openForRead(options.db);
      try {
        const list = store.seriesList();
        if (list.length === 0) throw new UsageError(`${options.db}: no series yet (npm run history -- ingest results/)`);
        const { analyze } = dependencies;
        if (!analyze) process.stderr.write(`${NOT_WIRED_NOTE}\n`);
        const series = list.map((s) => {
          const points = store.pointsOf(s.seriesId);
          return { series: s, points, analysis: analyze ? analyze(points, s.better) : NO_ANALYSIS };
        });
        // Loaded only here: vega is large, and the other commands do without it.
        const { renderTrendReport } = await import('../report/trend-report.js');
        const html = await renderTrendReport({ series, thresholds: dependencies.thresholds?.(list) ?? [], outputDir: dirname(resolve(options.out)), notes: analyze ? [] : [NOT_WIRED_NOTE] });
        await writeFileAtomic(options.out, html);
        process.stderr.write(`wrote ${escapeControls(options.out)}: ${list.length} series\n`);
      } finally {
        store.close();
      }
    });
}

export function historyCommand(dependencies: HistoryCommandDependencies = {}): Command {
  return new Command('history')
    .description(`the run history: an index of result files (default ${DEFAULT_HISTORY_DB}), its series, and a trend report`)
    .addCommand(ingestCommand())
    .addCommand(seriesCommand())
    .addCommand(reportCommand(dependencies));
}
