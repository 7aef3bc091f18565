// `campaign schedule FILE --every D | --cron EXPR`: the long-running scheduler (harness/campaign/
// scheduler.ts) around one campaign run per start; and `campaign install FILE`: the same schedule
// as a systemd timer or a crontab line. The run itself is injected (runOnce), built on the
// campaign runner by whoever wires the `campaign` command.
import { Command, Option } from 'commander';
import { appendFileSync, existsSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { periodMs, oneOf } from '../options/parse.js';
import { UsageError } from '../options/usage-error.js';
import { interruptSignal, onCleanup } from '../process/cleanup.js';
import { acquireLabLock, type LockOptions } from '../lab/lock.js';
import { cronFor, eventLine, ScheduleError, startScheduler, type Job, type Schedule, type SchedulerEvent } from '../campaign/scheduler.js';
import { crontabEntry, detectKind, installCrontab, installSystemd, REAL_HOST, systemdSpan, systemdUnits, type InstallHost, type InstallPlan, type Kind } from '../campaign/install.js';
import { PROJECT_ROOT } from '../project-root.js';

export interface RunOnceOptions {
  signal: AbortSignal;
  scheduledBy: 'quic-lab-scheduler';
  /** The schedule as given: "every 6h" (a systemd time span) or "cron 0 *\/6 * * *". */
  schedule: string;
}

/** One campaign run from `file`: resolves to its exit code. */
export type RunOnce = (file: string, options: RunOnceOptions) => Promise<number>;

/** The default jitter: 5 minutes, or a tenth of the period when that is shorter. */
export const DEFAULT_JITTER_MS = 5 * 60_000;

interface ScheduleOptionValues {
  every?: number;
  cron?: string;
  jitter?: number;
  log?: string;
}

interface InstallOptionValues extends ScheduleOptionValues {
  print?: boolean;
  kind?: Kind;
  root?: string;
}

/** "0" or a period: no jitter is a valid choice (tests, a single host). */
function jitterMs(value: string): number {
  return value.trim() === '0' ? 0 : periodMs('--jitter')(value);
}

function scheduleOptions(command: Command): Command {
  return command
    .option('--every <period>', 'start every PERIOD (s, m, h or d: 30m, 6h, 1d), on whole multiples of it since the epoch', periodMs('--every'))
    .option('--cron <expression>', 'start when the cron expression matches (five fields, local time: "0 */6 * * *")')
    .option('--jitter <period>', 'delay each start by a random amount up to PERIOD, 0 for none (default: 5m, or a tenth of the period when shorter)', jitterMs);
}

interface ChosenSchedule {
  schedule: Schedule;
  /** "every 6h", "cron 0 *\/6 * * *": recorded with each scheduled run. */
  text: string;
  jitterMs: number;
}

function chosenSchedule(values: ScheduleOptionValues): ChosenSchedule {
  if ((values.every === undefined) === (values.cron === undefined)) throw new UsageError('give one of --every PERIOD or --cron EXPRESSION');
  let schedule: Schedule;
  let periodMsValue: number;
  if (values.cron !== undefined) {
    try {
      const cron = cronFor(values.cron);
      const [first, second] = cron.nextRuns(2) as [Date, Date];
      periodMsValue = second.getTime() - first.getTime();
    } catch (error) {
      throw error instanceof ScheduleError ? new UsageError(`--cron: ${error.message}`) : error;
    }
    schedule = { cron: values.cron };
  } else {
    schedule = { every: values.every as number };
    periodMsValue = values.every as number;
  }
  const jitter = values.jitter ?? Math.min(DEFAULT_JITTER_MS, Math.floor(periodMsValue / 10));
  if (jitter >= periodMsValue) throw new UsageError(`--jitter: must be shorter than the time between starts (${periodMsValue / 1000} s)`);
  return { schedule, text: 'cron' in schedule ? `cron ${schedule.cron}` : `every ${systemdSpan(schedule.every)}`, jitterMs: jitter };
}

async function readableFile(file: string): Promise<string> {
  const path = resolve(file);
  try {
    await access(path);
  } catch {
    throw new UsageError(`campaign file ${file}: not found`);
  }
  return path;
}

/**
 * The job with the lab lock held, waiting for it: a manual run or a second scheduler on this host
 * delays a scheduled start (said once in the log) rather than dropping it; while it waits, later
 * slots are skipped like any start during a run. Stopping the scheduler ends the wait.
 */
export function withLabLock(job: Job, onWait: (message: string) => void, acquire: (purpose: string, options: LockOptions) => Promise<() => Promise<void>> = acquireLabLock): Job {
  return async (context) => {
    const release = await acquire('campaign (scheduled)', { wait: true, onWait, signal: context.signal });
    try {
      return await job(context);
    } finally {
      await release();
    }
  };
}

export interface ScheduleCommandDeps {
  /** The lab lock (the real one unless a test passes its own). */
  acquire?: (purpose: string, options: LockOptions) => Promise<() => Promise<void>>;
}

export function scheduleCommand(runOnce: RunOnce, deps: ScheduleCommandDeps = {}): Command {
  return scheduleOptions(new Command('schedule'))
    .description('run the campaign on a schedule until SIGTERM/SIGINT: random jitter, never two runs at once, a failed run does not stop it')
    .argument('<file>', 'the campaign file (read again at each start)')
    .option('--log <file>', 'also append every start, end and skip to FILE as JSON lines')
    .action(async (file: string, values: ScheduleOptionValues) => {
      const chosen = chosenSchedule(values);
      const path = await readableFile(file);
      const logFile = values.log === undefined ? undefined : resolve(values.log);
      const write = (record: object): void => {
        if (logFile !== undefined) appendFileSync(logFile, JSON.stringify(record) + '\n');
      };
      const log = (event: SchedulerEvent): void => {
        process.stderr.write(`schedule: ${eventLine(event)}\n`);
        write(event);
      };
      const say = (message: string): void => {
        process.stderr.write(`schedule: ${new Date().toISOString()} ${message}\n`);
        write({ event: 'note', at: new Date().toISOString(), message });
      };
      const job = withLabLock((context) => runOnce(path, { signal: context.signal, scheduledBy: 'quic-lab-scheduler', schedule: chosen.text }), say, deps.acquire);
      // Registered first: it installs the SIGINT/SIGTERM handlers that abort interruptSignal.
      let stopScheduler: () => Promise<void> = async () => undefined;
      const unregister = onCleanup('stop the campaign scheduler', () => stopScheduler());
      try {
        const scheduler = startScheduler({ schedule: chosen.schedule, jitterMs: chosen.jitterMs, job, log });
        stopScheduler = () => scheduler.stop('cleanup');
        const next = scheduler.nextRuns(3).map((date) => date.toISOString());
        process.stderr.write(`schedule: ${path}, ${chosen.text}, jitter up to ${chosen.jitterMs / 1000} s; next starts (before jitter): ${next.join(', ')}\n`);
        write({ event: 'begin', at: new Date().toISOString(), file: path, schedule: chosen.text, jitterMs: chosen.jitterMs, nextRuns: next, pid: process.pid });
        await new Promise<void>((done) => {
          if (interruptSignal.aborted) done();
          else interruptSignal.addEventListener('abort', () => done(), { once: true });
        });
        const reason = interruptSignal.reason instanceof Error ? interruptSignal.reason.message : 'interrupted';
        await scheduler.stop(reason);
      } finally {
        unregister();
      }
    });
}

export interface InstallCommandDeps {
  host?: InstallHost;
  /** npm, absolute (default: the one next to this node, else "npm" on PATH). */
  npmPath?: string;
  projectRoot?: string;
}

function defaultNpmPath(): string {
  const beside = join(dirname(process.execPath), 'npm');
  return existsSync(beside) ? beside : 'npm';
}

export function installCommand(deps: InstallCommandDeps = {}): Command {
  return scheduleOptions(new Command('install'))
    .description('print, and where the host has them install, a systemd timer (systemd hosts) or a crontab line that runs the campaign on a schedule')
    .argument('<file>', 'the campaign file')
    .option('--print', 'only print the units or the line; install nothing')
    .addOption(new Option('--kind <kind>', 'systemd or cron (default: systemd when it is the init system, else cron)').argParser(oneOf('--kind', ['systemd', 'cron'] as const)))
    .option('--root <dir>', 'write the units under DIR instead of / (an image being built, tests); systemd there is enabled with systemctl --root')
    .action(async (file: string, values: InstallOptionValues) => {
      const chosen = chosenSchedule(values);
      const path = await readableFile(file);
      const host: InstallHost = { ...(deps.host ?? REAL_HOST), ...(values.root !== undefined ? { root: resolve(values.root) } : {}) };
      const plan: InstallPlan = { schedule: chosen.schedule, jitterMs: chosen.jitterMs, file: path, projectRoot: deps.projectRoot ?? PROJECT_ROOT, npmPath: deps.npmPath ?? defaultNpmPath() };
      const kind = values.kind ?? detectKind(host);
      const out = (text: string): boolean => process.stdout.write(text);
      try {
        if (kind === 'systemd') {
          const units = systemdUnits(plan);
          out(`# /etc/systemd/system/${units.name}.service\n${units.service}\n# /etc/systemd/system/${units.name}.timer\n${units.timer}`);
          if (values.print) return;
          if (detectKind(host) !== 'systemd') {
            process.stderr.write(`install: systemd is not running here (no ${join(host.root, 'run/systemd/system')}): printed only\n`);
            return;
          }
          for (const line of await installSystemd(units, host)) process.stderr.write(`install: ${line}\n`);
        } else {
          const entry = crontabEntry(plan);
          out(entry);
          if (values.print) return;
          if (!host.has('crontab')) {
            process.stderr.write('install: no crontab command here: printed only (add the lines above to a crontab)\n');
            return;
          }
          for (const line of await installCrontab(entry, path, host)) process.stderr.write(`install: ${line}\n`);
        }
      } catch (error) {
        throw error instanceof ScheduleError ? new UsageError(error.message) : error;
      }
    });
}
