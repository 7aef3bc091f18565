// Property-based tests of reading result files (outside input: any file a user points report
// or compare at). A valid document round-trips; a document altered anywhere, or any JSON at
// all, is read or refused with one ResultFileError line that names the file.
import t from 'tap';
import fc from 'fast-check';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResultFileError, readResult } from '../../harness/results/read.js';
import { sampleResultDocument } from '../fixtures/result-document.js';

const dir = await mkdtemp(join(tmpdir(), 'qlab-property-results-'));
t.teardown(() => rm(dir, { recursive: true, force: true }));
const path = join(dir, 'result.json');

/** Reads `text` as a result file: the document, or null when refused with a proper one-line ResultFileError. */
async function readText(text: string): Promise<unknown> {
  await writeFile(path, text);
  try {
    return await readResult(path);
  } catch (error) {
    if (!(error instanceof ResultFileError)) throw new Error(`not a ResultFileError: ${String(error)}`, { cause: error });
    if (!error.message.startsWith(`${path}: `) || error.message.includes('\n')) throw new Error(`not one line naming the file: ${JSON.stringify(error.message)}`, { cause: error });
    return null;
  }
}

/** Every [path, value] in a JSON document, so a change can be put at any of them. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [prefix];
  const keys: (string | number)[] = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return [prefix, ...keys.flatMap((k) => paths((value as Record<string | number, unknown>)[k], [...prefix, k]))];
}

function setAt(document: unknown, at: (string | number)[], replacement: unknown): unknown {
  if (at.length === 0) return replacement;
  const copy = structuredClone(document) as Record<string | number, unknown>;
  let node = copy;
  for (const key of at.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[at[at.length - 1] as string | number] = replacement;
  return copy;
}

t.test('a valid result document round-trips through its file', async (t) => {
  const document = sampleResultDocument();
  t.same(await readText(JSON.stringify(document)), document);
  t.same(await readText(JSON.stringify(document, null, 2)), document, 'formatting does not matter');
});

t.test('a document with any one value replaced is read or refused with one line naming the file', async (t) => {
  const document = sampleResultDocument();
  const all = paths(document);
  const replacement = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(null, -1, 1e308, '', 'NaN', [], {}, '\x1b[31mred'));
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...all), replacement, async (at, value) => {
      await readText(JSON.stringify(setAt(document, at, value)));
    }),
    { numRuns: 150 },
  );
  t.pass('no counterexample');
});

t.test('any JSON, and any text, is refused with one line naming the file (or read, if valid)', async (t) => {
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        fc.jsonValue().map((v) => JSON.stringify(v)),
        fc.string(),
        fc.string({ unit: 'binary' }),
      ),
      async (text) => {
        await readText(text);
      },
    ),
    { numRuns: 150 },
  );
  t.pass('no counterexample');
});
