// npm run compare -- A.json B.json [more.json ...]: the change of every paired case and
// metric from the first run to the last, exit 1 on a regression (significant after the
// family's correction and beyond the threshold), 2 on bad input.
import { Command, Option } from 'commander';
import { compareRuns } from '../analysis/run-comparison.js';
import { environmentDifferences, linkDifferences } from '../analysis/environment-diff.js';
import { DEFAULT_COMPARISON_OPTIONS } from '../analysis/sample-comparison.js';
import { writeFileAtomic } from '../files/atomic-write.js';
import { escapeControls, escapeControlsKeepingLines } from '../files/terminal-text.js';
import { parsePercentFraction, UnitError } from '../lab/units.js';
import type { Correction } from '../measure/inference.js';
import { comparisonJson, regressions, renderComparison } from '../report/compare-report.js';
import { commaListOf, integerInRange, oneOf } from '../options/parse.js';
import { readResultFiles } from './result-files.js';
import { UsageError } from '../options/usage-error.js';

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
  correction: Correction;
  acrossLinks?: boolean;
  json?: boolean;
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
    .option(
      '--correction <method>',
      'false-alarm control over all the tests of the comparison: holm (family-wise error rate), bh (Benjamini-Hochberg, false discovery rate) or none',
      oneOf('--correction', ['holm', 'bh', 'none'] as const),
      'holm' as const,
    )
    .option('--across-links', 'pair cases by scenario, case id and parameters even when the runs were made on different links (the difference is printed as a caveat)')
    .option('--json', 'print the comparison as JSON (overrides --format)')
    .option('--out <file>', 'write the comparison here instead of stdout')
    .action(async (baseline: string, later: string[], options: CompareOptions) => {
      const paths = [baseline, ...later];
      const documents = await readResultFiles(paths);
      const known = new Set(documents.flatMap((d) => d.metrics.map((m) => m.name)));
      const unknown = (options.metrics ?? []).filter((name) => !known.has(name));
      if (unknown.length > 0) throw new UsageError(`--metrics: no metric ${unknown.join(', ')} in these runs (they have: ${[...known].join(', ')})`);
      const statistics = { ...DEFAULT_COMPARISON_OPTIONS, seed: options.seed };
      const comparison = compareRuns(documents, {
        ...statistics,
        threshold: options.threshold,
        correction: options.correction,
        acrossLinks: options.acrossLinks ?? false,
        ...(options.metrics ? { metrics: options.metrics } : {}),
      });
      const first = documents[0];
      const last = documents[documents.length - 1];
      const names = ['#1', `#${documents.length}`] as const;
      const links = first && last ? linkDifferences(first, last, names) : [];
      if (comparison.cases.length === 0) {
        const nothing = `${paths[paths.length - 1]}: no case matches one of ${paths[0]}`;
        if (links.length > 0 && !options.acrossLinks) {
          throw new UsageError(`${nothing} on the same link: the runs were made on different links (${links.join('; ')}); --across-links pairs cases by scenario, case id and parameters`);
        }
        throw new UsageError(`${nothing} (same case id, ${options.acrossLinks ? '' : 'profile '}and parameters); nothing to compare`);
      }
      const warnings = first && last ? environmentDifferences(first, last, names) : [];
      const caveats = options.acrossLinks && links.length > 0 ? [`cases paired across different links (--across-links), so a change may be the link's: ${links.join('; ')}`] : [];
      const runs = documents.map((d, i) => ({ path: paths[i] as string, runId: d.runId, startedAt: d.startedAt }));
      const rendered = options.json ? comparisonJson(comparison, runs, warnings, statistics, caveats) : renderComparison(comparison, runs, warnings, statistics, options.format, caveats);
      // Case ids, paths and host strings come from the files: no escape sequence of theirs reaches a terminal.
      // JSON.stringify escapes C0 controls; the rest become \u escapes, which JSON reads back as they were.
      const text = options.json ? rendered.replace(/[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) : escapeControlsKeepingLines(rendered);
      if (options.out) await writeFileAtomic(options.out, text);
      else process.stdout.write(text);
      for (const caveat of caveats) process.stderr.write(`caveat: ${escapeControls(caveat)}\n`);
      for (const warning of warnings) process.stderr.write(`warning: ${escapeControls(warning)}\n`);
      if (regressions(comparison) > 0) process.exitCode = EXIT_REGRESSION;
    });
}
