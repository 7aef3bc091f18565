// The lab lock is flock(2): among many processes racing for it exactly one holds it at a time,
// a waiter says why it waits, --no-wait refuses at once, and a SIGKILLed holder frees it.
import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = resolve(import.meta.dirname, '../..');
const LOCK_URL = pathToFileURL(join(ROOT, 'harness/lab/lock.ts')).href;

const runDir = await mkdtemp(join(tmpdir(), 'qlab-lock-test-'));
t.teardown(() => rm(runDir, { recursive: true, force: true }));
// The lab run directory comes from the environment (read when used).
process.env.QUIC_LAB_RUN_DIR = runDir;
const { acquireLabLock, lockHolder, LabBusyError } = await import('../../harness/lab/lock.js');

/** A process that takes the lock (waiting), notes enter/leave in `log`, holds it `holdMs`, then releases it. */
function contender(log: string, label: string, holdMs: number): ChildProcess {
  const code = `
    const { appendFileSync } = await import('node:fs');
    const { acquireLabLock } = await import(${JSON.stringify(LOCK_URL)});
    const release = await acquireLabLock(${JSON.stringify(label)}, { wait: true, onWait: (m) => process.stderr.write(m + '\\n') });
    appendFileSync(${JSON.stringify(log)}, 'enter ' + process.pid + '\\n');
    process.stdout.write('held\\n');
    await new Promise((r) => setTimeout(r, ${holdMs}));
    appendFileSync(${JSON.stringify(log)}, 'leave ' + process.pid + '\\n');
    await release();
  `;
  return spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: ROOT,
    env: { ...process.env, QUIC_LAB_RUN_DIR: runDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function exited(child: ChildProcess): Promise<{ code: number | null; stderr: string }> {
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((done) => child.once('close', (code) => done({ code, stderr })));
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((done, fail) => {
    child.stdout?.setEncoding('utf8').once('data', (chunk: string) => done(chunk.trim()));
    child.once('exit', (code) => fail(new Error(`exited ${code} before holding the lock`)));
  });
}

t.test('many concurrent acquirers: exactly one holder at a time, each waits its turn', async (t) => {
  const log = join(runDir, 'turns.log');
  const count = 12;
  const children = Array.from({ length: count }, () => contender(log, 'race', 40));
  const results = await Promise.all(children.map(exited));
  t.strictSame(
    results.map((r) => r.code),
    Array(count).fill(0),
    'all finished',
  );
  const lines = (await readFile(log, 'utf8')).trim().split('\n');
  t.equal(lines.length, 2 * count, 'every process entered and left once');
  let overlaps = 0;
  for (let i = 0; i < lines.length; i += 2) {
    const [enter, leave] = [lines[i] ?? '', lines[i + 1] ?? ''];
    if (!enter.startsWith('enter ') || leave !== enter.replace('enter', 'leave')) overlaps++;
  }
  t.equal(overlaps, 0, 'each enter is followed by the same process leaving');
  const waited = results.filter((r) => /^waiting for the lab: in use by pid \d+ \(race, since [^)]+\)…$/m.test(r.stderr)).length;
  t.ok(waited >= 1, `waiters said whom they wait for (${waited} of ${count})`);
});

t.test('--no-wait refuses at once, naming the holder; a SIGKILLed holder frees the lock', async (t) => {
  const holder = contender(join(runDir, 'kill.log'), 'holder', 60_000);
  const gone = exited(holder);
  t.equal(await firstLine(holder), 'held');
  t.equal((await lockHolder())?.pid, holder.pid, 'lockHolder names it');

  const started = Date.now();
  const refused = await acquireLabLock('second').then(
    async (release) => {
      await release();
      return null;
    },
    (error: unknown) => error,
  );
  t.type(refused, LabBusyError, 'refused');
  t.match((refused as Error).message, new RegExp(`^the lab is in use by pid ${holder.pid} \\(holder, since [^)]+\\); wait for it, or stop it \\(npm run lab -- down\\)$`));
  t.ok(Date.now() - started < 2000, 'at once');

  // A waiter queued behind the holder gets the lock the moment the holder is killed.
  const waiting = acquireLabLock('after the kill', { wait: true });
  holder.kill('SIGKILL');
  await gone;
  const release = await waiting;
  t.equal((await lockHolder())?.pid, process.pid, 'taken over by the waiter');
  const again = await acquireLabLock('re-entrant');
  await release();
  t.equal((await lockHolder())?.pid, process.pid, 'still held by the second hold');
  await again();
  t.equal(await lockHolder(), null, 'released with the last hold');
});

t.test('an abort ends the wait without taking the lock', async (t) => {
  const holder = contender(join(runDir, 'abort.log'), 'holder', 60_000);
  const gone = exited(holder);
  t.equal(await firstLine(holder), 'held');
  const abort = new AbortController();
  const waiting = acquireLabLock('aborted', { wait: true, signal: abort.signal }).then(
    () => 'taken',
    (error: unknown) => (error as Error).message,
  );
  setTimeout(() => abort.abort(new Error('interrupted by SIGINT')), 200);
  t.equal(await waiting, 'interrupted by SIGINT');
  t.equal((await lockHolder())?.pid, holder.pid, 'still the holder');
  holder.kill('SIGKILL');
  await gone;
});
