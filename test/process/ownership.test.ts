// What the reaper goes by: the owner's pid in a namespace's or temporary directory's name, and
// whether that pid still names the process that made it (not a later one that reused it).
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeOwnedTempDir, ownerOfTempName, sweepStaleTempDirs } from '../../harness/files/owned-temp-dir.js';
import { namespaceOwner } from '../../harness/lab/namespaces.js';
import { ownerAlive } from '../../harness/process/proc-table.js';

/** A pid that ran and is gone (waited for, so not a zombie). */
async function deadPid(): Promise<number> {
  const child = spawn('true');
  await new Promise((done) => child.once('exit', done));
  return child.pid ?? 0;
}

t.test('names carry the owner', async (t) => {
  t.equal(namespaceOwner('qlab-1234-ab12-c'), 1234);
  t.equal(namespaceOwner('qlab-bench-456-a'), 456);
  t.equal(namespaceOwner('qlab-probe-789-0f0f'), 789);
  t.equal(namespaceOwner('qlab-'), null);
  t.equal(namespaceOwner('other-1234-x'), null);
  t.equal(ownerOfTempName('quic-lab-capture-pid4321-AbC123'), 4321);
  t.equal(ownerOfTempName('quic-lab-gtlsclient-bodies-pid77-zzzzzz'), 77);
  t.equal(ownerOfTempName('qlab-emulator-pid5-aaaaaa'), 5);
  t.equal(ownerOfTempName('quic-lab-result-AbC123'), null, "a fallback result directory is never the sweep's");
  t.equal(ownerOfTempName('quic-lab-capture-pid12-AbC123x'), null);
  const made = await makeOwnedTempDir('quic-lab-test-');
  t.teardown(() => rm(made, { recursive: true, force: true }));
  t.equal(ownerOfTempName(made.split('/').pop() ?? ''), process.pid, 'makeOwnedTempDir names this process');
});

t.test('ownerAlive: alive, and started before the thing was made', async (t) => {
  const child = spawn('sleep', ['30']);
  t.teardown(() => void child.kill('SIGKILL'));
  await new Promise((r) => setTimeout(r, 100));
  const pid = child.pid ?? 0;
  t.ok(ownerAlive(pid, Date.now()), 'made after the process started: its owner');
  t.notOk(ownerAlive(pid, Date.now() - 60_000), 'made a minute before the process started: a reused pid');
  t.notOk(ownerAlive(await deadPid(), Date.now()), 'a dead pid owns nothing');
});

t.test('the sweep removes the directories of dead owners only', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'qlab-sweep-test-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const dead = await deadPid();
  const names = [`quic-lab-capture-pid${dead}-AbC123`, `qlab-emulator-pid${dead}-xYz789`, `quic-lab-capture-pid${process.pid}-AbC123`, 'quic-lab-capture-pid1-AbC123', `quic-lab-result-AbC123`, `unrelated-pid${dead}-AbC123`];
  for (const name of names) await mkdir(join(dir, name, 'inner'), { recursive: true });
  const removed = await sweepStaleTempDirs(dir);
  t.strictSame(removed.sort(), [join(dir, `qlab-emulator-pid${dead}-xYz789`), join(dir, `quic-lab-capture-pid${dead}-AbC123`)].sort());
  t.strictSame(
    (await readdir(dir)).sort(),
    [`quic-lab-capture-pid${process.pid}-AbC123`, 'quic-lab-capture-pid1-AbC123', 'quic-lab-result-AbC123', `unrelated-pid${dead}-AbC123`].sort(),
    "this process's, init's (alive since boot), and others' names are kept",
  );
});
