// The launcher's staleness check and its built programs (bin/build-state.mjs) on a made-up tree with exact modification
// times: files only, no build.
import t from 'tap';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtProgram, newestSource, PROGRAMS, staleReason } from '../../bin/build-state.mjs';

async function file(path: string, seconds: number): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, '');
  await utimes(path, seconds, seconds);
}

t.test('the build is redone exactly when a source is newer than the stamp', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'qlab-launcher-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  await file(join(root, 'package.json'), 1000);
  await file(join(root, 'harness/cli.ts'), 1000);
  await file(join(root, 'harness/lab/deep/x.ts'), 1500);
  await file(join(root, 'harness/lab/notes.md'), 9000); // not a source
  await file(join(root, 'scenarios/handshake.ts'), 1200);
  t.same(newestSource(root), { path: join(root, 'harness/lab/deep/x.ts'), mtimeMs: 1_500_000 });
  t.equal(staleReason(root), 'no build yet');

  await file(join(root, 'build/cli.mjs'), 2000);
  t.equal(staleReason(root), 'no build yet', 'no stamp');
  await file(join(root, 'build/stamp'), 2000);
  t.equal(staleReason(root), undefined, 'every source older than the stamp');
  await utimes(join(root, 'scenarios/handshake.ts'), 2000, 2000);
  t.equal(staleReason(root), undefined, 'a source no newer than the stamp');
  await utimes(join(root, 'scenarios/handshake.ts'), 2001, 2001);
  t.equal(staleReason(root), 'scenarios/handshake.ts changed');
  await utimes(join(root, 'scenarios/handshake.ts'), 1200, 1200);
  await utimes(join(root, 'package.json'), 3000, 3000);
  t.equal(staleReason(root), 'package.json changed', 'dependencies changed');
});

t.test('a program is started from the build only when the build is current and wrote it', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'qlab-launcher-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  const source = 'harness/lab/probe-program.ts';
  t.equal(PROGRAMS[source], 'probe-program.mjs', 'the lab probe is one of the built programs');
  await file(join(root, 'package.json'), 1000);
  await file(join(root, source), 1000);
  t.equal(builtProgram(root, source), undefined, 'no build yet');
  await file(join(root, 'build/cli.mjs'), 2000);
  await file(join(root, 'build/stamp'), 2000);
  t.equal(builtProgram(root, source), undefined, 'a current build without the program');
  await file(join(root, 'build/probe-program.mjs'), 1999);
  t.equal(builtProgram(root, source), undefined, "older than the stamp: an earlier build's");
  await utimes(join(root, 'build/probe-program.mjs'), 2001, 2001);
  t.equal(builtProgram(root, source), join(root, 'build/probe-program.mjs'));
  t.equal(builtProgram(root, 'harness/cli.ts'), undefined, 'not a built program');
  await utimes(join(root, source), 3000, 3000);
  t.equal(builtProgram(root, source), undefined, 'a source changed since: tsx runs the source');
});
