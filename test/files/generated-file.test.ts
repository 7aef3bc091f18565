// Writing a generated file into a directory someone else can write (the Samba share): links
// planted at its names are replaced, never written through or chowned.
import t from 'tap';
import { lstat, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeGeneratedFile } from '../../harness/files/generated-file.js';
import { generatedChunks } from '../../harness/files/generated-body.js';

t.test('symlinks at the temporary and the final name are not followed', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'qlab-generated-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const victim = join(dir, 'victim');
  await writeFile(victim, 'kept', { mode: 0o644 });
  const path = join(dir, '1000');
  await symlink(victim, `${path}.partial`);
  await symlink(victim, path);

  const owner = { uid: 65534, gid: 65534 };
  await writeGeneratedFile(path, 1000, owner);
  t.equal(await readFile(victim, 'utf8'), 'kept', 'the link target is untouched');
  const victimInfo = await lstat(victim);
  t.not(victimInfo.uid, owner.uid, 'and not chowned');
  const info = await lstat(path);
  t.ok(info.isFile(), 'the file replaced the link');
  t.equal(info.mode & 0o777, 0o600);
  if (process.getuid?.() === 0) t.equal(info.uid, owner.uid, 'owned by the given owner');
  t.same(await readFile(path), Buffer.concat([...generatedChunks(1000)]));
  await t.rejects(lstat(`${path}.partial`), { code: 'ENOENT' }, 'no temporary file left');
});
