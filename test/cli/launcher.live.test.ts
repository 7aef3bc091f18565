// The launcher end to end in a copy of the project: the first start builds build/cli.mjs, the
// next starts use it as it is, and saving a source makes the next start build again.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, rm, stat, symlink, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

t.test('bin/quic-lab.mjs builds when missing or stale, and only then', async (t) => {
  const copy = await mkdtemp(join(tmpdir(), 'qlab-launcher-'));
  t.teardown(() => rm(copy, { recursive: true, force: true }));
  for (const entry of ['bin', 'harness', 'scenarios', 'schema', 'package.json', 'package-lock.json', 'tsconfig.json']) {
    await cp(join(ROOT, entry), join(copy, entry), { recursive: true });
  }
  await symlink(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
  const start = () => spawnSync(process.execPath, [join(copy, 'bin/quic-lab.mjs'), 'scenario', '--list'], { cwd: copy, encoding: 'utf8', timeout: 60_000 });

  const first = start();
  t.equal(first.status, 0, first.stderr);
  t.match(first.stderr, /building the CLI \(no build yet\)/);
  t.match(first.stdout, /^handshake\s/m);
  const built = (await stat(join(copy, 'build/cli.mjs'))).mtimeMs;

  const second = start();
  t.equal(second.status, 0, second.stderr);
  t.equal(second.stderr, '', 'no build when nothing changed');
  t.equal((await stat(join(copy, 'build/cli.mjs'))).mtimeMs, built);

  const later = new Date(); // saved now: after the first build started, and not in the future
  await utimes(join(copy, 'harness/lab/units.ts'), later, later);
  const third = start();
  t.equal(third.status, 0, third.stderr);
  t.match(third.stderr, /building the CLI \(harness\/lab\/units\.ts changed\)/);
  t.match(third.stdout, /^handshake\s/m);
  t.equal(start().stderr, '', 'built once for that change');
});
