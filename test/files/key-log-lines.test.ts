// The copy of a key log another user's program wrote into the run's: only well-formed lines,
// only from a regular file, never through a link.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendKeyLog } from '../../harness/files/key-log-lines.js';

const random = 'ab'.repeat(32);
const line = (label: string): string => `${label} ${random} ${'cd'.repeat(32)}`;

t.test('well-formed lines are appended, the rest left out; a missing log copies none', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'qlab-keylog-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const run = join(dir, 'run.log');
  await writeFile(run, `${line('CLIENT_RANDOM')}\n`);
  const browser = join(dir, 'browser.log');
  await writeFile(browser, `# comment\n${line('SERVER_TRAFFIC_SECRET_0')}\nnot a line\n${line('CLIENT_TRAFFIC_SECRET_0')}  \n${line('EXPORTER_SECRET').slice(0, 40)}`);
  t.equal(await appendKeyLog(browser, run), 2);
  t.equal(await readFile(run, 'utf8'), `${line('CLIENT_RANDOM')}\n${line('SERVER_TRAFFIC_SECRET_0')}\n${line('CLIENT_TRAFFIC_SECRET_0')}\n`);
  t.equal(await appendKeyLog(join(dir, 'absent.log'), run), 0);
  await writeFile(browser, 'nothing\n');
  t.equal(await appendKeyLog(browser, run), 0);
  t.equal((await readFile(run, 'utf8')).split('\n').length, 4, 'nothing appended for no lines');
});

t.test('a link or something other than a regular file is refused', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'qlab-keylog-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const run = join(dir, 'run.log');
  await writeFile(run, '');
  const target = join(dir, 'elsewhere');
  await writeFile(target, `${line('SERVER_TRAFFIC_SECRET_0')}\n`);
  await symlink(target, join(dir, 'link.log'));
  await t.rejects(appendKeyLog(join(dir, 'link.log'), run), /cannot read the key log .*link\.log/);
  execFileSync('mkfifo', [join(dir, 'fifo.log')]);
  await t.rejects(appendKeyLog(join(dir, 'fifo.log'), run), /not a regular file/, 'a FIFO neither blocks nor is read');
  await t.rejects(appendKeyLog(dir, run), /not a regular file/);
  t.equal(await readFile(run, 'utf8'), '');
});
