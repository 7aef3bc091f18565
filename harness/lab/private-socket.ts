// A Unix socket only its owner can connect to, whatever the process's umask.
import { chmod } from 'node:fs/promises';
import type { Server } from 'node:net';

export const PRIVATE_SOCKET_MODE = 0o600;

/**
 * Listens on `path` with the socket created 0600: bound under a umask of 0177 (so there is no
 * moment when it is wider), then set explicitly.
 */
export async function listenOnPrivateSocket(server: Server, path: string): Promise<void> {
  const umask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } finally {
    process.umask(umask);
  }
  await chmod(path, PRIVATE_SOCKET_MODE);
}
