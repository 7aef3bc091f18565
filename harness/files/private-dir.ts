// A private temporary directory: mode 0700, removed when its work (or its server) is done,
// and on an interrupt too (the cleanup registry), whatever the work did.
import { rm } from 'node:fs/promises';
import { makeOwnedTempDir } from './owned-temp-dir.js';
import { onCleanup } from '../process/cleanup.js';

export interface PrivateDir {
  readonly path: string;
  /** Removes the directory and all in it; safe to call more than once. */
  remove(): Promise<void>;
}

/** A directory that outlives one call (a server's work directory, say). */
export async function makePrivateDir(prefix: string): Promise<PrivateDir> {
  const path = await makeOwnedTempDir(prefix); // mkdtemp makes it 0700; named after this process for the sweep
  const unregister = onCleanup(`remove ${path}`, () => rm(path, { recursive: true, force: true }));
  let removed: Promise<void> | undefined;
  return {
    path,
    remove: () =>
      (removed ??= rm(path, { recursive: true, force: true }).then(() => {
        unregister();
      })),
  };
}

/** `work` given the directory `made` gives, removed when it ends however it ends. */
export async function withDir<T>(made: Promise<PrivateDir>, work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await made;
  try {
    return await work(dir.path);
  } finally {
    await dir.remove();
  }
}

export function withPrivateDir<T>(prefix: string, work: (dir: string) => Promise<T>): Promise<T> {
  return withDir(makePrivateDir(prefix), work);
}
