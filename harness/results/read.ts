// Reads a result file, validating it: a bad file gives one line naming the file and the problem.
import { readFile } from 'node:fs/promises';
import { SCHEMA_VERSION, resultSchema, type ResultDocument } from './schema.js';
import { describeIssues } from './validation.js';

export class ResultFileError extends Error {}

export async function readResult(path: string): Promise<ResultDocument> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ResultFileError(`${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ResultFileError(`${path}: not JSON (truncated or not a result file)`);
  }
  const version = typeof json === 'object' && json !== null ? (json as { schemaVersion?: unknown }).schemaVersion : undefined;
  if (version !== SCHEMA_VERSION) {
    throw new ResultFileError(`${path}: schemaVersion ${JSON.stringify(version)} is not supported (this tool reads ${SCHEMA_VERSION})`);
  }
  const checked = resultSchema.safeParse(json);
  if (!checked.success) throw new ResultFileError(`${path}: ${describeIssues(checked.error)}`);
  return checked.data;
}
