// A private directory (0700) owned by the lab's unprivileged user when this process is root, so
// what runs as that user (tcpdump after -Z, tshark, Chromium) can reach the files in it and
// nobody else can. Root (the harness) removes it.
import { chown, stat } from 'node:fs/promises';
import { makePrivateDir, withDir, type PrivateDir } from './private-dir.js';
import { labUserIfRoot } from '../process/unprivileged.js';

export async function makeLabUserDir(prefix: string): Promise<PrivateDir> {
  const dir = await makePrivateDir(prefix);
  try {
    const user = await labUserIfRoot();
    if (user !== null) await chown(dir.path, user.uid, user.gid);
  } catch (error) {
    await dir.remove();
    throw error;
  }
  return dir;
}

/** `work` given a lab user's directory, removed when it ends however it ends. */
export function withLabUserDir<T>(prefix: string, work: (dir: string) => Promise<T>): Promise<T> {
  return withDir(makeLabUserDir(prefix), work);
}

/** Gives `paths` (made by root inside the lab user's directory `dir`) to the directory's owner. */
export async function ownLikeDir(dir: string, paths: readonly string[]): Promise<void> {
  const owner = await stat(dir);
  for (const path of paths) await chown(path, owner.uid, owner.gid);
}
