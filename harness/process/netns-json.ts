// Work that must run inside a network namespace (a probe from the lab's client side) runs as
// a child: `ip netns exec NS node --import tsx FILE '<options JSON>'`, which prints one JSON
// line with its result. One way for every such module: runJsonInNetns on the caller's side,
// jsonMain as the module's entry point.
import type { z } from 'zod';
import { nodeScriptSpec, runCommand } from './managed-process.js';
import { isMainModule } from '../project-root.js';

/** Extra time a child needs to start (tsx) on top of the work's own bound. */
export const CHILD_STARTUP_MS = 15_000;

export async function runJsonInNetns<T>(what: string, file: string, options: unknown, netns: string, timeoutMs: number, parse: (json: unknown) => T): Promise<T> {
  const run = await runCommand({ ...nodeScriptSpec(`${what} in ${netns}`, file, options, netns), timeoutMs: timeoutMs + CHILD_STARTUP_MS });
  const last = run.stdout.trim().split('\n').at(-1) ?? '';
  try {
    return parse(JSON.parse(last));
  } catch {
    const why = run.timedOut ? 'timed out' : `exit code ${run.code}, signal ${run.signal}`;
    throw new Error(`${what} in ${netns}: no result (${why})${run.stderr.trim() ? `: ${run.stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`);
  }
}

/** When `moduleUrl` is the script run: parse argv[2] with `schema`, run, print the result as one JSON line, exit. */
export function jsonMain<S extends z.ZodType>(moduleUrl: string, what: string, schema: S, run: (options: z.infer<S>) => Promise<unknown>): void {
  if (!isMainModule(moduleUrl)) return;
  const parsed = schema.safeParse(JSON.parse(process.argv[2] ?? 'null'));
  if (!parsed.success) {
    process.stderr.write(`${what}: bad options: ${parsed.error.message.replace(/\s+/g, ' ')}\n`);
    process.exit(2);
  }
  void run(parsed.data).then(
    (result) => process.stdout.write(JSON.stringify(result) + '\n', () => process.exit(0)),
    (error: unknown) => {
      process.stderr.write(`${what}: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
