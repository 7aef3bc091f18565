// Result files: validated before they are written, written atomically.
import { writeFileAtomic } from '../files/atomic-write.js';
import { resultSchema, type ResultDocument } from './schema.js';
import { describeIssues } from './validation.js';
import { projectPath } from '../project-root.js';

export const DEFAULT_RESULTS_DIR = projectPath('results');

/** The reports written beside a result JSON: the same name with .html and .md. */
export function reportPathsFor(jsonPath: string): { html: string; md: string } {
  const base = jsonPath.replace(/\.json$/i, '');
  return { html: `${base}.html`, md: `${base}.md` };
}

export function resultFileName(document: ResultDocument): string {
  return `${document.runId}.json`;
}

/** The document as it is written: checked against the schema first. */
export function resultText(document: ResultDocument): string {
  const checked = resultSchema.safeParse(document);
  if (!checked.success) throw new Error(`result document does not match the schema: ${describeIssues(checked.error)}`);
  return JSON.stringify(checked.data, null, 2) + '\n';
}

/** Validates `document` and writes it to each path; returns the paths written. */
export async function writeResult(document: ResultDocument, paths: readonly string[]): Promise<string[]> {
  const text = resultText(document);
  for (const path of paths) await writeFileAtomic(path, text);
  return [...paths];
}
