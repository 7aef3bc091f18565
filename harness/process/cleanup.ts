// Everything the harness creates (processes, namespaces, temp dirs) registers its removal
// here, so it goes away on success, on error, on Ctrl-C and on SIGTERM.

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

/** Aborted on the first SIGINT/SIGTERM: long work checks it and ends early with what it has. */
export const interruptSignal: AbortSignal = interrupt.signal;

function installSignalHandlers(): void {
  if (signalsInstalled) return;
  signalsInstalled = true;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (!interrupt.signal.aborted) {
        // First signal: the runner drops the sample in flight, writes an aborted result with
        // the samples it has, and cleans up. A hard deadline keeps a stuck step from holding the lab.
        interrupt.abort(new Error(`interrupted by ${signal}`));
        setTimeout(() => void hardExit(signal), 10_000).unref();
        return;
      }
      void hardExit(signal);
    });
  }
}

async function hardExit(signal: string): Promise<never> {
  await runCleanups();
  process.exit(signal === 'SIGINT' ? 130 : 143);
}
