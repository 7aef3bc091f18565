// Reads a result file, validating it (older schema versions through their migration): a bad
// file gives one line naming the file and the problem. Only a regular file of at most
// MAX_RESULT_BYTES is read, checked on the open descriptor before reading, so a FIFO, a
// device or a huge file is refused at once instead of blocking or filling memory.
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { resultSchema, type ResultDocument } from './schema.js';
import { migrate, type ScenarioLookup } from './migrate.js';
import { describeIssues } from './validation.js';
import { escapeControls } from '../files/terminal-text.js';

export class ResultFileError extends Error {}

/** 64 MiB: a run of 100,000 samples with its series is about 30 MB; anything bigger is not a result. */
export const MAX_RESULT_BYTES = 64 * 1024 * 1024;

/** How deep a result nests at most (8 today), with room to grow: deeper is not a result, and is refused before anything recurses into it. */
export const MAX_RESULT_NESTING = 64;

function fileKind(stat: { isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean }): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

/** The file's text; `name` is the path as shown in errors. */
async function readRegularFile(path: string, name: string, maxBytes: number): Promise<string> {
  let handle: FileHandle;
  try {
    // O_NONBLOCK: opening a FIFO without a writer returns at once (fstat then refuses it); no effect on a regular file.
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    throw new ResultFileError(`${name}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new ResultFileError(`${name}: ${fileKind(stat)}, not a result file (give a result JSON file)`);
    const tooBig = (bytes: number) => new ResultFileError(`${name}: ${(bytes / 2 ** 20).toFixed(1)} MiB, over the ${maxBytes / 2 ** 20} MiB a result file may have`);
    if (stat.size > maxBytes) throw tooBig(stat.size);
    // Read at most one byte past the limit: a file that grew since the stat is refused too.
    const buffer = Buffer.alloc(stat.size + 1 <= maxBytes ? stat.size + 1 : maxBytes + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length === buffer.length) {
        if (length > maxBytes) throw tooBig(length);
        break;
      }
    }
    return buffer.toString('utf8', 0, length);
  } catch (error) {
    if (error instanceof ResultFileError) throw error;
    throw new ResultFileError(`${name}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  } finally {
    await handle.close();
  }
}

/** The deepest nesting of arrays and objects in JSON text, scanning no further than `limit` + 1 (strings skipped). */
export function jsonNestingDepth(text: string, limit: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

/** The first case id that appears more than once, with the indices of its first two cases. */
function duplicateCaseId(document: ResultDocument): { id: string; first: number; second: number } | null {
  const seen = new Map<string, number>();
  for (const [index, resultCase] of document.cases.entries()) {
    const first = seen.get(resultCase.id);
    if (first !== undefined) return { id: resultCase.id, first, second: index };
    seen.set(resultCase.id, index);
  }
  return null;
}

export interface ReadOptions {
  maxBytes?: number;
}

/** `known`: the scenarios this tool knows, for migrating older files (see ScenarioLookup). */
export async function readResult(path: string, known?: ScenarioLookup, options: ReadOptions = {}): Promise<ResultDocument> {
  const name = escapeControls(path);
  const text = await readRegularFile(path, name, options.maxBytes ?? MAX_RESULT_BYTES);
  if (jsonNestingDepth(text, MAX_RESULT_NESTING) > MAX_RESULT_NESTING) {
    throw new ResultFileError(`${name}: nested more than ${MAX_RESULT_NESTING} levels deep (a result nests less than 10; not a result file)`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ResultFileError(`${name}: not JSON (truncated or not a result file)`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ResultFileError(`${name}: not a QUIC lab result (not a JSON object)`);
  const migrated = migrate(json as Record<string, unknown>, known);
  if ('error' in migrated) throw new ResultFileError(`${name}: ${escapeControls(migrated.error)}`);
  const checked = resultSchema.safeParse(migrated.document);
  if (!checked.success) throw new ResultFileError(`${name}: ${escapeControls(describeIssues(checked.error))}`);
  const duplicate = duplicateCaseId(checked.data);
  if (duplicate) {
    throw new ResultFileError(`${name}: cases.${duplicate.second}: case id ${JSON.stringify(duplicate.id)} is already that of cases.${duplicate.first} (case ids are unique in a run)`);
  }
  return checked.data;
}
