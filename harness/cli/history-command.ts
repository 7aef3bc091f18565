// npm run history -- ingest DIR... | series | changes | report --out FILE: the run history's index
// (history/store.ts) built from result files, listed, and drawn as a trend report.
// `changes` and the report analyse every series the same way (history/analyze-index.ts).
import { Command } from 'commander';
import { dirname, resolve } from 'node:path';
import { findScenario } from '../../scenarios/index.js';
import { writeFileAtomic } from '../files/atomic-write.js';
import { escapeControls, escapeControlsKeepingLines } from '../files/terminal-text.js';
import type { HistoryStore } from '../history/store.js';
import { CampaignFileError, loadCampaign } from '../campaign/campaign-file.js';
import { seriesThresholds } from '../campaign/trend-thresholds.js';
import { AcknowledgementsError, readAcknowledgements } from '../history/acknowledgements.js';
import { analyzeIndex, confirmedRegressions, type AnalyzedSeries } from '../history/analyze-index.js';
import { changeRows, type TrendThreshold } from '../report/trend-changes.js';
import { renderTextTable } from '../report/table.js';
import { periodMs } from '../options/parse.js';
import { UsageError } from '../options/usage-error.js';

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

interface AnalysisCliOptions {
  db: string;
  ack?: string;
  period?: number;
}

/** The options `changes` and `report` share: which index, which shifts are known, the schedule's period. */
function withAnalysisOptions(command: Command): Command {
  return command
    .option('--db <file>', DB_DESCRIPTION, DEFAULT_HISTORY_DB)
    .option('--ack <file>', 'acknowledgements (YAML or JSON): known shifts to dismiss, each with its series, first run and reason')
    .option('--period <duration>', "the schedule's period (e.g. 6h): a series with no point for two periods is reported as stopped", periodMs('--period'));
}

/** Every series of the index with its points and analysis; a usage error when there is none. */
async function analyzedIndex(options: AnalysisCliOptions): Promise<AnalyzedSeries[]> {
  let acknowledgements: Awaited<ReturnType<typeof readAcknowledgements>> = [];
  if (options.ack !== undefined) {
    try {
      acknowledgements = await readAcknowledgements(options.ack);
    } catch (error) {
      if (error instanceof AcknowledgementsError || (error as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError(`--ack: ${(error as Error).message}`);
      throw error;
    }
  }
  const store = await openForRead(options.db);
  try {
    const analyzed = analyzeIndex(store, { acknowledgements, expectedPeriodMs: options.period ?? null, nowMs: Date.now() });
    if (analyzed.length === 0) throw new UsageError(`${options.db}: no series yet (npm run history -- ingest results/)`);
    return analyzed;
  } finally {
    store.close();
  }
}

/** The campaign's thresholds that can be drawn on the series, and the text of those that cannot. */
async function campaignThresholds(file: string, series: readonly AnalyzedSeries[]): Promise<{ drawn: TrendThreshold[]; notDrawn: string[] }> {
  try {
    const campaign = await loadCampaign(file);
    return seriesThresholds(
      campaign.thresholds,
      series.map((s) => s.series),
    );
  } catch (error) {
    if (error instanceof CampaignFileError) throw new UsageError(`--campaign: ${error.message}`);
    throw error;
  }
}

function changesCommand(): Command {
  return withAnalysisOptions(
    new Command('changes')
      .description(
        'change points of every series (E-divisive means with a t-test, as Apache Otava), the newest run against its segment, and series that stopped; exit 0 no change for the worse, 1 a confirmed regression not acknowledged, 2 bad input or no data',
      )
      .option('--json', 'every series with its analysis as JSON'),
  ).action(async (options: AnalysisCliOptions & { json?: boolean }) => {
    const analyzed = await analyzedIndex(options);
    const regressions = confirmedRegressions(analyzed);
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ regressions, series: analyzed }, null, 2)}\n`);
    } else {
      const rows = changeRows({ series: analyzed, thresholds: [], outputDir: process.cwd() });
      const table = renderTextTable({
        header: ['what', 'series', 'metric', 'run', 'before -> after', 'change', 'p'],
        rows: rows.map((r) => [r.kind, r.series, r.metric, r.runId, r.beforeAfter.replace('→', '->'), r.relativeChange, r.pValue]),
        align: ['left', 'left', 'left', 'left', 'left', 'right', 'right'],
      });
      const points = analyzed.reduce((n, a) => n + a.points.length, 0);
      process.stdout.write(
        `${analyzed.length} series, ${points} points: ${regressions} confirmed regression${regressions === 1 ? '' : 's'}` +
          ` (a change point needs p < 0.001, a shift beyond 5% and 5 runs each side; a newest point off its segment is a warning until 5 runs confirm it)\n` +
          (rows.length > 0 ? `${escapeControlsKeepingLines(table)}\n` : 'nothing changed\n'),
      );
    }
    if (regressions > 0) process.exitCode = 1;
  });
}

function reportCommand(): Command {
  return withAnalysisOptions(
    new Command('report')
      .description('write the trend report: one self-contained HTML page, what changed first, then every series over time')
      .requiredOption('--out <file>', 'the HTML file to write')
      .option('--campaign <file>', "draw this campaign file's thresholds on the series they select"),
  ).action(async (options: AnalysisCliOptions & { out: string; campaign?: string }) => {
    const series = await analyzedIndex(options);
    const { drawn, notDrawn } = options.campaign === undefined ? { drawn: [], notDrawn: [] } : await campaignThresholds(options.campaign, series);
    // Loaded only here: vega is large, and the other commands do without it.
    const { renderTrendReport } = await import('../report/trend-report.js');
    const notes = notDrawn.length > 0 ? [`not drawn (a point is a run's median; these are on another statistic or relative to another case): ${notDrawn.join('; ')}`] : [];
    const html = await renderTrendReport({ series, thresholds: drawn, outputDir: dirname(resolve(options.out)), notes });
    await writeFileAtomic(options.out, html);
    process.stderr.write(`wrote ${escapeControls(options.out)}: ${series.length} series\n`);
  });
}

export function historyCommand(): Command {
  return new Command('history')
    .description(`the run history: an index of result files (default ${DEFAULT_HISTORY_DB}), its series, and a trend report`)
    .addCommand(ingestCommand())
    .addCommand(seriesCommand())
    .addCommand(changesCommand())
    .addCommand(reportCommand());
}
