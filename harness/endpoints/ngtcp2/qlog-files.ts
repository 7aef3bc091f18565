// ngtcp2 qlog files on disk: streamed into a trace (a 100 MB transfer writes a 30 MB qlog per
// side), and, for gtlsserver's one-file-per-connection directory, which file is the newest
// and whether the server has finished writing it.
import { createReadStream } from 'node:fs';
import { readdir, readlink, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { QlogTraceBuilder, type QlogTrace } from './qlog.js';

/**
 * Parses a JSON-SEQ qlog file record by record, never holding the whole text. A file that
 * does not exist reads as an empty trace (the program wrote none: it failed early).
 */
export async function readQlogFile(path: string): Promise<QlogTrace> {
  const builder = new QlogTraceBuilder();
  let rest = '';
  try {
    // setEncoding decodes across chunk boundaries; records split on 0x1e, which is ASCII.
    for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1024 * 1024 })) {
      const records = (rest + (chunk as string)).split('\x1e');
      rest = records.pop() ?? '';
      for (const record of records) builder.push(record);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  builder.push(rest);
  return builder.finish();
}

/**
 * The qlog file in `dir` of the connection that began last: by birth time where the file
 * system keeps one, else by modification time (a connection's file is written to its end).
 */
export async function newestQlogFile(dir: string): Promise<string | null> {
  let newest: { path: string; at: number } | null = null;
  for (const name of await readdir(dir).catch(() => [])) {
    const path = join(dir, name);
    const info = await stat(path).catch(() => null);
    if (!info?.isFile()) continue;
    const at = info.birthtimeMs > 0 ? info.birthtimeMs : info.mtimeMs;
    if (newest === null || at > newest.at) newest = { path, at };
  }
  return newest?.path ?? null;
}

/** The files process `pid` holds open (their resolved paths). */
async function openFiles(pid: number): Promise<Set<string>> {
  const fdDir = `/proc/${pid}/fd`;
  const targets = await Promise.all((await readdir(fdDir).catch(() => [])).map((fd) => readlink(join(fdDir, fd)).catch(() => '')));
  return new Set(targets.filter((t) => t !== ''));
}

const CLOSE_POLL_MS = 10;

/**
 * Waits until process `pid` no longer holds `path` open. gtlsserver buffers its qlog writes
 * and closes a connection's file only when it drops the connection, three PTOs after the
 * close (RFC 9000 10.2): until then the file's tail is missing. True once closed (or the
 * process is gone); false when still open after `timeoutMs`.
 */
export async function waitUntilClosed(pid: number | undefined, path: string, timeoutMs: number): Promise<boolean> {
  const target = resolve(path);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (pid === undefined || !(await openFiles(pid)).has(target)) return true;
    if (Date.now() >= deadline) return false;
    await sleep(CLOSE_POLL_MS);
  }
}
