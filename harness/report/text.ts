// The terminal summary: one row per case, median and p5-p95 of each headline metric.
import type { ResultDocument } from '../results/schema.js';
import { describeLink } from './link-summary.js';

function formatNumber(value: number): string {
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function pad(cells: string[][]): string {
  const widths = cells[0]?.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length))) ?? [];
  return cells
    .map((row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join('  '))
    .join('\n');
}

/** Rates read better in Mbit/s than in bits per second: the header says so. */
function columnOf(metric: string): { header: string; divisor: number } {
  const rate = /^(.*)BitsPerSecond$/.exec(metric);
  return rate ? { header: `${rate[1]} Mbit/s`, divisor: 1e6 } : { header: metric, divisor: 1 };
}

/** Renders the summary table for `metrics` (those no case has are left out). */
export function renderTextSummary(document: ResultDocument, metrics: readonly string[]): string {
  const shown = metrics.filter((metric) => document.cases.some((c) => c.summary[metric] !== undefined));
  const header = ['case', 'ok/n', ...shown.map((metric) => columnOf(metric).header)];
  const rows = document.cases.map((c) => {
    if (c.unsupported !== undefined) return [c.id, '-', ...shown.map((_, i) => (i === 0 ? 'unsupported' : ''))];
    const ok = c.samples.filter((s) => s.status === 'ok').length;
    const cells = shown.map((metric) => {
      const summary = c.summary[metric];
      const { divisor } = columnOf(metric);
      return summary ? `${formatNumber(summary.median / divisor)} (${formatNumber(summary.p5 / divisor)}-${formatNumber(summary.p95 / divisor)})` : '-';
    });
    return [c.id, `${ok}/${c.samples.length}`, ...cells];
  });
  const link = describeLink(document.link);
  const lines = [
    `${document.scenario} (${link}): ${document.options.samples} samples per case after ${document.options.warmup} warm-up, status ${document.status}`,
    pad([header, ...rows]),
    'median (p5-p95) of the successful samples, in the unit the metric name ends with',
  ];
  const failures = document.cases.flatMap((c) => c.samples.filter((s) => s.status === 'failed').map((s) => `${c.id} #${s.index}: ${s.error ?? ''}`));
  if (failures.length > 0) lines.push(`failed samples (${failures.length}):`, ...failures.slice(0, 5).map((f) => `  ${f}`));
  const flagged = document.cases.flatMap((c) => c.samples.flatMap((s) => (s.flags ?? []).map((f) => `${c.id} #${s.index}: ${f}`)));
  if (flagged.length > 0) lines.push(`flagged (${flagged.length}, see "flags" in the result):`, ...flagged.slice(0, 5).map((f) => `  ${f}`));
  for (const c of document.cases) if (c.unsupported !== undefined) lines.push(`${c.id}: unsupported: ${c.unsupported}`);
  for (const error of document.errors) lines.push(`error: ${error}`);
  return lines.join('\n') + '\n';
}
