// A long-running scheduler for campaigns: starts a job on a schedule (a fixed period, or a cron
// expression evaluated by croner: no cron parsing here), each start delayed by a random jitter
// so that many hosts on one schedule do not start together. It never overlaps itself: a start
// due while the previous job still runs is skipped and logged, not queued (a queue would stack
// up runs behind a slow one and measure them back to back). A failed job (an exception or a
// non-zero exit) is logged and the next start still happens. stop() starts nothing more, aborts
// the running job through the signal it was given and waits for it.
import { Cron } from 'croner';

export type Schedule = { every: number } | { cron: string };

export interface JobContext {
  /** Aborted when the scheduler stops: the job ends early and returns. */
  signal: AbortSignal;
  /** The slot the schedule gave this start, before the jitter. */
  scheduledFor: Date;
  /** When the start actually happened (the slot plus the jitter, plus timer slack). */
  firedAt: Date;
}

/** A job resolves to its exit code (0: success). */
export type Job = (context: JobContext) => Promise<number>;

export type SchedulerEvent =
  | { event: 'start'; at: string; scheduledFor: string; jitterMs: number }
  | { event: 'end'; at: string; scheduledFor: string; startedAt: string; durationMs: number; exitCode: number | null; error?: string }
  | { event: 'skip'; at: string; scheduledFor: string; reason: string }
  | { event: 'stop'; at: string; reason: string };

export interface SchedulerOptions {
  schedule: Schedule;
  /** Each start is delayed by a uniformly random amount in [0, jitterMs). */
  jitterMs: number;
  job: Job;
  log: (event: SchedulerEvent) => void;
  /** [0, 1): Math.random unless a test seeds it. */
  random?: () => number;
  /** The clock (ms since the epoch): Date.now unless a test offsets it (it must advance with real time: waits are real timers). */
  now?: () => number;
}

export interface Scheduler {
  /** No new starts; a running job is aborted and awaited. */
  stop(reason?: string): Promise<void>;
  /** The next `n` slots of the schedule (before jitter). */
  nextRuns(n: number): Date[];
}

export class ScheduleError extends Error {}

/**
 * A cron expression croner accepts and that recurs (croner also takes a single ISO date, which
 * is not a schedule). Five fields (minute hour day-of-month month day-of-week), or six with
 * seconds first; the host's local time, like cron and systemd.
 */
export function cronFor(expression: string): Cron {
  let cron: Cron;
  try {
    cron = new Cron(expression, { paused: true });
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).replace(/^CronPattern: /, '');
    throw new ScheduleError(`"${expression}" is not a cron expression: ${reason} (e.g. "0 */6 * * *": minute hour day-of-month month day-of-week)`);
  }
  if (cron.nextRuns(2).length < 2) throw new ScheduleError(`"${expression}" does not recur (a cron expression with fields, e.g. "0 */6 * * *")`);
  return cron;
}

/**
 * The first slot strictly after `afterMs`. A period's slots are whole multiples of it since the
 * epoch, so a restarted scheduler keeps its phase (every 6h: 00:00, 06:00, ... UTC).
 */
export function nextSlotMs(schedule: Schedule, afterMs: number, cron?: Cron): number {
  if ('every' in schedule) return (Math.floor(afterMs / schedule.every) + 1) * schedule.every;
  const next = (cron ?? cronFor(schedule.cron)).nextRun(new Date(afterMs));
  if (!next) throw new ScheduleError(`"${schedule.cron}" has no run after ${new Date(afterMs).toISOString()}`);
  return next.getTime();
}

/** The longest wait Node's timers take (a longer one fires after 1 ms). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * `fn` once the clock reaches now + delayMs. A longer wait than a timer takes is chained, and a
 * timer that fires early by the wall clock (libuv rounds to its own millisecond clock) waits the rest.
 */
function setLongTimeout(fn: () => void, delayMs: number, now: () => number): { clear(): void } {
  const due = now() + delayMs;
  const arm = (): void => {
    const left = due - now();
    if (left <= 0) fn();
    else timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
  };
  // Never synchronously: the caller keeps the handle before `fn` can run.
  let timer = setTimeout(arm, Math.min(Math.max(0, delayMs), MAX_TIMER_MS));
  return { clear: () => clearTimeout(timer) };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function startScheduler(options: SchedulerOptions): Scheduler {
  const { schedule, jitterMs, job, log } = options;
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const cron = 'cron' in schedule ? cronFor(schedule.cron) : undefined;
  if ('every' in schedule && !(schedule.every > 0)) throw new ScheduleError(`the period must be above 0 (got ${schedule.every} ms)`);
  if (!(jitterMs >= 0)) throw new ScheduleError(`the jitter must be 0 or more (got ${jitterMs} ms)`);
  const iso = (ms: number): string => new Date(ms).toISOString();

  let stopped = false;
  let timer: { clear(): void } | undefined;
  let slotMs = nextSlotMs(schedule, now(), cron);
  let running: { promise: Promise<void>; controller: AbortController } | undefined;

  const arm = (): void => {
    if (stopped) return;
    const jitter = Math.floor(random() * jitterMs);
    timer = setLongTimeout(() => fire(slotMs, jitter), slotMs + jitter - now(), now);
  };

  const fire = (scheduledMs: number, jitter: number): void => {
    if (stopped) return;
    const firedMs = now();
    if (running) {
      log({ event: 'skip', at: iso(firedMs), scheduledFor: iso(scheduledMs), reason: 'the previous run is still running' });
    } else {
      const entry: { promise: Promise<void>; controller: AbortController } = { promise: Promise.resolve(), controller: new AbortController() };
      running = entry;
      log({ event: 'start', at: iso(firedMs), scheduledFor: iso(scheduledMs), jitterMs: jitter });
      const end = (exitCode: number | null, error?: string): void => {
        const endMs = now();
        log({ event: 'end', at: iso(endMs), scheduledFor: iso(scheduledMs), startedAt: iso(firedMs), durationMs: endMs - firedMs, exitCode, ...(error !== undefined ? { error } : {}) });
      };
      entry.promise = (async () => {
        try {
          // A job that throws, even before its first await, is a failed run too.
          end(await job({ signal: entry.controller.signal, scheduledFor: new Date(scheduledMs), firedAt: new Date(firedMs) }));
        } catch (error) {
          end(null, messageOf(error));
        } finally {
          if (running === entry) running = undefined;
        }
      })();
    }
    // The next slot after this one, or after now when the process slept past several.
    slotMs = nextSlotMs(schedule, Math.max(scheduledMs, firedMs - jitter), cron);
    arm();
  };

  arm();

  return {
    async stop(reason = 'stopped') {
      if (stopped) {
        await running?.promise;
        return;
      }
      stopped = true;
      timer?.clear();
      const current = running;
      if (current) {
        current.controller.abort(new Error(`the scheduler is stopping (${reason})`));
        await current.promise;
      }
      log({ event: 'stop', at: iso(now()), reason });
    },
    nextRuns(n: number): Date[] {
      const runs: Date[] = [];
      let at = slotMs;
      for (let i = 0; i < n; i++) {
        runs.push(new Date(at));
        at = nextSlotMs(schedule, at, cron);
      }
      return runs;
    },
  };
}

/** One stderr line for an event: "2026-12-05T14:00:03.120Z start (slot 14:00:00.000Z, jitter 3.1 s)". */
export function eventLine(event: SchedulerEvent): string {
  const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  switch (event.event) {
    case 'start':
      return `${event.at} start: slot ${event.scheduledFor}, jitter ${seconds(event.jitterMs)}`;
    case 'end':
      return `${event.at} end: slot ${event.scheduledFor}, started ${event.startedAt}, took ${seconds(event.durationMs)}, ${event.exitCode === null ? `failed: ${event.error ?? 'no exit code'}` : `exit code ${event.exitCode}`}`;
    case 'skip':
      return `${event.at} skipped: slot ${event.scheduledFor}: ${event.reason}`;
    case 'stop':
      return `${event.at} stopped: ${event.reason}`;
  }
}
