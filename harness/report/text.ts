// The terminal summary: one row per case, median and p5-p95 of each headline metric.
import type { ComparisonOptions } from '../analysis/sample-comparison.js';
import type { TransportPair } from '../analysis/transport-pairs.js';
import type { ResultDocument } from '../results/schema.js';
import { methodSentence } from './report-parts.js';
import { describeLink } from './link-summary.js';
import { noteLines, summaryTable, transportTable } from './sections.js';
import { renderTextTable } from './table.js';
import { matrixTable } from './matrix-table.js';

function matrixLines(document: ResultDocument): string[] {
  const matrix = matrixTable(document);
  return matrix ? [`server x client, median ${matrix.metric} (ok/n):`, renderTextTable(matrix.table)] : [];
}

/** Renders the summary table for `metrics` (default: the headline; those no case has are left out). */
export function renderTextSummary(document: ResultDocument, metrics: readonly string[] = document.headline): string {
  const lines = [
    `${document.scenario} (${describeLink(document.link)}): ${document.options.samples} samples per case after ${document.options.warmup} warm-up, status ${document.status}`,
    renderTextTable(summaryTable(document, metrics)),
    'median (p5-p95) of the successful samples, in the unit the metric name ends with',
    ...matrixLines(document),
    ...noteLines(document),
  ];
  return lines.join('\n') + '\n';
}

/** `npm run report --format text`: each run's summary, then QUIC against TCP+TLS. */
export function renderTextReport(documents: readonly ResultDocument[], options: ComparisonOptions, pairs: readonly TransportPair[]): string {
  const parts = documents.map((document) => renderTextSummary(document));
  if (pairs.length > 0) parts.push(`QUIC vs TCP+TLS\n${renderTextTable(transportTable(pairs))}\n${methodSentence(options)}\n`);
  return parts.join('\n');
}
