// Output paths: checked before a run, written after it, never lost.
import t from 'tap';
import { mkdtemp, symlink, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { checkOutputDirectory, checkOutputFile, writeEverywhere } from '../../harness/run/output-paths.js';
import { RunOptionsError } from '../../harness/run/options.js';

t.test('checks: what exists, what may be made, what is refused', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'qlab-out-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await checkOutputDirectory(dir, '--results-dir');
  await checkOutputDirectory(join(dir, 'new'), '--results-dir');
  await t.rejects(checkOutputDirectory(join(dir, 'a', 'b'), '--results-dir'), new RunOptionsError(`--results-dir: ${join(dir, 'a')} does not exist (ENOENT)`));
  await writeFile(join(dir, 'file'), 'x');
  await t.rejects(checkOutputDirectory(join(dir, 'file'), '--keep-captures'), new RunOptionsError(`--keep-captures: ${join(dir, 'file')} is not a directory`));
  await checkOutputFile(join(dir, 'r.json'), '--out');
  await checkOutputFile(join(dir, 'file'), '--out');
  await t.rejects(checkOutputFile(dir, '--out'), new RunOptionsError(`--out: ${dir} is a directory; give a file name`));
  await t.rejects(checkOutputFile('/proc/self/x.json', '--out'), /--out: \/proc\/self is on a kernel file system/);
  await t.rejects(checkOutputDirectory('/sys/kernel', '--results-dir'), /--results-dir: \/sys\/kernel is on a kernel file system/);
  await checkOutputDirectory('/dev/shm', '--keep-captures');
  // What a directory check alone would let through, to fail only when the run is over.
  await t.rejects(checkOutputFile('', '--out'), new RunOptionsError('--out: an empty path'));
  await t.rejects(checkOutputFile(`${dir}/new/`, '--out'), new RunOptionsError(`--out: ${dir}/new/ ends with a slash; give a file name`));
  await t.rejects(checkOutputFile(join(dir, `${'x'.repeat(240)}.json`), '--out'), /--out: the name x{20}\.\.\. is longer than 237 bytes/);
  await symlink(join(dir, 'nowhere'), join(dir, 'dangling'));
  await t.rejects(checkOutputDirectory(join(dir, 'dangling'), '--results-dir'), new RunOptionsError(`--results-dir: ${join(dir, 'dangling')} is a symbolic link to nothing`));
  await t.rejects(checkOutputFile(join(dir, 'dangling'), '--out'), new RunOptionsError(`--out: ${join(dir, 'dangling')} is a symbolic link to nothing`));
});

t.test('write: every path that can take it, one level of directory made, a fallback when none can', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'qlab-out-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const results = join(dir, 'results', 'r.json');
  const copy = join(dir, 'copy.json');
  const written = await writeEverywhere('{"a":1}\n', [results, copy]);
  t.same(written, { paths: [results, copy], failures: [] });
  t.equal(await readFile(results, 'utf8'), '{"a":1}\n');

  // root writes through permission bits, so block with a file where a directory must be.
  const impossible = join(dir, 'copy.json', 'r.json');
  const partly = await writeEverywhere('new\n', [impossible, join(dir, 'second.json')]);
  t.same(partly.paths, [join(dir, 'second.json')], 'the path that works is written');
  t.equal(partly.failures.length, 1);
  t.match(partly.failures[0], impossible);
  t.equal(partly.fallback, undefined);

  const none = await writeEverywhere('kept\n', [impossible]);
  t.equal(none.paths.length, 1);
  t.equal(none.fallback, none.paths[0]);
  t.ok(none.fallback?.startsWith(join(tmpdir(), 'quic-lab-result-')), 'the fallback is a private directory under the temp dir');
  t.equal(await readFile(none.fallback as string, 'utf8'), 'kept\n', 'nothing lost');
  await rm(dirname(none.fallback as string), { recursive: true, force: true });
});
