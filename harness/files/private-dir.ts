// A private temporary directory: mode 0700, removed when its work (or its server) is done,
// and on an interrupt too (the cleanup registry), whatever the work did.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onCleanup } from '../process/cleanup.js';

export interface PrivateDir {
  readonly path: string;
  /** Removes the directory and all in it; safe to call more than once. */
  remove(): Promise<void>;
}

/** A directory that outlives one call (a server's work directory, say). */
export async function makePrivateDir(prefix: string): Promise<PrivateDir> {
  const path = await mkdtemp(join(tmpdir(), prefix)); // mkdtemp makes it 0700
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

export async function withPrivateDir<T>(prefix: string, work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await makePrivateDir(prefix);
  try {
    return await work(dir.path);
  } finally {
    await dir.remove();
  }
}
