// The files the ngtcp2 drivers handle: generated upload bodies (cached per size, removed on
// dispose) and qlogs (streamed in; the newest of a directory; written to the end or not).
import t from 'tap';
import { spawn } from 'node:child_process';
import { access, mkdir, mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { once } from 'node:events';
import { generatedByteAt } from '../../harness/files/generated-body.js';
import { GeneratedBodyFiles } from '../../harness/files/body-files.js';
import { newestQlogFile, readQlogFile, waitUntilClosed } from '../../harness/endpoints/ngtcp2/qlog-files.js';
import { parseQlog } from '../../harness/endpoints/ngtcp2/qlog.js';

const dir = await mkdtemp(join(tmpdir(), 'qlab-ngtcp2-files-'));
t.teardown(() => rm(dir, { recursive: true, force: true }));

t.test('upload bodies: the generated pattern, written once per size, removed on dispose', async (t) => {
  const bodies = new GeneratedBodyFiles();
  const size = 5 * 1024 * 1024 + 7; // more than one 4 MiB write, and not a multiple of the pattern
  const path = await bodies.file(size);
  const content = await readFile(path);
  t.equal(content.length, size);
  t.ok(
    [0, 250, 251, 4 * 1024 * 1024 + 3, size - 1].every((i) => content[i] === generatedByteAt(i)),
    'byte i is i mod 251',
  );
  t.equal((await stat(path)).mode & 0o777, 0o600);
  t.equal(await bodies.file(size), path, 'the same size reuses the file');
  t.not(await bodies.file(10), path);
  await bodies.dispose();
  await t.rejects(access(dirname(path)), 'its directory is gone');
  t.throws(() => bodies.file(-1), /non-negative integer/);
});

t.test('a qlog file streams into the same trace as its text; a missing one is empty', async (t) => {
  for (const name of ['ngtcp2-client-download-1m.qlog', 'ngtcp2-server-lossy-200k.qlog']) {
    const path = new URL(`../fixtures/${name}`, import.meta.url).pathname;
    t.same(await readQlogFile(path), parseQlog(await readFile(path, 'utf8')), name);
  }
  t.same(await readQlogFile(join(dir, 'missing.qlog')), { vantagePoint: null, events: [] });
});

t.test('the newest qlog of a directory', async (t) => {
  const qlogs = join(dir, 'qlogs');
  t.equal(await newestQlogFile(qlogs), null, 'no directory');
  await mkdir(qlogs);
  t.equal(await newestQlogFile(qlogs), null, 'empty');
  await writeFile(join(qlogs, 'a.sqlog'), 'a');
  await new Promise((resolve) => setTimeout(resolve, 20));
  await writeFile(join(qlogs, 'b.sqlog'), 'b');
  // Touching the older file does not make it the newer connection where birth times exist.
  const old = new Date(Date.now() + 60_000);
  await utimes(join(qlogs, 'a.sqlog'), old, old);
  const birthKnown = (await stat(join(qlogs, 'b.sqlog'))).birthtimeMs > 0;
  t.equal(await newestQlogFile(qlogs), join(qlogs, birthKnown ? 'b.sqlog' : 'a.sqlog'), birthKnown ? 'by birth time' : 'by modification time');
});

t.test('waiting until a process has closed a file', async (t) => {
  const file = join(dir, 'held.qlog');
  await writeFile(file, '');
  const holder = spawn('bash', ['-c', `exec 3>>"$1"; echo ready; read -r _`, 'hold', file], { stdio: ['pipe', 'pipe', 'ignore'] });
  await once(holder.stdout, 'data');
  t.equal(await waitUntilClosed(holder.pid, file, 50), false, 'still open');
  const done = waitUntilClosed(holder.pid, file, 5000);
  holder.stdin.end('\n'); // the holder reads its line and exits, closing the file
  t.equal(await done, true, 'closed');
  t.equal(await waitUntilClosed(undefined, file, 0), true, 'no process: nothing holds it');
});
