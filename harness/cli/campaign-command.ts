// `npm run campaign -- run FILE`: runs a campaign file (harness/campaign) once, in-process, with
// progress on a terminal, and prints each run's outcome and the thresholds' table. Exit 0 every
// run ok and every threshold passed, 1 a run or threshold failed, 2 bad input, 130 interrupted.
import { Command, Option } from 'commander';
import { CampaignFileError, loadCampaign } from '../campaign/campaign-file.js';
import { CampaignIndexError, type IndexRun } from '../campaign/index-file.js';
import { runCampaign, type CampaignOutcome, type CampaignProgress, type RunTrigger } from '../campaign/run.js';
import type { ThresholdResult } from '../campaign/thresholds.js';
import { interruptSignal } from '../process/cleanup.js';
import { formatNumber } from '../report/format.js';
import { renderTextTable } from '../report/table.js';
import { installCommand, scheduleCommand, type RunOnce } from './campaign-schedule-command.js';
import { oneOf } from '../options/parse.js';
import { progressText } from './progress.js';
import { UsageError } from '../options/usage-error.js';

const SCHEDULERS = ['manual', 'quic-lab-scheduler', 'systemd', 'cron', 'github-actions'] as const;

interface RunCommandOptions {
  dir?: string;
  resume?: boolean;
  retryFailed?: boolean;
  json?: boolean;
  scheduledBy: RunTrigger['scheduledBy'];
  schedule?: string;
}

/** "[run 3/8 handshake on 4g, repetition 2] sample 4/10 quic-h3 ok". */
export function campaignProgressText(event: CampaignProgress): string {
  switch (event.kind) {
    case 'pause':
      return `pausing ${event.seconds}s before the next run`;
    case 'run-start':
      return `[run ${event.run.index}/${event.runCount} ${event.run.scenario} on ${event.run.link}, repetition ${event.run.repetition}] starting`;
    case 'session':
      return `[run ${event.run.index}/${event.runCount} ${event.run.scenario} on ${event.run.link}, repetition ${event.run.repetition}] ${progressText(event.event)}`;
    case 'run-end':
      return `[run ${event.run.index}/${event.runCount} ${event.run.scenario} on ${event.run.link}, repetition ${event.run.repetition}] ${event.run.status}`;
  }
}

/** Progress on stderr on a terminal only; each run's end keeps its line. */
function campaignProgressReporter(stream: NodeJS.WriteStream = process.stderr): { report?: (event: CampaignProgress) => void; newline: () => string } {
  if (!stream.isTTY) return { newline: () => '' };
  let lastLength = 0;
  const report = (event: CampaignProgress): void => {
    const text = campaignProgressText(event);
    stream.write(`\r${text.padEnd(lastLength)}${event.kind === 'run-end' ? '\n' : ''}`);
    lastLength = event.kind === 'run-end' ? 0 : text.length;
  };
  return { report, newline: () => (lastLength > 0 ? '\n' : '') };
}

const valueText = (value: number | null): string => (value === null ? '-' : formatNumber(value));

/** One row per series of each threshold; a threshold that could not be checked says why. */
export function renderThresholdTable(results: readonly ThresholdResult[]): string {
  if (results.length === 0) return 'thresholds: none\n';
  const rows: string[][] = [];
  for (const result of results) {
    if (result.series.length === 0) rows.push([result.threshold, '-', '-', '-', '-', `ERROR: ${result.error ?? ''}`]);
    for (const series of result.series) {
      rows.push([
        result.threshold,
        `${series.scenario} ${series.caseId} ${series.profile} ${series.workload}`,
        series.values.map(valueText).join(' '),
        valueText(series.value),
        valueText(series.limit),
        series.error !== undefined ? `ERROR: ${series.error}` : series.status.toUpperCase(),
      ]);
    }
  }
  return renderTextTable({ header: ['threshold', 'series', 'runs', 'median', 'limit', 'result'], rows, align: ['left', 'left', 'left', 'right', 'right', 'left'] }) + '\n';
}

function renderRuns(runs: readonly IndexRun[]): string {
  return (
    renderTextTable({
      header: ['run', 'scenario', 'link', 'rep', 'status', 'exit', 'result'],
      rows: runs.map((run) => [String(run.index), run.scenario, run.link, String(run.repetition), run.status, run.exitCode === undefined ? '-' : String(run.exitCode), run.resultPath ?? run.error ?? '-']),
      align: ['right', 'left', 'left', 'right', 'left', 'right', 'left'],
    }) + '\n'
  );
}

export function renderOutcome(outcome: CampaignOutcome): string {
  const lines = [renderRuns(outcome.runs)];
  if (outcome.interrupted) {
    const done = outcome.runs.filter((run) => run.status === 'completed' || run.status === 'failed').length;
    lines.push(`interrupted: ${done} of ${outcome.runs.length} runs done; continue with --resume --dir ${outcome.dir}\n`);
  } else {
    lines.push(renderThresholdTable(outcome.thresholds));
  }
  lines.push(`campaign: ${outcome.dir} (seed ${outcome.seed})\n`);
  return lines.join('\n');
}

function runSubcommand(): Command {
  return new Command('run')
    .description('run a campaign file once: every scenario on every link, repeated, into one campaign directory')
    .argument('<file>', 'campaign file (YAML or JSON; schema/campaign.schema.json)')
    .option('--dir <dir>', 'campaign directory (default: results/campaigns/<name>-<time>/; with --resume: the newest of this campaign)')
    .option('--resume', 'continue the campaign in --dir: skip the runs already written')
    .option('--retry-failed', 'with --resume: run the failed runs again too')
    .option('--json', 'print the outcome (runs and thresholds) as JSON on stdout')
    .addOption(new Option('--scheduled-by <what>', `what started this campaign, recorded in each result: ${SCHEDULERS.join(', ')}`).argParser(oneOf('--scheduled-by', SCHEDULERS)).default('manual'))
    .option('--schedule <text>', 'the schedule that started it (e.g. "every 6h"), recorded in each result')
    .action(async (file: string, options: RunCommandOptions) => {
      if (options.retryFailed && !options.resume) throw new UsageError('--retry-failed: only with --resume');
      let campaign;
      try {
        campaign = await loadCampaign(file);
      } catch (error) {
        if (error instanceof CampaignFileError) throw new UsageError(error.message);
        throw error;
      }
      const progress = campaignProgressReporter();
      let outcome: CampaignOutcome;
      try {
        outcome = await runCampaign(campaign, {
          ...(options.dir !== undefined ? { dir: options.dir } : {}),
          ...(options.resume ? { resume: true } : {}),
          ...(options.retryFailed ? { retryFailed: true } : {}),
          signal: interruptSignal,
          trigger: { scheduledBy: options.scheduledBy, ...(options.schedule !== undefined ? { schedule: options.schedule } : {}) },
          ...(progress.report ? { onProgress: progress.report } : {}),
          onWarning: (message) => process.stderr.write(`${progress.newline()}warning: ${message}\n`),
          onWaitForLab: (message) => process.stderr.write(`${progress.newline()}${message}\n`),
        });
      } catch (error) {
        if (error instanceof CampaignIndexError || error instanceof CampaignFileError) throw new UsageError(error.message);
        throw error;
      }
      process.stderr.write(progress.newline());
      process.stdout.write(options.json ? JSON.stringify(outcome, null, 2) + '\n' : renderOutcome(outcome));
      if (outcome.exitCode !== 0) process.exitCode = outcome.exitCode;
    });
}

/**
 * One scheduled start: the file read again (an edit between starts takes effect; a broken one
 * fails this start, not the scheduler) and run into a new campaign directory.
 */
export const runCampaignOnce: RunOnce = async (file, { signal, scheduledBy, schedule }) => {
  const campaign = await loadCampaign(file);
  const outcome = await runCampaign(campaign, {
    signal,
    trigger: { scheduledBy, schedule },
    onWarning: (message) => process.stderr.write(`warning: ${message}\n`),
  });
  process.stdout.write(renderOutcome(outcome));
  return outcome.exitCode;
};

export function campaignCommand(): Command {
  const campaign = new Command('campaign').description('campaigns: sets of scenario runs from a file (run), on a schedule (schedule), or as a systemd timer or crontab line (install)');
  for (const sub of [runSubcommand(), scheduleCommand(runCampaignOnce), installCommand()]) {
    sub.exitOverride().configureOutput({ writeErr: () => {}, outputError: () => {} });
    campaign.addCommand(sub);
  }
  return campaign;
}
