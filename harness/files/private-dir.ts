// A private temporary directory for one piece of work: mode 0700, removed afterwards, and on an
// interrupt too (the cleanup registry), whatever the work did.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onCleanup } from '../process/cleanup.js';

export async function withPrivateDir<T>(prefix: string, work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), prefix)); // mkdtemp makes it 0700
  const unregister = onCleanup(`remove ${dir}`, () => rm(dir, { recursive: true, force: true }));
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
    unregister();
  }
}
