// One entry to every report format, so the report command and a scenario run render alike.
// The QUIC vs TCP+TLS statistics (bootstraps) are computed once and shared by the formats;
// the HTML renderer (vega) is loaded only when HTML is asked for.
import type { ComparisonOptions } from '../analysis/sample-comparison.js';
import type { TransportPair } from '../analysis/transport-pairs.js';
import type { ResultDocument } from '../results/schema.js';
import { renderMarkdownReport } from './markdown.js';
import { reportPairs } from './report-parts.js';
import { renderTextReport } from './text.js';

export const REPORT_FORMATS = ['text', 'md', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export async function renderReport(documents: readonly ResultDocument[], format: ReportFormat, options: ComparisonOptions, pairs: readonly TransportPair[] = reportPairs(documents, options)): Promise<string> {
  if (format === 'html') return (await import('./html.js')).renderHtmlReport(documents, options, pairs);
  if (format === 'md') return renderMarkdownReport(documents, options, pairs);
  return renderTextReport(documents, options, pairs);
}
