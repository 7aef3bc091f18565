// `npm run bench -- NAME [--out FILE]` (`--help` lists them): runs one bench, prints its JSON on stdout and writes
// it to FILE (default results/bench-NAME-<time>.json). Progress goes to stderr. Bad input is
// one line on stderr and exit code 2; a failed bench is one line and exit code 1.
import { fileTimestamp } from '../results/run-id.js';
import { resolve } from 'node:path';
import { writeFileAtomic } from '../files/atomic-write.js';
import { interruptSignal, runCleanups } from '../process/cleanup.js';
import { runLinkBench } from './link.js';
import { runTransferBench } from './transfer.js';
import { runTruthBench } from './truth.js';
import { runStacksBench } from './stacks.js';
import { runChangesBench } from './changes.js';
import { RunOptionsError } from '../run/options.js';
import { checkOutputFile } from '../run/output-paths.js';
import { PROJECT_ROOT } from '../project-root.js';
import { benchHelp, BenchUsageError, parseBenchArgs, type BenchArgs, type BenchName } from './args.js';
import { escapeControls } from '../files/terminal-text.js';

const EXIT_USAGE = 2;

const BENCHES: Record<BenchName, (log: (message: string) => void) => Promise<Record<string, unknown>>> = {
  link: runLinkBench,
  transfer: runTransferBench,
  truth: runTruthBench,
  stacks: runStacksBench,
  changes: runChangesBench,
};

async function main(argv: string[]): Promise<number> {
  let parsed: BenchArgs;
  try {
    parsed = parseBenchArgs(argv, process.env);
  } catch (error) {
    if (error instanceof BenchUsageError) {
      process.stderr.write(`bench: ${escapeControls(error.message)}\n`);
      return EXIT_USAGE;
    }
    throw error;
  }
  if (parsed.help) {
    process.stdout.write(benchHelp());
    return 0;
  }
  const args = parsed;
  const bench = BENCHES[args.name];
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
