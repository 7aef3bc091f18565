// npm run compare -- A.json B.json [more.json ...]: the change of every paired case and
// metric from the first run to the last, exit 1 on a significant regression beyond the
// threshold, 2 on bad input.
import { Command, Option } from 'commander';
import { compareRuns } from '../analysis/run-comparison.js';
import { environmentDifferences } from '../analysis/environment-diff.js';
import { DEFAULT_COMPARISON_OPTIONS } from '../analysis/sample-comparison.js';
import { writeFileAtomic } from '../files/atomic-write.js';
import { escapeControls, escapeControlsKeepingLines } from '../files/terminal-text.js';
import { parsePercentFraction, UnitError } from '../lab/units.js';
import { regressions, renderComparison } from '../report/compare-report.js';
import { commaListOf, integerInRange, oneOf } from './parse.js';
import { readResultFiles } from './result-files.js';
import { UsageError } from './usage-error.js';

export const EXIT_REGRESSION = 1;

function threshold(value: string): number {
  try {
    return parsePercentFraction(value, '--threshold');
  } catch (error) {
    if (error instanceof UnitError) throw new UsageError(error.message);
    throw error;
  }
}

interface CompareOptions {
  threshold: number;
  format: 'text' | 'md';
  out?: string;
  metrics?: string[];
  seed: number;
}

export function compareCommand(): Command {
  return new Command('compare')
    .description('compare runs of one scenario: the first file is the baseline, the last the run judged; more files in between give a trend')
    .argument('<baseline>', 'result JSON of the baseline run')
    .argument('<runs...>', 'result JSON of later runs (the last one is judged)')
    .addOption(new Option('--threshold <percent>', 'a significant change worse than this is a regression (exit 1)').argParser(threshold).default(0.05, '5%'))
    .option('--format <format>', 'text or md', oneOf('--format', ['text', 'md'] as const), 'text' as const)
    .option('--metrics <names>', "metrics to compare (default: the baseline's headline metrics)", commaListOf('--metrics'))
    .option('--seed <n>', 'bootstrap seed', integerInRange('--seed', 0, 2 ** 32 - 1), DEFAULT_COMPARISON_OPTIONS.seed)
    .option('--out <file>', 'write the comparison here instead of stdout')
    .action(async (baseline: string, later: string[], options: CompareOptions) => {
      const paths = [baseline, ...later];
      const documents = await readResultFiles(paths);
      const known = new Set(documents.flatMap((d) => d.metrics.map((m) => m.name)));
      const unknown = (options.metrics ?? []).filter((name) => !known.has(name));
      if (unknown.length > 0) throw new UsageError(`--metrics: no metric ${unknown.join(', ')} in these runs (they have: ${[...known].join(', ')})`);
      const statistics = { ...DEFAULT_COMPARISON_OPTIONS, seed: options.seed };
      const comparison = compareRuns(documents, { ...statistics, threshold: options.threshold, ...(options.metrics ? { metrics: options.metrics } : {}) });
      if (comparison.cases.length === 0) {
        throw new UsageError(`${paths[paths.length - 1]}: no case matches one of ${paths[0]} (same case id, profile and parameters); nothing to compare`);
      }
      const first = documents[0];
      const last = documents[documents.length - 1];
      const warnings = first && last ? environmentDifferences(first, last, ['#1', `#${documents.length}`]) : [];
      const runs = documents.map((d, i) => ({ path: paths[i] as string, runId: d.runId, startedAt: d.startedAt }));
      // Case ids, paths and host strings come from the files: no escape sequence of theirs reaches a terminal.
      const text = escapeControlsKeepingLines(renderComparison(comparison, runs, warnings, statistics, options.format));
      if (options.out) await writeFileAtomic(options.out, text);
      else process.stdout.write(text);
      for (const warning of warnings) process.stderr.write(`warning: ${escapeControls(warning)}\n`);
      if (regressions(comparison) > 0) process.exitCode = EXIT_REGRESSION;
    });
}
