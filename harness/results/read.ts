// Reads a result file, validating it (older schema versions through their migration): a bad
// file gives one line naming the file and the problem.
import { readFile } from 'node:fs/promises';
import { resultSchema, type ResultDocument } from './schema.js';
import { migrate, type ScenarioLookup } from './migrate.js';
import { describeIssues } from './validation.js';

export class ResultFileError extends Error {}

/** `known`: the scenarios this tool knows, for migrating older files (see ScenarioLookup). */
export async function readResult(path: string, known?: ScenarioLookup): Promise<ResultDocument> {
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
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ResultFileError(`${path}: not a QUIC lab result (not a JSON object)`);
  const migrated = migrate(json as Record<string, unknown>, known);
  if ('error' in migrated) throw new ResultFileError(`${path}: ${migrated.error}`);
  const checked = resultSchema.safeParse(migrated.document);
  if (!checked.success) throw new ResultFileError(`${path}: ${describeIssues(checked.error)}`);
  return checked.data;
}
