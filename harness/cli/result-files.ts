// Result files named on the command line: read and validated, a bad one is a usage error
// (one line naming the file, exit 2), and all of them must be runs of one scenario.
import { findScenario } from '../../scenarios/index.js';
import { readResult, ResultFileError } from '../results/read.js';
import type { ResultDocument } from '../results/schema.js';
import { UsageError } from '../options/usage-error.js';

export async function readResultFiles(paths: readonly string[]): Promise<ResultDocument[]> {
  const documents: ResultDocument[] = [];
  for (const path of paths) {
    try {
      documents.push(await readResult(path, findScenario));
    } catch (error) {
      if (error instanceof ResultFileError) throw new UsageError(error.message);
      throw error;
    }
  }
  const first = documents[0];
  for (const [i, document] of documents.entries()) {
    if (first && document.scenario !== first.scenario) {
      throw new UsageError(`${paths[i]}: a result of scenario ${document.scenario}, but ${paths[0]} is of ${first.scenario}; compare runs of one scenario`);
    }
  }
  return documents;
}
