// Where the project is, from a source file or from the bundled CLI, and which module is the
// script a process was started with (never one inside the bundle).
import t from 'tap';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PROJECT_ROOT, findProjectRoot, isMainModule, projectPath } from '../../harness/project-root.js';

t.test('the project root is the directory of quic-lab package.json, from anywhere below it', async (t) => {
  t.equal(PROJECT_ROOT, resolve(import.meta.dirname, '../..'));
  t.equal(findProjectRoot(join(PROJECT_ROOT, 'build')), PROJECT_ROOT, 'from the bundle in build/');
  t.equal(projectPath('harness/lab/probe-main.ts'), join(PROJECT_ROOT, 'harness/lab/probe-main.ts'));

  const dir = await mkdtemp(join(tmpdir(), 'qlab-root-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'quic-lab' }));
  await mkdir(join(dir, 'node_modules/other/lib'), { recursive: true });
  await writeFile(join(dir, 'node_modules/other/package.json'), JSON.stringify({ name: 'other' }));
  t.equal(findProjectRoot(join(dir, 'node_modules/other/lib')), dir, "another package's package.json is passed by");
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'not-quic-lab' }));
  t.throws(() => findProjectRoot(join(dir, 'node_modules/other/lib')), /no quic-lab package.json at or above/);
});

t.test('only a .ts source run as the script is the main module', async (t) => {
  const argv1 = process.argv[1];
  t.teardown(() => {
    process.argv[1] = argv1 as string;
  });
  const source = projectPath('harness/smb/tcp-probe.ts');
  process.argv[1] = source;
  t.equal(isMainModule(pathToFileURL(source).href), true, 'node --import tsx harness/smb/tcp-probe.ts');
  t.equal(isMainModule(pathToFileURL(projectPath('harness/cli.ts')).href), false, 'another module of the same process');
  const bundle = projectPath('build/cli.mjs');
  process.argv[1] = bundle;
  t.equal(isMainModule(pathToFileURL(bundle).href), false, 'node build/cli.mjs: every bundled module has this URL, none is a child script');
  process.argv[1] = projectPath('bin/quic-lab.mjs');
  t.equal(isMainModule(pathToFileURL(bundle).href), false, 'the launcher');
});
