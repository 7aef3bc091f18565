// One lab at a time on a host: two runs sharing two cores would measure each other.
// The lock is the kernel's: flock(2) on /run/quic-lab/lab.lock, held by an open file
// description of this process, so it dies with the process whatever kills it (no stale lock,
// no reused pid). Node has no flock, so util-linux's `flock` command locks the description it
// inherits as fd 3 and exits: the lock stays with the description, which this process keeps
// open (libuv opens files close-on-exec, so no other child inherits it).
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { mkdir, open, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { labRunDir } from './lab-state.js';

export function lockPath(): string {
  return join(labRunDir(), 'lab.lock');
}

export class LabBusyError extends Error {}

export interface LabHolder {
  pid: number;
  purpose: string;
  since: string;
}

export interface LockOptions {
  /** Wait while another process holds the lab (default: refuse at once with LabBusyError). */
  wait?: boolean;
  /** Told once, when the lab is busy and this call waits. */
  onWait?: (message: string) => void;
  /** Ends the wait (the lock is not taken; the reason is thrown). */
  signal?: AbortSignal;
}

/** flock's exit code when the lock is held elsewhere (-E), told apart from its errors. */
const CONFLICT_EXIT = 75;

/** This process's lock: one open description, counted holds (the bench keeps it across labs). */
let held: { handle: FileHandle; holds: number } | null = null;
/** Serializes acquisitions within this process. */
let acquiring: Promise<unknown> = Promise.resolve();

/**
 * Takes the lab lock for this process, waiting or refusing as `options` say. Within one
 * process the lock is re-entrant: it is released when the last hold is.
 */
export function acquireLabLock(purpose: string, options: LockOptions = {}): Promise<() => Promise<void>> {
  const attempt = acquiring.then(() => acquire(purpose, options));
  acquiring = attempt.catch(() => undefined);
  return attempt;
}

async function acquire(purpose: string, options: LockOptions): Promise<() => Promise<void>> {
  if (held) {
    held.holds++;
    return releaseOnce();
  }
  await mkdir(labRunDir(), { recursive: true });
  const handle = await open(lockPath(), constants.O_RDWR | constants.O_CREAT, 0o644);
  try {
    if (!(await flockFd(handle, ['--exclusive', '--nonblock']))) {
      const busy = busyMessage(await lockHolder());
      if (!options.wait) throw new LabBusyError(`${busy}; wait for it, or stop it (npm run lab -- down)`);
      options.onWait?.(`waiting for the lab: ${busy.replace(/^the lab is /, '')}…`);
      if (!(await flockFd(handle, ['--exclusive'], options.signal))) throw new LabBusyError(busy);
    }
    await handle.truncate(0);
    await handle.write(JSON.stringify({ pid: process.pid, purpose, since: new Date().toISOString() }) + '\n', 0);
  } catch (error) {
    await handle.close();
    throw error;
  }
  held = { handle, holds: 1 };
  return releaseOnce();
}

function busyMessage(holder: LabHolder | null): string {
  return holder ? `the lab is in use by pid ${holder.pid} (${holder.purpose}, since ${holder.since})` : 'the lab is in use by another process';
}

/**
 * Runs `flock ARGS 3` on the handle's description: true when locked, false on a conflict
 * (or when `signal` ended the wait; then the signal's reason is thrown).
 */
function flockFd(handle: FileHandle, args: string[], signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason instanceof Error ? signal.reason : new Error('interrupted'));
      return;
    }
    const child = spawn('flock', [...args, '--conflict-exit-code', String(CONFLICT_EXIT), '3'], { stdio: ['ignore', 'ignore', 'pipe', handle.fd] });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const onAbort = (): void => void child.kill('SIGKILL');
    signal?.addEventListener('abort', onAbort, { once: true });
    child.once('error', (error) => reject(new Error(`flock: ${error.message} (util-linux's flock is needed)`)));
    child.once('close', (code) => {
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted) reject(signal.reason instanceof Error ? signal.reason : new Error('interrupted'));
      else if (code === 0) resolve(true);
      else if (code === CONFLICT_EXIT) resolve(false);
      else reject(new Error(`flock ${lockPath()}: ${stderr.trim() || `exit ${code}`}`));
    });
  });
}

/** Who holds the lab now (null when nobody does): the holder's note, read only while the lock is taken. */
export async function lockHolder(): Promise<LabHolder | null> {
  if (!held) {
    let handle: FileHandle;
    try {
      handle = await open(lockPath(), constants.O_RDONLY);
    } catch {
      return null;
    }
    try {
      // A shared lock is free exactly when nobody holds the exclusive one.
      if (await flockFd(handle, ['--shared', '--nonblock'])) return null;
    } finally {
      await handle.close();
    }
  }
  try {
    const parsed = JSON.parse(await readFile(lockPath(), 'utf8')) as { pid?: unknown; purpose?: unknown; since?: unknown };
    if (typeof parsed.pid !== 'number') return null;
    return { pid: parsed.pid, purpose: typeof parsed.purpose === 'string' ? parsed.purpose : '', since: typeof parsed.since === 'string' ? parsed.since : '' };
  } catch {
    return null; // being rewritten by a new holder
  }
}

function releaseOnce(): () => Promise<void> {
  let released = false;
  return async () => {
    if (released || !held) return;
    released = true;
    if (--held.holds > 0) return;
    const { handle } = held;
    held = null;
    await handle.close(); // the last reference to the description: the kernel drops the lock
  };
}
