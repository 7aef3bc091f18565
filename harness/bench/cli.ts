// `npm run bench -- NAME [--out FILE]`: runs one bench, prints its JSON on stdout and writes
// it to FILE (default results/bench-NAME-<time>.json). Progress goes to stderr. Bad input is
// one line on stderr and exit code 2; a failed bench is one line and exit code 1.
import { fileTimestamp } from '../results/run-id.js';
import { resolve } from 'node:path';
import { writeFileAtomic } from '../files/atomic-write.js';
import { interruptSignal, runCleanups } from '../process/cleanup.js';
import { runLinkBench } from './link.js';
import { runTransferBench } from './transfer.js';
import { runTruthBench } from './truth.js';
import { RunOptionsError } from '../run/options.js';
import { checkOutputFile } from '../run/output-paths.js';
import { PROJECT_ROOT } from '../project-root.js';

const EXIT_USAGE = 2;

const BENCHES: Record<string, (log: (message: string) => void) => Promise<Record<string, unknown>>> = {
  link: runLinkBench,
  transfer: runTransferBench,
  truth: runTruthBench,
};

class UsageError extends Error {}

function parseArgs(argv: string[]): { name: string; out: string | undefined } {
  let name: string | undefined;
  let out: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--out') {
      out = argv[++i];
      if (out === undefined || out.startsWith('--')) throw new UsageError('--out needs a file name');
    } else if (arg.startsWith('--out=')) {
      out = arg.slice('--out='.length);
    } else if (arg.startsWith('-')) {
      throw new UsageError(`unknown option '${arg}' (valid options: --out FILE)`);
    } else if (name === undefined) {
      name = arg;
    } else {
      throw new UsageError(`one bench at a time, got "${name}" and "${arg}"`);
    }
  }
  const valid = Object.keys(BENCHES).join(', ');
  if (name === undefined) throw new UsageError(`name a bench: ${valid}`);
  if (!(name in BENCHES)) throw new UsageError(`unknown bench "${name}"; choose one of: ${valid}`);
  return { name, out };
}

async function main(argv: string[]): Promise<number> {
  let args: { name: string; out: string | undefined };
  try {
    args = parseArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`bench: ${error.message}\n`);
      return EXIT_USAGE;
    }
    throw error;
  }
  const bench = BENCHES[args.name] as (typeof BENCHES)[string];
  const out = resolve(args.out ?? resolve(PROJECT_ROOT, 'results', `bench-${args.name}-${fileTimestamp(new Date())}.json`));
  try {
    // Before the bench runs: a bench of minutes must not end on a path it cannot write.
    await checkOutputFile(out, '--out');
  } catch (error) {
    if (error instanceof RunOptionsError) {
      process.stderr.write(`bench: ${error.message}\n`);
      return EXIT_USAGE;
    }
    throw error;
  }
  try {
    const result = await bench((message) => process.stderr.write(`${message}\n`));
    const text = JSON.stringify(result, null, 2) + '\n';
    await writeFileAtomic(out, text);
    process.stdout.write(text);
    process.stderr.write(`wrote ${out}\n`);
    return 0;
  } catch (error) {
    if (interruptSignal.aborted) {
      process.stderr.write(`bench ${args.name} interrupted; everything it started is removed\n`);
      return 130;
    }
    process.stderr.write(`bench ${args.name} failed: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}\n`);
    return 1;
  } finally {
    await runCleanups();
  }
}

process.exitCode = await main(process.argv.slice(2));
