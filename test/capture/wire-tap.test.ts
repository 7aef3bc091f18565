import t from 'tap';
import { mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureFilter, createKeyLog } from '../../harness/capture/wire-tap.js';

t.test('the capture filter names only the run servers, per transport', async (t) => {
  t.equal(
    captureFilter([
      { address: { host: '198.18.0.2', port: 4433, serverName: 's' }, protocol: 'quic' },
      { address: { host: '198.18.0.2', port: 39000, serverName: 's' }, protocol: 'tcp-tls' },
      { address: { host: '198.18.0.2', port: 4433, serverName: 's' }, protocol: 'quic' },
    ]),
    '(host 198.18.0.2 and ((udp port 4433) or (tcp port 39000)))',
  );
  t.throws(() => captureFilter([]), /no servers/);
});

t.test('the key log is a new 0600 file: never an existing file, never through a symlink', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'qlab-keylog-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const keylog = join(dir, 'keys.log');
  await createKeyLog(keylog);
  t.equal((await stat(keylog)).mode & 0o777, 0o600);
  await writeFile(keylog, 'CLIENT_RANDOM secret');
  await t.rejects(createKeyLog(keylog), { code: 'EEXIST' }, 'an existing key log is not overwritten');
  t.equal(await readFile(keylog, 'utf8'), 'CLIENT_RANDOM secret');

  const victim = join(dir, 'victim');
  await writeFile(victim, 'kept');
  const planted = join(dir, 'planted.log');
  await symlink(victim, planted);
  await t.rejects(createKeyLog(planted), { code: 'EEXIST' }, 'a symlink at its name is refused');
  t.equal(await readFile(victim, 'utf8'), 'kept');
});
