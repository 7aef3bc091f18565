// `npm run lab -- status | down | up` on the real host: status lists what is there by name and
// owner (a namespace of a dead owner with a process inside, an owned temporary directory, a
// live owner's namespace) and what down would do; down removes the dead owner's things and
// leaves the live one's; `up` waits for a lab lock another process (this test's) holds, says so on stderr,
// and comes up once it is released; `up --no-wait` refuses with exit 75. The lab's lock and
// state files live in a private run directory, so no other run's lock is touched. The commands
// run as `npm run lab` runs them (node bin/quic-lab.mjs, the built CLI): about 0.5 s a start,
// where harness/cli.ts through tsx took about 1.6 s.
import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { acquireLabLock } from '../../harness/lab/lock.js';
import { pointLabRunDir } from '../fixtures/lab-run-dir.js';
import { processAlive } from '../../harness/process/proc-table.js';
import type { SurveyEntry } from '../../harness/lab/lab-survey.js';

const ROOT = resolve(import.meta.dirname, '../..');
const runDir = await mkdtemp(join(tmpdir(), 'qlab-labcmd-test-'));
const env = { ...process.env, QUIC_LAB_RUN_DIR: runDir };
const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function started(args: string[]): ChildProcess & { result: Promise<RunResult>; stderrSoFar: () => string } {
  const child = spawn(process.execPath, [join(ROOT, 'bin/quic-lab.mjs'), 'lab', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const result = new Promise<RunResult>((done) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    }),
  );
  return Object.assign(child, { result, stderrSoFar: () => stderr });
}

const lab = (...args: string[]): Promise<RunResult> => started(args).result;

function ip(...args: string[]): Promise<number | null> {
  return new Promise((done) => spawn('ip', args, { stdio: 'ignore' }).once('close', done));
}

async function namespaces(): Promise<string[]> {
  return new Promise((done) => {
    let out = '';
    const child = spawn('ip', ['netns', 'list'], { stdio: ['ignore', 'pipe', 'ignore'] });
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.once('close', () =>
      done(
        out
          .split('\n')
          .map((line) => line.split(' ')[0] ?? '')
          .filter((name) => name !== ''),
      ),
    );
  });
}

async function deadPid(): Promise<number> {
  const child = spawn('true');
  await new Promise((done) => child.once('exit', done));
  return child.pid ?? 0;
}

const dead = await deadPid();
const deadNs = `qlab-${dead}-x`;
const liveNs = `qlab-${process.pid}-y`;
const deadDir = join(tmpdir(), `quic-lab-test-pid${dead}-AbCdEf`);
const children: ChildProcess[] = [];
let daemonPid: number | undefined;

t.teardown(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  if (daemonPid !== undefined && processAlive(daemonPid)) {
    process.kill(daemonPid, 'SIGTERM');
    for (let i = 0; i < 100 && processAlive(daemonPid); i++) await sleep(100);
    if (processAlive(daemonPid)) process.kill(daemonPid, 'SIGKILL');
  }
  for (const name of await namespaces()) if (name === deadNs || name === liveNs || (daemonPid !== undefined && name.startsWith(`qlab-${daemonPid}-`))) await ip('netns', 'del', name);
  await rm(deadDir, { recursive: true, force: true });
  await rm(runDir, { recursive: true, force: true });
});

t.test('status lists what is there and what down would do; down removes what dead owners left', async (t) => {
  t.equal(await ip('netns', 'add', deadNs), 0, 'a namespace of a dead owner');
  t.equal(await ip('netns', 'add', liveNs), 0, "a namespace of a live owner (this test's)");
  const inside = spawn('ip', ['netns', 'exec', deadNs, 'sleep', '60'], { stdio: 'ignore' });
  children.push(inside);
  await mkdir(deadDir);
  for (let i = 0; i < 50; i++) {
    const pids = await new Promise<string>((done) => {
      let out = '';
      spawn('ip', ['netns', 'pids', deadNs], { stdio: ['ignore', 'pipe', 'ignore'] })
        .once('close', () => done(out))
        .stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    });
    if (pids.trim() !== '') break;
    await sleep(100);
  }

  const json = await lab('status', '--json');
  t.equal(json.code, 0, `status --json: exit 0 ${json.stderr}`);
  const found = (JSON.parse(json.stdout) as { found: SurveyEntry[] }).found;
  const deadEntry = found.find((e) => e.name === deadNs);
  t.strictSame(deadEntry && { ...deadEntry, processes: deadEntry.processes.map((p) => p.command) }, { kind: 'namespace', name: deadNs, ownerPid: dead, ownerAlive: false, processes: ['sleep'], down: 'removes' });
  t.strictSame(
    found.find((e) => e.name === liveNs),
    { kind: 'namespace', name: liveNs, ownerPid: process.pid, ownerAlive: true, processes: [], down: 'leaves' },
  );
  t.strictSame(
    found.find((e) => e.name === deadDir),
    { kind: 'temp dir', name: deadDir, ownerPid: dead, ownerAlive: false, processes: [], down: 'removes' },
  );

  const text = await lab('status');
  t.equal(text.code, 0, 'status: exit 0');
  t.match(text.stdout, /^no lab is up$/m);
  t.match(text.stdout, new RegExp(`^  namespace ${deadNs}: owner pid ${dead} is gone, processes inside: \\d+ \\(sleep\\); lab down removes it$`, 'm'));
  t.match(text.stdout, new RegExp(`^  namespace ${liveNs}: owner pid ${process.pid} is alive; lab down leaves it$`, 'm'));
  t.match(text.stdout, new RegExp(`^  temp dir ${deadDir}: owner pid ${dead} is gone; lab down removes it$`, 'm'));

  const down = await lab('down');
  t.equal(down.code, 0, `down: exit 0 ${down.stderr}`);
  t.match(down.stdout, /^removed leftovers of killed runs: .*$/m);
  t.ok(down.stdout.includes(deadNs) && down.stdout.includes(deadDir), `down names what it removed: ${down.stdout}`);
  const left = await namespaces();
  t.notOk(left.includes(deadNs), 'the dead owner’s namespace is gone');
  t.ok(left.includes(liveNs), 'the live owner’s namespace is left');
  t.notOk(existsSync(deadDir), 'the dead owner’s temporary directory is gone');
  for (let i = 0; i < 50 && inside.exitCode === null && inside.signalCode === null; i++) await sleep(100);
  t.equal(inside.signalCode, 'SIGKILL', 'the process inside was killed');
  t.equal(await ip('netns', 'del', liveNs), 0);
});

t.test('up waits while another process holds the lab lock, --no-wait refuses with 75', async (t) => {
  // This test's process holds the (private) lab lock, as another run would: no process to start
  // for it (one through tsx took about 1.6 s). The run directory is this test's only while it takes it.
  const restoreRunDir = pointLabRunDir(runDir);
  let release: () => Promise<void>;
  try {
    release = await acquireLabLock('lab command test');
  } finally {
    restoreRunDir();
  }
  t.teardown(() => release());
  const holder = { pid: process.pid };
  const busy = new RegExp(`the lab is in use by pid ${holder.pid} \\(lab command test, since [^)]+\\)`);

  const refused = await lab('up', '--rtt', '10ms', '--no-wait');
  t.equal(refused.code, 75, '--no-wait: exit 75');
  t.match(refused.stderr, new RegExp(`^error: ${busy.source}; wait for it, or stop it \\(npm run lab -- down\\)\\n$`));
  t.equal(refused.stdout, '');

  const waitingLine = new RegExp(`^waiting for the lab: in use by pid ${holder.pid} \\(lab command test, since [^)]+\\)…$`, 'm');

  // Ctrl-C while waiting: the daemon, still waiting, goes too (its pid is in its log).
  const interrupted = started(['up', '--rtt', '10ms']);
  children.push(interrupted);
  for (let i = 0; i < 300 && !waitingLine.test(interrupted.stderrSoFar()) && interrupted.exitCode === null; i++) await sleep(100);
  t.match(interrupted.stderrSoFar(), waitingLine, 'waiting');
  interrupted.kill('SIGINT');
  const gaveUp = await interrupted.result;
  t.not(gaveUp.code, 0, `interrupted up fails: ${gaveUp.stderr}`);
  const waitingDaemons = [...(await readFile(join(runDir, 'lab-daemon.log'), 'utf8')).matchAll(/lab-daemon\[(\d+)\] waiting for the lab/g)].map((m) => Number(m[1]));
  t.equal(waitingDaemons.length, 1, 'one daemon waited');
  for (let i = 0; i < 100 && waitingDaemons.some(processAlive); i++) await sleep(100);
  t.strictSame(waitingDaemons.filter(processAlive), [], 'the waiting daemon is gone');

  const up = started(['up', '--rtt', '10ms']);
  children.push(up);
  const { stderrSoFar } = up;
  for (let i = 0; i < 300 && !waitingLine.test(stderrSoFar()) && up.exitCode === null; i++) await sleep(100);
  t.match(stderrSoFar(), waitingLine, 'up says it waits, on stderr');
  // Its wait is flock(2) itself, no poll: half a second after saying so, it still waits.
  await sleep(500);
  t.equal(up.exitCode, null, 'and waits');
  await release();
  const result = await up.result;
  t.equal(result.code, 0, `up proceeds once the lock is released: ${result.stderr}`);
  const head = /^lab (\S+): \w+ backend, owner pid (\d+) \(npm run lab -- up\)/m.exec(result.stdout);
  t.ok(head, `up names the lab: ${result.stdout}`);
  daemonPid = Number(head?.[2]);
  const labId = head?.[1] ?? '';

  const json = await lab('status', '--json');
  const found = (JSON.parse(json.stdout) as { found: SurveyEntry[] }).found;
  t.strictSame(
    found.filter((e) => e.ownerPid === daemonPid).map((e) => [e.kind, e.name, e.ownerAlive, e.down]),
    [
      ['namespace', `qlab-${labId}-c`, true, 'stops its lab'],
      ['namespace', `qlab-${labId}-s`, true, 'stops its lab'],
      ['lab state', labId, true, 'stops its lab'],
    ],
    "status: the daemon's lab, which down stops",
  );

  const down = await lab('down');
  t.equal(down.code, 0, `down: exit 0 ${down.stderr}`);
  t.match(down.stdout, new RegExp(`^lab ${labId} is down \\(daemon pid ${daemonPid}\\)$`, 'm'));
  t.notOk(processAlive(daemonPid), 'the daemon is gone');
  t.notOk(
    (await namespaces()).some((n) => n.startsWith(`qlab-${labId}-`)),
    'its namespaces are gone',
  );
});
