// The terminal summary: one row per case, median and p5-p95 of each headline metric.
import { DEFAULT_COMPARISON_OPTIONS, type ComparisonOptions } from '../analysis/sample-comparison.js';
import type { TransportPair } from '../analysis/transport-pairs.js';
import type { ResultDocument } from '../results/schema.js';
import { methodSentence, reportPairs } from './report-parts.js';
import { describeRunLink } from './link-summary.js';
import { noteLines, summaryTable, transportTable } from './sections.js';
import { renderTextTable } from './table.js';
import { matrixTable } from './matrix-table.js';
import { verdictLines } from './verdict.js';
import { verdictTable, verdictCounts } from './interop-table.js';
import { competitionTables } from './competition-table.js';

/** The pass/fail/unsupported table of a run with verdicts (interop), its notes below it. */
export function verdictTableLines(document: ResultDocument): string[] {
  const verdicts = verdictTable(document);
  return verdicts ? [`verdicts (${verdictCounts(verdicts.counts)}):`, renderTextTable(verdicts.table), ...verdicts.notes] : [];
}

function matrixLines(document: ResultDocument): string[] {
  const matrix = matrixTable(document);
  return matrix ? [`server x client, median ${matrix.metric} (ok/n):`, renderTextTable(matrix.table)] : [];
}

/** A competition's tables: how the flows shared the link, and the probe idle vs loaded. */
function competitionLines(document: ResultDocument): string[] {
  return competitionTables(document).flatMap(({ title, table }) => [`${title}:`, renderTextTable(table)]);
}

/**
 * Renders the summary table for `metrics` (default: the headline; those no case has are left
 * out), the notes, and last the QUIC vs TCP+TLS verdict on the headline metrics (computed as
 * the reports compute it, unless the run's `pairs` are given).
 */
export function renderTextSummary(
  document: ResultDocument,
  metrics: readonly string[] = document.headline,
  options: ComparisonOptions = DEFAULT_COMPARISON_OPTIONS,
  pairs: readonly TransportPair[] = reportPairs([document], options),
): string {
  const lines = [
    `${document.scenario} (${describeRunLink(document)}): ${document.options.samples} samples per case after ${document.options.warmup} warm-up, status ${document.status}`,
    renderTextTable(summaryTable(document, metrics)),
    'median (p5-p95) of the successful samples, in the unit the metric name ends with',
    ...matrixLines(document),
    ...competitionLines(document),
    ...verdictTableLines(document),
    ...noteLines(document),
    ...verdictLines(pairs, document.link.backend),
  ];
  return lines.join('\n') + '\n';
}

/** `npm run report --format text`: each run's summary, then QUIC against TCP+TLS. */
export function renderTextReport(documents: readonly ResultDocument[], options: ComparisonOptions, pairs: readonly TransportPair[]): string {
  const parts = documents.map((document) =>
    renderTextSummary(
      document,
      document.headline,
      options,
      pairs.filter((p) => document.cases.includes(p.quic)),
    ),
  );
  if (pairs.length > 0) parts.push(`QUIC vs TCP+TLS\n${renderTextTable(transportTable(pairs))}\n${methodSentence(options)}\n`);
  return parts.join('\n');
}
