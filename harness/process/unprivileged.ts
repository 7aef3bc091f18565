// The unprivileged system user the lab runs what needs no root as: tcpdump after it has opened
// its capture device (-Z), tshark dissecting captured traffic, the headless browser. `npm run
// setup` creates it (scripts/setup.sh); its name is recorded here.
import { readFile } from 'node:fs/promises';

export const LAB_USER_NAME = 'quic-lab';

export interface UnprivilegedUser {
  name: string;
  uid: number;
  gid: number;
}

let cached: Promise<UnprivilegedUser> | undefined;

/** The lab user from /etc/passwd; a clear error when setup has not created it. */
export function labUser(): Promise<UnprivilegedUser> {
  cached ??= readFile('/etc/passwd', 'utf8').then((text) => {
    const user = userFromPasswd(text, LAB_USER_NAME);
    if (user === null) throw new Error(`the unprivileged user "${LAB_USER_NAME}" does not exist: run \`npm run setup\` (it creates it)`);
    return user;
  });
  cached.catch(() => (cached = undefined)); // not created yet: look again next time
  return cached;
}

/** A user's entry in passwd(5) text, or null. */
export function userFromPasswd(text: string, name: string): UnprivilegedUser | null {
  for (const line of text.split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name && uid !== undefined && gid !== undefined && /^\d+$/.test(uid) && /^\d+$/.test(gid)) return { name, uid: Number(uid), gid: Number(gid) };
  }
  return null;
}

/** The user to run what needs no root as: the lab's when this process is root, none (nothing to drop) otherwise. */
export async function labUserIfRoot(): Promise<UnprivilegedUser | null> {
  return canDropPrivileges() ? labUser() : null;
}

/** Whether this process can drop to another user (it is root); if not, there is nothing to drop. */
export function canDropPrivileges(): boolean {
  return process.getuid?.() === 0;
}

/**
 * `command args` run as `user` through setpriv: real and effective ids, no supplementary
 * groups, no capabilities inherited or regained, no new privileges (setuid binaries do not
 * lift it back), and the user's own environment (HOME=/nonexistent: tshark would otherwise
 * read root's ~/.config/wireshark, and crash on it). The kernel clears the parent-death signal
 * when the user id changes, so the one commandLine set (managed-process.ts) is set again here.
 */
export function asUser(user: UnprivilegedUser, command: string, args: readonly string[]): { command: string; args: string[] } {
  return {
    command: 'setpriv',
    args: [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', '--no-new-privs', '--pdeathsig=KILL', '--reset-env', '--', command, ...args],
  };
}
