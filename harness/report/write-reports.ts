// A scenario run's reports, written next to each result JSON: the same name with .html and
// .md. The JSON is written first, so a report that fails never costs the measurements.
import { writeFileAtomic } from '../files/atomic-write.js';
import type { ResultDocument } from '../results/schema.js';
import { reportPathsFor } from '../results/write.js';
import { DEFAULT_COMPARISON_OPTIONS } from '../analysis/sample-comparison.js';
import { renderReport } from './render.js';
import { reportPairs } from './report-parts.js';

/** Writes the HTML and Markdown reports beside each of `jsonPaths`; returns the paths written. */
export async function writeReportsBeside(document: ResultDocument, jsonPaths: readonly string[]): Promise<string[]> {
  const pairs = reportPairs([document], DEFAULT_COMPARISON_OPTIONS);
  const html = await renderReport([document], 'html', DEFAULT_COMPARISON_OPTIONS, pairs);
  const md = await renderReport([document], 'md', DEFAULT_COMPARISON_OPTIONS, pairs);
  const written: string[] = [];
  for (const jsonPath of jsonPaths) {
    const paths = reportPathsFor(jsonPath);
    await writeFileAtomic(paths.html, html);
    await writeFileAtomic(paths.md, md);
    written.push(paths.html, paths.md);
  }
  return written;
}
