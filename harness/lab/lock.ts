// One lab at a time on a host: two runs sharing two cores would measure each other.
import { processAlive } from '../process/proc-table.js';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { LAB_RUN_DIR } from './lab-state.js';

export const LOCK_PATH = join(LAB_RUN_DIR, 'lab.lock');

export class LabBusyError extends Error {}

/** Holds taken by this process (the bench keeps the lock across the labs it starts). */
let holdsInThisProcess = 0;

/**
 * Takes the lab lock for `pid`; a lock left by a dead process is taken over. Within one
 * process the lock is re-entrant: it is released when the last hold is.
 */
export async function acquireLabLock(purpose: string, pid = process.pid): Promise<() => Promise<void>> {
  await mkdir(LAB_RUN_DIR, { recursive: true });
  if (pid === process.pid && holdsInThisProcess > 0 && (await lockHolder())?.pid === pid) {
    holdsInThisProcess++;
    return releaseOnce(pid);
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(LOCK_PATH, 'wx', 0o644);
      await handle.writeFile(JSON.stringify({ pid, purpose, since: new Date().toISOString() }) + '\n');
      await handle.close();
      if (pid === process.pid) holdsInThisProcess = 1;
      return releaseOnce(pid);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = await lockHolder();
      if (holder && processAlive(holder.pid)) {
        throw new LabBusyError(`the lab is in use by pid ${holder.pid} (${holder.purpose}, since ${holder.since}); wait for it, or stop it (npm run lab -- down)`);
      }
      await rm(LOCK_PATH, { force: true });
    }
  }
  throw new LabBusyError(`could not take the lab lock ${LOCK_PATH}`);
}

export async function lockHolder(): Promise<{ pid: number; purpose: string; since: string } | null> {
  try {
    const parsed = JSON.parse(await readFile(LOCK_PATH, 'utf8')) as { pid?: unknown; purpose?: unknown; since?: unknown };
    if (typeof parsed.pid !== 'number') return null;
    return { pid: parsed.pid, purpose: typeof parsed.purpose === 'string' ? parsed.purpose : '', since: typeof parsed.since === 'string' ? parsed.since : '' };
  } catch {
    return null;
  }
}

function releaseOnce(pid: number): () => Promise<void> {
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    if (pid === process.pid && --holdsInThisProcess > 0) return;
    const holder = await lockHolder();
    if (holder?.pid === pid) await rm(LOCK_PATH, { force: true });
  };
}
