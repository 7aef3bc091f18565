// One entry to every report format, so the report command and a scenario run render alike.
import type { ComparisonOptions } from '../analysis/sample-comparison.js';
import type { ResultDocument } from '../results/schema.js';
import { renderHtmlReport } from './html.js';
import { renderMarkdownReport } from './markdown.js';
import { renderTextReport } from './text.js';

export const REPORT_FORMATS = ['text', 'md', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export async function renderReport(documents: readonly ResultDocument[], format: ReportFormat, options: ComparisonOptions): Promise<string> {
  if (format === 'html') return renderHtmlReport(documents, options);
  if (format === 'md') return renderMarkdownReport(documents, options);
  return renderTextReport(documents, options);
}
