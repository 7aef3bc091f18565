// The Markdown report, for CI summaries and pull requests: the summary per case, QUIC against
// TCP+TLS with intervals and p-values, the link and the environment.
import type { ComparisonOptions } from '../analysis/sample-comparison.js';
import type { TransportPair } from '../analysis/transport-pairs.js';
import type { ResultDocument } from '../results/schema.js';
import { environmentNotes, methodSentence, runHeadline } from './report-parts.js';
import { environmentTable, linkTable, noteLines, summaryTable, transportTable } from './sections.js';
import { renderMarkdownTable } from './table.js';
import { matrixTable } from './matrix-table.js';
import { verdictCounts, verdictTable } from './interop-table.js';
import { competitionTables } from './competition-table.js';

export function renderMarkdownReport(documents: readonly ResultDocument[], options: ComparisonOptions, pairs: readonly TransportPair[]): string {
  const first = documents[0];
  if (!first) throw new RangeError('a report needs a result');
  const sections = [`# ${first.scenario}: QUIC vs TCP+TLS 1.3`];
  for (const document of documents) {
    sections.push(`## Run \`${document.runId}\``, runHeadline(document), renderMarkdownTable(summaryTable(document)));
    sections.push('Median (p5-p95) of the successful samples, in the unit the metric name ends with.');
    const matrix = matrixTable(document);
    if (matrix) sections.push(`Server x client, median ${matrix.metric} (ok/n):`, renderMarkdownTable(matrix.table));
    const verdicts = verdictTable(document);
    if (verdicts) sections.push(`Verdicts (${verdictCounts(verdicts.counts)}):`, renderMarkdownTable(verdicts.table), verdicts.notes.map((note) => `- ${note}`).join('\n'));
    for (const { title, table } of competitionTables(document)) sections.push(`${title.charAt(0).toUpperCase()}${title.slice(1)}:`, renderMarkdownTable(table));
    const link = linkTable(document);
    if (link) sections.push('Link, configured vs achieved:', renderMarkdownTable(link));
    const notes = noteLines(document);
    if (notes.length > 0) sections.push(notes.map((line) => (line.startsWith('  ') ? `  - ${line.trim()}` : `- ${line}`)).join('\n'));
  }
  sections.push('## QUIC vs TCP+TLS', pairs.length > 0 ? renderMarkdownTable(transportTable(pairs)) : 'No QUIC and TCP+TLS cases of the same workload.', methodSentence(options));
  sections.push('## Environment', renderMarkdownTable(environmentTable(first)), ...environmentNotes(documents).map((line) => `> **warning:** ${line}`));
  return sections.join('\n\n') + '\n';
}
