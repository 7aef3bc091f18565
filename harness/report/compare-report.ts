// compare's output: per paired case and metric, the median of each run, the change from the
// first run to the last with its interval, its p-value alone and adjusted over the family, and
// a label. Text for the terminal, Markdown for CI (both from one table), JSON for programs.
import type { MetricTrend, RunComparison } from '../analysis/run-comparison.js';
import type { ComparisonOptions } from '../analysis/sample-comparison.js';
import type { Correction } from '../measure/inference.js';
import { formatInterval, formatMetricValue, formatPValue } from './format.js';
import { verdictText } from './sections.js';
import { renderMarkdownTable, renderTextTable, type Table } from './table.js';

export interface ComparedRun {
  path: string;
  runId: string;
  startedAt: string;
}

const METHOD_NAMES: Record<Correction, string> = { holm: 'Holm', bh: 'Benjamini-Hochberg', none: 'no correction' };

const percentText = (fraction: number) => `${Number((fraction * 100).toPrecision(4))}%`;

function mark(trend: MetricTrend, comparison: RunComparison): string {
  switch (trend.label) {
    case 'regression':
      return 'REGRESSION';
    case 'improvement':
      return 'improvement';
    case 'changed':
      return 'changed';
    case 'within threshold':
      return `${trend.direction === 'either' ? 'changed' : trend.direction}, within ${percentText(comparison.threshold)}`;
    case 'too few samples':
      return verdictText(trend.change, '');
    case 'not significant':
      // Significant alone, not once the family is accounted for: say so, or the p column puzzles.
      return trend.change.significant && comparison.correction.method !== 'none' ? `not significant after ${METHOD_NAMES[comparison.correction.method]}` : '';
    case 'not comparable':
      return '';
  }
}

export function comparisonTable(comparison: RunComparison, runs: number): Table {
  const runColumns = Array.from({ length: runs }, (_, i) => `#${i + 1}`);
  const adjusted = comparison.correction.method !== 'none';
  const rows = comparison.cases.flatMap((c) =>
    c.metrics.map((trend) => [
      c.caseId,
      c.profile,
      trend.change.metric.name,
      ...trend.medians.map((median) => formatMetricValue(median, trend.change.metric.unit)),
      formatInterval(trend.change.ratio),
      formatPValue(trend.change.pValue),
      ...(adjusted ? [formatPValue(trend.adjustedPValue)] : []),
      mark(trend, comparison),
    ]),
  );
  return {
    header: ['case', 'profile', 'metric', ...runColumns.map((r) => `${r} median`), `#${runs} / #1 (95% CI)`, 'p', ...(adjusted ? [`p ${comparison.correction.method}`] : []), ''],
    rows,
    align: ['left', 'left', 'left', ...runColumns.map(() => 'right' as const), 'right', 'right', ...(adjusted ? ['right' as const] : []), 'left'],
  };
}

export function regressions(comparison: RunComparison): number {
  return comparison.cases.reduce((sum, c) => sum + c.metrics.filter((m) => m.regression).length, 0);
}

function improvements(comparison: RunComparison): number {
  return comparison.cases.reduce((sum, c) => sum + c.metrics.filter((m) => m.improvement).length, 0);
}

/** The header line: how false alarms over the family are kept down, and at what alpha. */
export function correctionLine(comparison: RunComparison): string {
  const { method, familySize, alpha } = comparison.correction;
  const tests = `${familySize} test${familySize === 1 ? '' : 's'}`;
  if (method === 'none') return `False alarms: no correction; each of ${tests} at alpha ${alpha} alone (about one false alarm in ${Math.round(1 / alpha)} unchanged metrics).`;
  const controls = method === 'holm' ? 'family-wise error rate' : 'false discovery rate';
  return `False alarms: ${METHOD_NAMES[method]} correction over a family of ${tests}, alpha ${alpha} (controls the ${controls}).`;
}

/** Why a significant change can still be labelled "within": the rule in one line. */
export function labellingLine(comparison: RunComparison): string {
  const threshold = percentText(comparison.threshold);
  return `Labels: REGRESSION or improvement only when significant after correction and beyond ${threshold} either way; a smaller significant shift is "within ${threshold}", since runs differ from each other by more than the within-run test assumes.`;
}

export function renderComparison(comparison: RunComparison, runs: readonly ComparedRun[], warnings: readonly string[], options: ComparisonOptions, format: 'text' | 'md', caveats: readonly string[] = []): string {
  const md = format === 'md';
  const found = regressions(comparison);
  const improved = improvements(comparison);
  const threshold = percentText(comparison.threshold);
  const lines: string[] = [];
  if (md) lines.push('# QUIC lab: compare', '');
  lines.push(correctionLine(comparison), '');
  for (const [i, run] of runs.entries()) lines.push(`${md ? '- ' : ''}#${i + 1}: ${run.path} (${run.runId}, ${run.startedAt})`);
  if (warnings.length > 0 || caveats.length > 0) {
    lines.push('');
    for (const caveat of caveats) lines.push(md ? `> **caveat:** ${caveat}` : `caveat: ${caveat}`);
    for (const warning of warnings) lines.push(md ? `> **warning:** ${warning}` : `warning: ${warning}`);
  }
  lines.push('');
  lines.push(md ? renderMarkdownTable(comparisonTable(comparison, runs.length)) : renderTextTable(comparisonTable(comparison, runs.length)));
  lines.push('');
  const adjusted = comparison.correction.method === 'none' ? '' : `; p ${comparison.correction.method}: adjusted over the family`;
  lines.push(
    `Change: median of the last run over the first, with a 95% percentile-bootstrap interval (${options.resamples ?? 2000} resamples, seed ${options.seed}); ` + `p: two-sided Mann-Whitney U of this test alone${adjusted}.`,
  );
  lines.push(labellingLine(comparison));
  for (const label of comparison.onlyInBaseline) lines.push(`only in #1: ${label}`);
  for (const label of comparison.onlyInLatest) lines.push(`only in #${runs.length}: ${label}`);
  const within = comparison.cases.reduce((sum, c) => sum + c.metrics.filter((m) => m.label === 'within threshold').length, 0);
  lines.push(
    `${md ? '**' : ''}${found} significant regression${found === 1 ? '' : 's'} beyond ${threshold}, ${improved} significant improvement${improved === 1 ? '' : 's'} beyond ${threshold}` +
      `, ${within} significant shift${within === 1 ? '' : 's'} within ${threshold}${md ? '**' : ''}`,
  );
  return lines.join('\n') + '\n';
}

/** The comparison for programs: the same figures, the correction and the caveats as fields. */
export function comparisonJson(comparison: RunComparison, runs: readonly ComparedRun[], warnings: readonly string[], options: ComparisonOptions, caveats: readonly string[] = []): string {
  const finite = (value: number) => (Number.isFinite(value) ? value : null);
  return (
    JSON.stringify(
      {
        runs,
        correction: comparison.correction,
        threshold: comparison.threshold,
        acrossLinks: comparison.acrossLinks,
        bootstrap: { resamples: options.resamples ?? 2000, seed: options.seed },
        caveats,
        warnings,
        cases: comparison.cases.map((c) => ({
          caseId: c.caseId,
          profile: c.profile,
          metrics: c.metrics.map((m) => ({
            metric: m.change.metric.name,
            unit: m.change.metric.unit,
            better: m.change.metric.better,
            medians: m.medians,
            ratio: m.change.ratio,
            pValue: m.change.pValue,
            adjustedPValue: m.adjustedPValue,
            significant: m.significant,
            // null from a zero baseline: no finite relative shift.
            shift: finite(m.shift),
            direction: m.direction,
            label: m.label,
            samplesNeeded: m.change.samplesNeeded,
          })),
        })),
        onlyInBaseline: comparison.onlyInBaseline,
        onlyInLatest: comparison.onlyInLatest,
        regressions: regressions(comparison),
        improvements: improvements(comparison),
      },
      null,
      2,
    ) + '\n'
  );
}
