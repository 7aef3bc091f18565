// Everything the harness creates (processes, namespaces, temp dirs) registers its removal
// here, so it goes away on success, on error, on Ctrl-C, SIGTERM and SIGHUP (a closed
// terminal), and, in the CLI, on an uncaught exception or unhandled rejection.

type Cleanup = () => Promise<void> | void;

const cleanups = new Map<number, { label: string; fn: Cleanup }>();
let nextId = 1;
let signalsInstalled = false;
const interrupt = new AbortController();

/** Registers a removal step; call the returned function once the thing is gone. */
export function onCleanup(label: string, fn: Cleanup): () => void {
  installSignalHandlers();
  const id = nextId++;
  cleanups.set(id, { label, fn });
  return () => {
    cleanups.delete(id);
  };
}

/** Runs every registered step, newest first; a failing step does not stop the others. */
export async function runCleanups(): Promise<string[]> {
  const failures: string[] = [];
  const steps = [...cleanups.entries()].reverse();
  for (const [id, step] of steps) {
    cleanups.delete(id);
    try {
      await step.fn();
    } catch (error) {
      failures.push(`${step.label}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return failures;
}

/** Aborted on the first SIGINT/SIGTERM/SIGHUP: long work checks it and ends early with what it has. */
export const interruptSignal: AbortSignal = interrupt.signal;

/** How long after the first signal the registry runs every cleanup and exits, unless the work ended first. */
export const DEFAULT_INTERRUPT_GRACE_MS = 10_000;
export const INTERRUPT_GRACE_VARIABLE = 'QUIC_LAB_INTERRUPT_GRACE_MS';
const MAX_INTERRUPT_GRACE_MS = 600_000;

/**
 * The grace from `QUIC_LAB_INTERRUPT_GRACE_MS` (whole milliseconds, 0 to 600000; unset or empty:
 * 10000). Tests set it low so a script that ignores interruptSignal is cleaned up sooner.
 */
export function interruptGraceMs(env: NodeJS.ProcessEnv = process.env): number {
  const value = env[INTERRUPT_GRACE_VARIABLE];
  if (value === undefined || value.trim() === '') return DEFAULT_INTERRUPT_GRACE_MS;
  const trimmed = value.trim();
  const ms = /^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!(ms <= MAX_INTERRUPT_GRACE_MS)) {
    throw new Error(`${INTERRUPT_GRACE_VARIABLE} "${value}" must be a whole number of milliseconds from 0 to ${MAX_INTERRUPT_GRACE_MS} (e.g. 2000; unset: ${DEFAULT_INTERRUPT_GRACE_MS})`);
  }
  return ms;
}

function installSignalHandlers(): void {
  if (signalsInstalled) return;
  // Read once, before anything is registered: a bad value fails the first onCleanup, not a Ctrl-C.
  const graceMs = interruptGraceMs();
  signalsInstalled = true;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      // A closed terminal fails every write to it: that must not end the run before its cleanup.
      if (signal === 'SIGHUP') for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
      if (!interrupt.signal.aborted) {
        // First signal: the runner drops the sample in flight, writes an aborted result with
        // the samples it has, and cleans up. A hard deadline keeps a stuck step from holding the lab.
        interrupt.abort(new Error(`interrupted by ${signal}`));
        setTimeout(() => void hardExit(signal), graceMs).unref();
        return;
      }
      void hardExit(signal);
    });
  }
}

const SIGNAL_EXIT_CODES: Record<string, number> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

async function hardExit(signal: string): Promise<never> {
  await runCleanups();
  process.exit(SIGNAL_EXIT_CODES[signal] ?? 1);
}

let fatalInstalled = false;

/**
 * For entry points (the CLI, the lab daemon): an uncaught exception or unhandled rejection
 * prints its error, runs every cleanup and exits 1, instead of leaving the lab behind. Not
 * for test runners, which report such errors themselves.
 */
export function installFatalHandlers(): void {
  if (fatalInstalled) return;
  fatalInstalled = true;
  let failing = false;
  const fatal = (what: string, error: unknown): void => {
    process.stderr.write(`error: ${what}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    if (failing) process.exit(1); // failed again while cleaning up
    failing = true;
    void runCleanups().finally(() => process.exit(1));
  };
  process.on('uncaughtException', (error) => fatal('uncaught exception', error));
  process.on('unhandledRejection', (reason) => fatal('unhandled rejection', reason));
}
