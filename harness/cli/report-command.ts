// npm run report -- results/FILE.json [more.json ...] [--format text|md|html] [--out FILE]:
// a report built from result files alone. Several runs of one scenario (say one per
// profile) make one report whose QUIC vs TCP+TLS tables and heatmap span them.
import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { extname } from 'node:path';
import { UsageError } from '../options/usage-error.js';
import { DEFAULT_COMPARISON_OPTIONS } from '../analysis/sample-comparison.js';
import { writeFileAtomic } from '../files/atomic-write.js';
import { escapeControls, escapeControlsKeepingLines } from '../files/terminal-text.js';
import { renderReport, REPORT_FORMATS, type ReportFormat } from '../report/render.js';
import { integerInRange, oneOf } from '../options/parse.js';
import { readResultFiles } from './result-files.js';

interface ReportOptions {
  format?: ReportFormat;
  out?: string;
  seed: number;
}

/** --format, else the --out file's extension, else text. */
function formatFor(options: ReportOptions): ReportFormat {
  if (options.format) return options.format;
  const extension = options.out ? extname(options.out).slice(1) : '';
  return (REPORT_FORMATS as readonly string[]).includes(extension) ? (extension as ReportFormat) : 'text';
}

/**
 * `npm run report r.json --format html` (no `--`): npm takes --format for itself, passing
 * neither it nor a variable on, only "html" as if it were a file. Said so when no such file exists.
 */
function formatSwallowedByNpm(paths: readonly string[]): void {
  const format = paths.find((p) => (REPORT_FORMATS as readonly string[]).includes(p) && !existsSync(p));
  if (format === undefined) return;
  const files = paths.filter((p) => p !== format);
  throw new UsageError(`"${format}" is not a result file; if you meant --format ${format}, npm kept --format for itself: type npm run report -- ${files.join(' ')} --format ${format}`);
}

export function reportCommand(): Command {
  return new Command('report')
    .description('render result files as a report: text (the terminal table), md (CI summaries) or html (self-contained, with charts)')
    .argument('<results...>', 'result JSON files of one scenario')
    .option('--format <format>', REPORT_FORMATS.join(', ') + ' (default: from --out, else text)', oneOf('--format', REPORT_FORMATS))
    .option('--out <file>', 'write the report here instead of stdout')
    .option('--seed <n>', 'bootstrap seed', integerInRange('--seed', 0, 2 ** 32 - 1), DEFAULT_COMPARISON_OPTIONS.seed)
    .action(async (paths: string[], options: ReportOptions) => {
      formatSwallowedByNpm(paths);
      const documents = await readResultFiles(paths);
      // Case ids and other strings come from the files: no escape sequence of theirs reaches a terminal.
      const text = escapeControlsKeepingLines(await renderReport(documents, formatFor(options), { ...DEFAULT_COMPARISON_OPTIONS, seed: options.seed }));
      if (options.out) {
        await writeFileAtomic(options.out, text);
        process.stderr.write(`wrote ${escapeControls(options.out)}\n`);
      } else process.stdout.write(text);
    });
}
