// compare's output: per paired case and metric, the median of each run, the change from the
// first run to the last with its interval and p-value, and a mark for what is significant.
// Text for the terminal, Markdown for CI; both from one table.
import type { MetricTrend, RunComparison } from '../analysis/run-comparison.js';
import type { ComparisonOptions } from '../analysis/sample-comparison.js';
import { formatInterval, formatMetricValue, formatPValue } from './format.js';
import { verdictText } from './sections.js';
import { renderMarkdownTable, renderTextTable, type Table } from './table.js';

export interface ComparedRun {
  path: string;
  runId: string;
  startedAt: string;
}

function mark(trend: MetricTrend, threshold: number): string {
  if (trend.regression) return 'REGRESSION';
  if (trend.change.verdict === 'worse') return `worse, within ${Number((threshold * 100).toPrecision(4))}%`;
  if (trend.improvement) return 'improvement';
  if (trend.change.verdict === 'not comparable' && trend.change.significant) return 'changed';
  if (trend.change.verdict === 'too few samples') return verdictText(trend.change, '');
  return '';
}

export function comparisonTable(comparison: RunComparison, runs: number): Table {
  const runColumns = Array.from({ length: runs }, (_, i) => `#${i + 1}`);
  const rows = comparison.cases.flatMap((c) =>
    c.metrics.map((trend) => [
      c.caseId,
      c.profile,
      trend.change.metric.name,
      ...trend.medians.map((median) => formatMetricValue(median, trend.change.metric.unit)),
      formatInterval(trend.change.ratio),
      formatPValue(trend.change.pValue),
      mark(trend, comparison.threshold),
    ]),
  );
  return {
    header: ['case', 'profile', 'metric', ...runColumns.map((r) => `${r} median`), `#${runs} / #1 (95% CI)`, 'p', ''],
    rows,
    align: ['left', 'left', 'left', ...runColumns.map(() => 'right' as const), 'right', 'right', 'left'],
  };
}

export function regressions(comparison: RunComparison): number {
  return comparison.cases.reduce((sum, c) => sum + c.metrics.filter((m) => m.regression).length, 0);
}

export function renderComparison(comparison: RunComparison, runs: readonly ComparedRun[], warnings: readonly string[], options: ComparisonOptions, format: 'text' | 'md'): string {
  const md = format === 'md';
  const found = regressions(comparison);
  const improvements = comparison.cases.reduce((sum, c) => sum + c.metrics.filter((m) => m.improvement).length, 0);
  const threshold = `${Number((comparison.threshold * 100).toPrecision(4))}%`;
  const lines: string[] = [];
  if (md) lines.push('# QUIC lab: compare', '');
  for (const [i, run] of runs.entries()) lines.push(`${md ? '- ' : ''}#${i + 1}: ${run.path} (${run.runId}, ${run.startedAt})`);
  if (warnings.length > 0) {
    lines.push('');
    for (const warning of warnings) lines.push(md ? `> **warning:** ${warning}` : `warning: ${warning}`);
  }
  lines.push('');
  lines.push(md ? renderMarkdownTable(comparisonTable(comparison, runs.length)) : renderTextTable(comparisonTable(comparison, runs.length)));
  lines.push('');
  lines.push(
    `Change: median of the last run over the first, with a 95% percentile-bootstrap interval (${options.resamples ?? 2000} resamples, seed ${options.seed}); ` +
      `p: two-sided Mann-Whitney U; a regression is significant (p < ${options.alpha}) and worse by more than ${threshold}.`,
  );
  for (const label of comparison.onlyInBaseline) lines.push(`only in #1: ${label}`);
  for (const label of comparison.onlyInLatest) lines.push(`only in #${runs.length}: ${label}`);
  lines.push(`${md ? '**' : ''}${found} significant regression${found === 1 ? '' : 's'} beyond ${threshold}, ${improvements} significant improvement${improvements === 1 ? '' : 's'}${md ? '**' : ''}`);
  return lines.join('\n') + '\n';
}
