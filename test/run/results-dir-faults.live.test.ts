// A finished run is never lost to its results directory: a full one (a 64 KiB tmpfs filled to
// the last byte) gets nothing, the result goes to a private fallback directory and the run says
// where; a read-only one is refused before anything is set up. Root only (it mounts tmpfs).
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { readResult } from '../../harness/results/read.js';
import { runCli } from '../fixtures/run-cli.js';

const skip = process.getuid?.() !== 0 ? 'needs root (mounts a tmpfs)' : false;
/** One quick loopback sample: what matters is where its result goes. */
const RUN = ['scenario', 'handshake', '--link', 'loopback', '--variants', 'quic-h3', '--samples', '1', '--warmup', '0', '--no-capture'];

async function tmpfs(t: Test, options: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'qlab-tmpfs-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { encoding: 'utf8' });
  if (mounted.status !== 0) throw new Error(`mount tmpfs: ${mounted.stderr}`);
  t.teardown(async () => {
    spawnSync('umount', [dir]);
    await rm(dir, { recursive: true, force: true });
  });
  return dir;
}

/** Fills `dir` until the file system refuses another byte. */
async function fill(dir: string): Promise<void> {
  try {
    await writeFile(join(dir, 'filler'), Buffer.alloc(1024 * 1024));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  }
  for (let i = 0; i < 64; i++) {
    try {
      await writeFile(join(dir, `crumb-${i}`), 'x');
    } catch {
      return;
    }
  }
}

t.test('a full results directory: the result goes to a fallback, and the run says where', { skip }, async (t) => {
  const full = await tmpfs(t, 'size=64k');
  await fill(full);
  const run = await runCli([...RUN, '--results-dir', full]);
  t.equal(run.code, 0, 'the run itself completed');
  const fallback = /the result went to (\S+) instead/.exec(run.stderr)?.[1];
  t.ok(fallback, `the run says where the result went: ${run.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  t.match(run.stderr, new RegExp(`result not written to ${full.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`), 'and that the results directory failed');
  if (!fallback) return;
  t.teardown(() => rm(dirname(fallback), { recursive: true, force: true }));
  const document = await readResult(fallback);
  t.equal(document.status, 'completed');
  t.equal(document.cases[0]?.samples.filter((s) => s.status === 'ok').length, 1, 'the sample is in it');
  t.strictSame(
    (await readdir(full)).filter((f) => f.endsWith('.json')),
    [],
    'nothing half-written left in the full directory',
  );
});

t.test('a read-only results directory is refused before anything is set up', { skip }, async (t) => {
  const readOnly = await tmpfs(t, 'size=64k,ro');
  const started = Date.now();
  const run = await runCli([...RUN, '--results-dir', readOnly]);
  t.equal(run.code, 2, run.stderr);
  t.match(run.stderr, /--results-dir/, 'the option is named');
  t.ok(Date.now() - started < 5000, 'refused at once');
});
