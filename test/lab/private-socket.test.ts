// The lab daemon's socket is created 0600 whatever the umask.
import t from 'tap';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listenOnPrivateSocket, PRIVATE_SOCKET_MODE } from '../../harness/lab/private-socket.js';

t.test('a socket only its owner can use, and the umask as it was', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'qlab-socket-'));
  const server = createServer();
  t.teardown(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });
  const before = process.umask(0o000); // the widest umask: without the fix the socket would be 0777
  try {
    const path = join(dir, 'lab.sock');
    await listenOnPrivateSocket(server, path);
    const info = await stat(path);
    t.ok(info.isSocket());
    t.equal(info.mode & 0o777, PRIVATE_SOCKET_MODE);
    t.equal(process.umask(), 0o000, 'the umask is put back');
  } finally {
    process.umask(before);
  }
});
