// Temporary directories named after the process that owns them (<prefix>pid<PID>-XXXXXX), so
// that what a killed run left (key logs, captures, server work directories) can be found and
// removed by the next run or `lab down`, without a state file that the kill may have missed.
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ownerAlive, reapable } from '../process/proc-table.js';

/** The project's owned temporary directories: its prefixes, the owner's pid, mkdtemp's six characters. */
const OWNED_NAME = /^(?:quic-lab|qlab)-[a-z0-9-]*?pid(\d+)-[A-Za-z0-9]{6}$/;

/** mkdtemp (mode 0700) under the system temp dir, named after this process. */
export function makeOwnedTempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `${prefix}pid${process.pid}-`));
}

/** The pid a directory name says owns it, or null for names that are not the project's owned ones. */
export function ownerOfTempName(name: string): number | null {
  const pid = Number(OWNED_NAME.exec(name)?.[1]);
  return pid > 0 ? pid : null;
}

/** An owned temporary directory and whether its owner still runs. */
export interface OwnedTempDir {
  path: string;
  ownerPid: number;
  ownerAlive: boolean;
}

/** The project's owned temporary directories under `dir` (this process's own left out). */
export async function findOwnedTempDirs(dir = tmpdir()): Promise<OwnedTempDir[]> {
  const found: OwnedTempDir[] = [];
  for (const name of (await readdir(dir).catch(() => [] as string[])).sort()) {
    const pid = ownerOfTempName(name);
    if (pid === null || pid === process.pid) continue;
    const path = join(dir, name);
    const info = await stat(path).catch(() => null);
    if (!info?.isDirectory()) continue;
    // Made no later than its birth (or, where the file system has none, its last change).
    found.push({ path, ownerPid: pid, ownerAlive: ownerAlive(pid, info.birthtimeMs > 0 ? info.birthtimeMs : info.ctimeMs) });
  }
  return found;
}

/** Removes owned temporary directories whose owner is gone (or whose pid now names a later process). */
export async function sweepStaleTempDirs(dir = tmpdir()): Promise<string[]> {
  const removed: string[] = [];
  for (const found of await findOwnedTempDirs(dir)) {
    if (!reapable(found)) continue;
    await rm(found.path, { recursive: true, force: true });
    removed.push(found.path);
  }
  return removed;
}
