// Where captures are written and read: a private directory (0700) owned by the lab's
// unprivileged user, so tcpdump (after -Z) and tshark, running as that user, can reach the
// files in it and nobody else can. Root (the harness) removes it.
import { chown } from 'node:fs/promises';
import { makePrivateDir, withDir, type PrivateDir } from '../files/private-dir.js';
import { canDropPrivileges, labUser, type UnprivilegedUser } from '../process/unprivileged.js';

/** The user captures are written and read as; null when this process is not root (nothing to drop). */
export async function captureUser(): Promise<UnprivilegedUser | null> {
  return canDropPrivileges() ? labUser() : null;
}

export async function makeCaptureDir(prefix: string): Promise<PrivateDir> {
  const dir = await makePrivateDir(prefix);
  try {
    const user = await captureUser();
    if (user !== null) await chown(dir.path, user.uid, user.gid);
  } catch (error) {
    await dir.remove();
    throw error;
  }
  return dir;
}

/** `work` given a capture directory, removed when it ends however it ends. */
export function withCaptureDir<T>(prefix: string, work: (dir: string) => Promise<T>): Promise<T> {
  return withDir(makeCaptureDir(prefix), work);
}
