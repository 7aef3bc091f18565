// Runs a campaign: each planned run through the run engine (runSession, in-process), one after
// another with a pause between them, every result and report in one campaign directory whose
// index.json is rewritten after each step. A failed run is recorded and the campaign goes on;
// an interrupt stops after the run in flight is cleaned up. Thresholds are checked at the end.
import { readdir, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { planScenarioRun } from '../options/scenario-run.js';
import { UsageError } from '../options/usage-error.js';
import { readResult } from '../results/read.js';
import { fileTimestamp } from '../results/run-id.js';
import type { ResultDocument, RunTrigger as ResultTrigger } from '../results/schema.js';
import { DEFAULT_RESULTS_DIR } from '../results/write.js';
import type { ProgressEvent } from '../run/loop.js';
import { RunOptionsError } from '../run/options.js';
import { RunInterruptedError, runSession } from '../run/session.js';
import { CampaignFileError, runFlags, type Campaign } from './campaign-file.js';
import { INDEX_VERSION, readIndex, writeIndex, type CampaignIndex, type IndexRun } from './index-file.js';
import { newSeed, planRuns, runsToDo, type PlannedRun } from './plan.js';
import { evaluateThresholds, type ThresholdResult } from './thresholds.js';

export const DEFAULT_CAMPAIGNS_DIR = join(DEFAULT_RESULTS_DIR, 'campaigns');

/** What started the campaign; each run's trigger adds its place in the campaign. */
export type RunTrigger = Pick<ResultTrigger, 'scheduledBy' | 'schedule'>;

export type CampaignProgress =
  | { kind: 'run-start'; run: PlannedRun; runCount: number }
  | { kind: 'session'; run: PlannedRun; runCount: number; event: ProgressEvent }
  | { kind: 'run-end'; run: IndexRun; runCount: number }
  | { kind: 'pause'; seconds: number };

export interface RunCampaignOptions {
  /** The campaign directory (default: a new results/campaigns/<name>-<timestamp>/; with resume, the newest of this campaign). */
  dir?: string;
  /** Continue the directory's campaign: skip runs already written. */
  resume?: boolean;
  /** With resume: run the failed runs again too. */
  retryFailed?: boolean;
  signal?: AbortSignal;
  trigger: RunTrigger;
  onProgress?: (event: CampaignProgress) => void;
  onWarning?: (message: string) => void;
  /** Another process holds the lab: told while this run waits. */
  onWaitForLab?: (message: string) => void;
}

export interface CampaignOutcome {
  /** 0 every run ok and every threshold passed; 1 a run or a threshold failed; 130 interrupted. */
  exitCode: number;
  dir: string;
  seed: number;
  runs: IndexRun[];
  thresholds: ThresholdResult[];
  interrupted: boolean;
}

export const EXIT_INTERRUPTED = 130;

/** The newest directory under `base` holding this campaign's index. */
async function newestCampaignDir(base: string, name: string): Promise<string | null> {
  const entries = await readdir(base).catch(() => [] as string[]);
  const candidates: Array<{ dir: string; mtimeMs: number }> = [];
  for (const entry of entries.filter((e) => e.startsWith(`${name}-`))) {
    const dir = join(base, entry);
    const index = await readIndex(dir).catch(() => null);
    if (index?.campaign === name) candidates.push({ dir, mtimeMs: (await stat(join(dir, 'index.json'))).mtimeMs });
  }
  candidates.sort((a, b) => b.mtimeMs - a.mtimeMs);
  return candidates[0]?.dir ?? null;
}

/** The directory and its index: a new one, or (resume) the one found, checked against the campaign. */
async function openCampaign(campaign: Campaign, options: RunCampaignOptions): Promise<{ dir: string; index: CampaignIndex }> {
  if (options.resume) {
    const dir = options.dir ?? (await newestCampaignDir(DEFAULT_CAMPAIGNS_DIR, campaign.name));
    if (dir === null) throw new UsageError(`--resume: no directory of campaign "${campaign.name}" under ${DEFAULT_CAMPAIGNS_DIR}: give it with --dir`);
    const index = await readIndex(dir);
    if (!index) throw new UsageError(`--resume: ${dir} has no index.json`);
    if (index.campaign !== campaign.name) throw new UsageError(`--resume: ${dir} holds campaign "${index.campaign}", not "${campaign.name}"`);
    const plan = planRuns(campaign, index.seed);
    const keys = (runs: ReadonlyArray<{ key: string }>): string => runs.map((r) => r.key).join(' ');
    if (keys(plan) !== keys(index.runs)) throw new UsageError(`--resume: the campaign's runs differ from those in ${dir}/index.json (the file changed?): start a new campaign instead`);
    return { dir: resolve(dir), index };
  }
  const dir = resolve(options.dir ?? join(DEFAULT_CAMPAIGNS_DIR, `${campaign.name}-${fileTimestamp(new Date())}`));
  if (await readIndex(dir)) throw new UsageError(`${dir} already holds a campaign: --resume to continue it, or another --dir`);
  const seed = campaign.seed ?? newSeed();
  const now = new Date().toISOString();
  return {
    dir,
    index: {
      version: INDEX_VERSION,
      campaign: campaign.name,
      campaignFile: campaign.file,
      seed,
      order: campaign.order,
      createdAt: now,
      updatedAt: now,
      runs: planRuns(campaign, seed).map((run) => ({ ...run, status: 'pending' as const })),
    },
  };
}

/** The trigger of GitHub Actions overrides the caller's "manual": the environment says what started it. */
export function triggerFromEnvironment(trigger: RunTrigger, env: NodeJS.ProcessEnv = process.env): RunTrigger {
  return trigger.scheduledBy === 'manual' && env.GITHUB_ACTIONS === 'true' ? { ...trigger, scheduledBy: 'github-actions' } : trigger;
}

export async function runCampaign(campaign: Campaign, options: RunCampaignOptions): Promise<CampaignOutcome> {
  const { dir, index } = await openCampaign(campaign, options);
  const warn = options.onWarning ?? (() => {});
  const signal = options.signal;
  const runCount = index.runs.length;
  const save = (): Promise<void> => writeIndex(dir, index);
  await save();
  let interrupted = false;
  let first = true;
  for (const run of runsToDo(index.runs, options.retryFailed ?? false)) {
    if (signal?.aborted) {
      interrupted = true;
      break;
    }
    if (!first && campaign.pauseSeconds > 0) {
      options.onProgress?.({ kind: 'pause', seconds: campaign.pauseSeconds });
      // The pause lets the host settle between runs; an interrupt ends it at once.
      await sleep(campaign.pauseSeconds * 1000, undefined, signal ? { signal } : {}).catch(() => undefined);
      if (signal?.aborted) {
        interrupted = true;
        break;
      }
    }
    first = false;
    const scenario = campaign.scenarios[run.scenarioIndex];
    const link = campaign.links[run.linkIndex];
    if (!scenario || !link) throw new CampaignFileError(`run ${run.key} names a scenario or link the campaign does not have`, campaign.file);
    for (const key of ['exitCode', 'runId', 'resultPath', 'reportPaths', 'finishedAt', 'error'] as const) delete run[key];
    Object.assign(run, { status: 'running', startedAt: new Date().toISOString() });
    await save();
    options.onProgress?.({ kind: 'run-start', run, runCount });
    const trigger: ResultTrigger = {
      campaign: campaign.name,
      campaignFile: campaign.file,
      runIndex: run.index,
      runCount,
      repetition: run.repetition,
      ...triggerFromEnvironment(options.trigger),
    };
    try {
      const planned = planScenarioRun(scenario.name, { ...runFlags(scenario, link, dir), trigger });
      const result = await runSession(
        planned.scenario,
        { ...planned.sessionOptions, ...(signal ? { signal } : {}) },
        {
          onProgress: (event) => options.onProgress?.({ kind: 'session', run, runCount, event }),
          onWarning: warn,
          ...(options.onWaitForLab ? { onWaitForLab: options.onWaitForLab } : {}),
        },
      );
      const aborted = result.document.status === 'aborted' || signal?.aborted === true;
      Object.assign(run, {
        status: aborted ? 'interrupted' : result.exitCode === 0 ? 'completed' : 'failed',
        exitCode: result.exitCode,
        runId: result.document.runId,
        ...(result.resultPaths[0] !== undefined ? { resultPath: relative(dir, result.resultPaths[0]) } : {}),
        reportPaths: result.reportPaths.map((path) => relative(dir, path)),
      });
      if (aborted) interrupted = true;
    } catch (error) {
      if (error instanceof RunInterruptedError) {
        Object.assign(run, { status: 'interrupted', exitCode: EXIT_INTERRUPTED, error: error.message });
        interrupted = true;
      } else {
        // A failed run is recorded and the campaign goes on (bad options cannot get here: the file was checked).
        const message = error instanceof Error ? error.message : String(error);
        Object.assign(run, { status: 'failed', exitCode: error instanceof UsageError || error instanceof RunOptionsError ? 2 : 1, error: message });
        warn(`run ${run.index}/${runCount} (${run.key}) failed: ${message}`);
      }
    }
    run.finishedAt = new Date().toISOString();
    await save();
    options.onProgress?.({ kind: 'run-end', run, runCount });
    if (interrupted) break;
  }
  if (interrupted) return { exitCode: EXIT_INTERRUPTED, dir, seed: index.seed, runs: index.runs, thresholds: [], interrupted };
  const documents = await completedDocuments(dir, index.runs, warn);
  const thresholds = evaluateThresholds(campaign.thresholds, documents);
  const failed = index.runs.some((run) => run.status !== 'completed') || thresholds.some((t) => t.status !== 'pass');
  return { exitCode: failed ? 1 : 0, dir, seed: index.seed, runs: index.runs, thresholds, interrupted };
}

/** The result documents of the completed runs, in plan order (a file that cannot be read is warned about and left out). */
async function completedDocuments(dir: string, runs: readonly IndexRun[], warn: (message: string) => void): Promise<ResultDocument[]> {
  const documents: ResultDocument[] = [];
  for (const run of runs) {
    if (run.status !== 'completed' || run.resultPath === undefined) continue;
    try {
      documents.push(await readResult(join(dir, run.resultPath)));
    } catch (error) {
      warn(`run ${run.key}: its result cannot be read for the thresholds: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return documents;
}
