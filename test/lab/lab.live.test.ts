// The lab on real namespaces: start and stop leave nothing; one lab at a time; a killed
// owner's lab is reaped; Ctrl-C removes the lab (a script that ignores it, after the cleanup
// registry's grace, set to 2 s here instead of waiting out the default 10 s);
// `npm run lab -- up|status|exec|down`.
// Another run may hold the lab lock for a while: starts wait for it (bounded), and only this
// test's own labs, processes and leftovers are removed.
import t, { type Test } from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { resolveLinkConditions } from '../../harness/lab/profiles.js';
import { startLab, type Lab, type LabOptions } from '../../harness/lab/lab.js';
import { labRunDir } from '../../harness/lab/lab-state.js';
import { LabBusyError, lockHolder } from '../../harness/lab/lock.js';
import { deleteNamespace, listNamespaces, reapLeftovers } from '../../harness/lab/namespaces.js';
import { runCli } from '../fixtures/run-cli.js';

const ROOT = resolve(import.meta.dirname, '../..');
const WAIT_FOR_LOCK_MS = 90_000;
const CHILD_PURPOSE = 'lab test child';
const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/** Pids of processes this test started that may own a lab: never waited for as "another run". */
const ours = new Set<number>([process.pid]);

function stateFile(labId: string): string {
  return join(labRunDir(), 'labs', `${labId}.json`);
}

function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Pids whose command line mentions `text` (to find a lab's link emulator by namespace name). */
function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSafe('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text) && running(Number(entry))) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

function readdirSafe(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

async function waitUntil(what: string, condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await sleep(100);
  }
  return condition();
}

/** Waits while another run (not this test) holds the lab. */
async function waitForOtherRuns(t: Test): Promise<void> {
  const deadline = Date.now() + WAIT_FOR_LOCK_MS;
  let noted = false;
  for (;;) {
    const holder = await lockHolder();
    if (!holder || ours.has(holder.pid) || !running(holder.pid)) return;
    if (Date.now() > deadline) throw new Error(`the lab stayed in use by pid ${holder.pid} (${holder.purpose}) for ${WAIT_FOR_LOCK_MS / 1000} s`);
    if (!noted) t.comment(`waiting for pid ${holder.pid} (${holder.purpose}) to release the lab`);
    noted = true;
    await sleep(500);
  }
}

/** True when `message` says the lab is busy because of a process this test did not start. */
function busyWithOthers(message: string): boolean {
  const pid = /the lab is in use by pid (\d+)/.exec(message)?.[1];
  return pid !== undefined && !ours.has(Number(pid));
}

async function startLabWhenFree(t: Test, options: LabOptions): Promise<Lab> {
  for (let attempt = 1; ; attempt++) {
    await waitForOtherRuns(t);
    try {
      return await startLab(options);
    } catch (error) {
      if (!(error instanceof LabBusyError) || !busyWithOthers(error.message) || attempt >= 10) throw error;
    }
  }
}

const conditions = resolveLinkConditions({ rtt: '2ms' });

// ---------------------------------------------------------------- child processes owning a lab

const LAB_URL = pathToFileURL(join(ROOT, 'harness/lab/lab.ts')).href;
const LOCK_URL = pathToFileURL(join(ROOT, 'harness/lab/lock.ts')).href;
const CLEANUP_URL = pathToFileURL(join(ROOT, 'harness/process/cleanup.ts')).href;

/**
 * A Node process that starts a lab (waiting while another run holds it), prints
 * {"labId":..,"namespaces":..}, and then: 'hold' waits (at most 60 s, then removes the lab);
 * 'interrupt-aware' also removes the lab and exits 130 when interruptSignal aborts (the
 * pattern for a script that owns a lab); 'bare' relies on the cleanup registry alone, whose
 * grace after the first signal is `graceMs` (QUIC_LAB_INTERRUPT_GRACE_MS; the default 10 s unset).
 */
function childLab(mode: 'hold' | 'interrupt-aware' | 'bare', graceMs?: number): ChildProcess {
  const code = `
    const { startLab } = await import(${JSON.stringify(LAB_URL)});
    const { LabBusyError } = await import(${JSON.stringify(LOCK_URL)});
    const { interruptSignal } = await import(${JSON.stringify(CLEANUP_URL)});
    const conditions = ${JSON.stringify(conditions)};
    let lab;
    for (let attempt = 0; !lab; attempt++) {
      try {
        lab = await startLab({ conditions, backend: 'emulator', purpose: ${JSON.stringify(CHILD_PURPOSE)} });
      } catch (error) {
        if (!(error instanceof LabBusyError) || attempt > 180) throw error;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    if (${JSON.stringify(mode)} === 'interrupt-aware') {
      interruptSignal.addEventListener('abort', async () => { await lab.stop(); process.exit(130); });
    }
    console.log(JSON.stringify({ labId: lab.labId, namespaces: lab.namespaces }));
    setTimeout(async () => { await lab.stop(); process.exit(3); }, 60_000);
  `;
  const env = { ...process.env };
  delete env.QUIC_LAB_INTERRUPT_GRACE_MS;
  if (graceMs !== undefined) env.QUIC_LAB_INTERRUPT_GRACE_MS = String(graceMs);
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid !== undefined) ours.add(child.pid);
  return child;
}

interface ChildLabInfo {
  labId: string;
  namespaces: { client: string; server: string };
}

function childReady(child: ChildProcess, timeoutMs: number): Promise<ChildLabInfo> {
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`child lab not up within ${timeoutMs} ms: ${stderr}`)), timeoutMs);
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.once('line', (line) => {
      clearTimeout(timer);
      done(JSON.parse(line) as ChildLabInfo);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      fail(new Error(`child exited (code ${code}, signal ${signal}) before its lab was up: ${stderr}`));
    });
  });
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((done) => child.once('exit', (code, signal) => done({ code, signal })));
}

/** Teardown for a child: kill it if still there, then remove what it may have left. */
function removeChildLater(t: Test, child: ChildProcess, info: () => ChildLabInfo | undefined): void {
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited(child);
    }
    const lab = info();
    if (lab) {
      for (const pid of processesMentioning(lab.namespaces.client)) process.kill(pid, 'SIGKILL');
      for (const name of [lab.namespaces.client, lab.namespaces.server]) await deleteNamespace(name).catch(() => undefined);
    }
    await reapLeftovers();
  });
}

// ---------------------------------------------------------------- in-process labs

t.test('startLab then stop leaves no namespace, state file or lock', async (t) => {
  const lab = await startLabWhenFree(t, { conditions, backend: 'emulator', purpose: 'lab test' });
  t.teardown(() => lab.stop());
  const namespaces = await listNamespaces();
  t.ok(namespaces.includes(lab.namespaces.client) && namespaces.includes(lab.namespaces.server), 'both namespaces exist while up');
  t.ok(existsSync(stateFile(lab.labId)), 'state file while up');
  t.equal((await lockHolder())?.pid, process.pid, 'this process holds the lock');
  t.equal(lab.backend, 'emulator');
  t.match(lab.namespaces.client, /^qlab-\d+-[0-9a-f]{4}-c$/);
  t.ok((await lab.linkStats()) !== null, 'emulator statistics');

  await lab.stop();
  const after = await listNamespaces();
  t.notOk(after.includes(lab.namespaces.client) || after.includes(lab.namespaces.server), 'namespaces removed');
  t.notOk(existsSync(stateFile(lab.labId)), 'state file removed');
  t.not((await lockHolder())?.pid, process.pid, 'lock released');
  t.equal(lab.emulator?.running, false, 'emulator stopped');
});

t.test('a second lab while one is up is refused; a SIGKILLed owner is reaped by the next lab', async (t) => {
  await waitForOtherRuns(t);
  const child = childLab('hold');
  let info: ChildLabInfo | undefined;
  removeChildLater(t, child, () => info);
  info = await childReady(child, WAIT_FOR_LOCK_MS + 20_000);
  const childInfo = info;
  const emulators = processesMentioning(childInfo.namespaces.client);
  t.equal(emulators.length, 1, "the child's link emulator runs");

  const refused = await startLab({ conditions, backend: 'emulator', purpose: 'lab test' }).then(
    async (lab) => {
      await lab.stop();
      return null;
    },
    (error: unknown) => error,
  );
  t.type(refused, LabBusyError, 'a second lab is refused');
  t.match((refused as Error | null)?.message, new RegExp(`^the lab is in use by pid ${child.pid} \\(${CHILD_PURPOSE}, since [^)]+\\); wait for it, or stop it \\(npm run lab -- down\\)$`), 'busy, naming the holder');
  t.ok((await listNamespaces()).includes(childInfo.namespaces.client), "the refused start left the child's lab alone");

  child.kill('SIGKILL');
  t.strictSame(await exited(child), { code: null, signal: 'SIGKILL' });
  t.ok(await waitUntil('emulator gone', () => emulators.every((pid) => !running(pid)), 5000), "the child's emulator died with it (PDEATHSIG)");
  t.ok(existsSync(stateFile(childInfo.labId)) || !(await listNamespaces()).includes(childInfo.namespaces.client), 'leftover until the next lab (unless another run reaped it)');

  const lab = await startLabWhenFree(t, { conditions, backend: 'emulator', purpose: 'lab test' });
  t.teardown(() => lab.stop());
  const namespaces = await listNamespaces();
  t.notOk(namespaces.includes(childInfo.namespaces.client) || namespaces.includes(childInfo.namespaces.server), "the killed owner's namespaces are reaped");
  t.notOk(existsSync(stateFile(childInfo.labId)), "the killed owner's state file is removed");
  t.equal((await lockHolder())?.pid, process.pid, 'the stale lock was taken over');
  await lab.stop();
});

t.test('within one process the lock is re-entrant and released with the last lab', async (t) => {
  const first = await startLabWhenFree(t, { conditions, backend: 'emulator', purpose: 'lab test' });
  t.teardown(() => first.stop());
  const second = await startLab({ conditions, backend: 'emulator', purpose: 'lab test again' });
  t.teardown(() => second.stop());
  await first.stop();
  t.equal((await lockHolder())?.pid, process.pid, 'still held while the second lab runs');
  await second.stop();
  t.not((await lockHolder())?.pid, process.pid, 'released with the last lab');
  t.strictSame(
    (await listNamespaces()).filter((n) => [first, second].some((l) => Object.values(l.namespaces).includes(n))),
    [],
    'both removed',
  );
});

// ---------------------------------------------------------------- Ctrl-C

t.test('SIGINT: a script that follows interruptSignal removes its lab at once', async (t) => {
  await waitForOtherRuns(t);
  const child = childLab('interrupt-aware');
  let info: ChildLabInfo | undefined;
  removeChildLater(t, child, () => info);
  info = await childReady(child, WAIT_FOR_LOCK_MS + 20_000);
  const lab = info;
  const started = Date.now();
  child.kill('SIGINT');
  t.strictSame(await exited(child), { code: 130, signal: null }, 'exit 130');
  t.ok(Date.now() - started < 5000, `gone within 5 s (${Date.now() - started} ms)`);
  const namespaces = await listNamespaces();
  t.notOk(namespaces.includes(lab.namespaces.client) || namespaces.includes(lab.namespaces.server), 'namespaces removed');
  t.notOk(existsSync(stateFile(lab.labId)), 'state file removed');
  t.strictSame(processesMentioning(lab.namespaces.client), [], 'no emulator left');
});

// The registry's grace is set to 2 s for the first child (QUIC_LAB_INTERRUPT_GRACE_MS; the default
// 10 s would be waited out for nothing): it is cleaned up no sooner than that and within 4 s
// more. The second child keeps the default 10 s, so its cleanup within 5 s is the second SIGINT's
// doing, not the grace's.
const BARE_GRACE_MS = 2000;

t.test('SIGINT: a bare script is cleaned up by the registry (after its grace, QUIC_LAB_INTERRUPT_GRACE_MS), SIGINT twice at once', async (t) => {
  await waitForOtherRuns(t);
  const child = childLab('bare', BARE_GRACE_MS);
  let info: ChildLabInfo | undefined;
  removeChildLater(t, child, () => info);
  info = await childReady(child, WAIT_FOR_LOCK_MS + 20_000);
  const lab = info;
  let started = Date.now();
  child.kill('SIGINT');
  t.strictSame(await exited(child), { code: 130, signal: null }, 'exit 130');
  const elapsed = Date.now() - started;
  // A timer may fire a millisecond early of the time measured here: 100 ms of slack below.
  t.ok(elapsed >= BARE_GRACE_MS - 100 && elapsed < BARE_GRACE_MS + 4000, `cleaned up by the registry's deadline, ${BARE_GRACE_MS} ms (${elapsed} ms)`);
  let namespaces = await listNamespaces();
  t.notOk(namespaces.includes(lab.namespaces.client) || namespaces.includes(lab.namespaces.server), 'namespaces removed');
  t.notOk(existsSync(stateFile(lab.labId)), 'state file removed');

  await waitForOtherRuns(t);
  const again = childLab('bare');
  let againInfo: ChildLabInfo | undefined;
  removeChildLater(t, again, () => againInfo);
  againInfo = await childReady(again, WAIT_FOR_LOCK_MS + 20_000);
  const lab2 = againInfo;
  started = Date.now();
  again.kill('SIGINT');
  await sleep(200);
  again.kill('SIGINT');
  t.strictSame(await exited(again), { code: 130, signal: null }, 'second SIGINT: exit 130');
  t.ok(Date.now() - started < 5000, `second SIGINT cleans up at once (${Date.now() - started} ms)`);
  namespaces = await listNamespaces();
  t.notOk(namespaces.includes(lab2.namespaces.client) || namespaces.includes(lab2.namespaces.server), 'namespaces removed');
});

// ---------------------------------------------------------------- npm run lab

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], timeoutMs = 40_000): Promise<RunResult> {
  return new Promise((done) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

const npmLab = (...args: string[]): Promise<RunResult> => run('npm', ['run', '-s', 'lab', '--', ...args]);
// Usage errors need no lab: the CLI in this process (a spawned `node --import tsx` took about 1.5 s each).
const cliLab = (...args: string[]): Promise<RunResult> => runCli(['lab', ...args]);

t.test('npm run lab -- up, status, exec, down', async (t) => {
  let daemonPid: number | undefined;
  t.teardown(async () => {
    if (daemonPid !== undefined && running(daemonPid)) {
      process.kill(daemonPid, 'SIGTERM');
      if (!(await waitUntil('daemon gone', () => !running(daemonPid as number), 10_000))) process.kill(daemonPid, 'SIGKILL');
      await waitUntil('daemon gone', () => !running(daemonPid as number), 5000);
    }
    await reapLeftovers();
  });

  for (const [args, message] of [
    [['up', '--link', 'loopback'], 'error: lab up needs a link backend: --link emulator, netem or auto (loopback has no lab)\n'],
    [['up', '--rtt', '20'], 'error: --rtt "20" needs a unit: us, ms or s (e.g. 30ms)\n'],
    [['up', '--loss', '2'], 'error: --loss "2" must be a percentage, e.g. 1% or 0.5%\n'],
    [['exec', 'router', '--', 'true'], "error: command-argument value 'router' is invalid for argument 'side'. Allowed choices are client, server.\n"],
    [['exec', 'client'], "error: missing required argument 'command'\n"],
  ] as const) {
    const result = await cliLab(...args);
    t.equal(result.code, 2, `${args.join(' ')}: exit 2`);
    t.equal(result.stderr, message, `${args.join(' ')}: one line`);
  }

  let up: RunResult;
  for (let attempt = 1; ; attempt++) {
    await waitForOtherRuns(t);
    up = await npmLab('up', '--rtt', '20ms');
    if (up.code === 0 || !busyWithOthers(up.stderr) || attempt >= 10) break;
  }
  t.equal(up.code, 0, `up: exit 0 ${up.stderr}`);
  const head = /^lab (\S+): emulator backend, owner pid (\d+) \(npm run lab -- up\), since \S+$/m.exec(up.stdout);
  t.ok(head, `up names the lab: ${up.stdout}`);
  daemonPid = Number(head?.[2]);
  ours.add(daemonPid);
  const labId = head?.[1] ?? '';
  const client = `qlab-${labId}-c`;
  const server = `qlab-${labId}-s`;
  t.match(up.stdout, new RegExp(`^  client  ${client} +198\\.18\\.0\\.1  2001:2::1$`, 'm'));
  t.match(up.stdout, new RegExp(`^  server  ${server} +198\\.18\\.0\\.2  2001:2::2$`, 'm'));
  t.match(up.stdout, /^ {2}up \(client to server\): {3}delay 10ms$/m);
  t.match(up.stdout, /^ {2}down \(server to client\): delay 10ms$/m);
  t.ok(running(daemonPid), 'the daemon outlives up');
  t.ok((await listNamespaces()).includes(client), 'client namespace exists');

  // The ping first and alone (its round trip is checked); the other commands only read the lab,
  // so they run at once: five CLI starts side by side on two cores instead of one after the other.
  const ping = await npmLab('exec', 'client', '--', 'ping', '-c', '2', '-i', '0.2', '198.18.0.2');
  t.equal(ping.code, 0, `exec ping: exit 0 ${ping.stderr}`);
  t.match(ping.stdout, /2 packets transmitted, 2 received/);
  const rtt = /rtt min\/avg\/max\/mdev = ([\d.]+)\/[\d.]+\/([\d.]+)\//.exec(ping.stdout);
  t.ok(rtt && Number(rtt[1]) >= 20 && Number(rtt[2]) < 40, `round trip 20 ms and a bit: ${rtt?.[0]}`);

  const [json, exitCode, where, text, again] = await Promise.all([
    npmLab('status', '--json'),
    npmLab('exec', 'server', '--', 'sh', '-c', 'exit 7'),
    npmLab('exec', 'server', '--', 'ip', '-brief', 'addr', 'show', 'qlab0'),
    npmLab('status'),
    npmLab('up', '--rtt', '20ms', '--no-wait'),
  ]);
  t.equal(json.code, 0, 'status --json: exit 0');
  const status = JSON.parse(json.stdout) as {
    labs: Array<Record<string, unknown> & { linkStats: { up: { packetsIn: number } } | null; conditions: { up: { delayMs: number }; down: { delayMs: number } } }>;
  };
  const mine = status.labs.find((l) => l.labId === labId);
  t.ok(mine, 'status lists the lab');
  t.equal(mine?.startedBy, 'lab up');
  t.equal(mine?.ownerPid, daemonPid);
  t.equal(mine?.backend, 'emulator');
  t.strictSame(mine?.namespaces, { client, server });
  t.strictSame(mine?.addresses, { clientIpv4: '198.18.0.1', serverIpv4: '198.18.0.2', clientIpv6: '2001:2::1', serverIpv6: '2001:2::2' });
  t.equal(mine?.conditions.up.delayMs, 10);
  t.equal(mine?.conditions.down.delayMs, 10);
  t.equal(typeof mine?.linkStats?.up.packetsIn, 'number', 'live emulator statistics');
  t.equal(mine?.linkStatsError, undefined);

  t.equal(exitCode.code, 7, 'exit code passed through');
  t.match(where.stdout, /198\.18\.0\.2\/24/, 'runs in the server namespace');

  t.match(text.stdout, new RegExp(`^lab ${labId}: emulator backend, owner pid ${daemonPid} \\(npm run lab -- up\\)`, 'm'));
  t.match(text.stdout, /^ {2}up: \d+ packets in, \d+ out, dropped none/m, 'live statistics in text');

  t.equal(again.code, 75, 'a second up with --no-wait: exit 75');
  t.match(again.stderr, new RegExp(`^error: the lab is in use by pid ${daemonPid} \\(npm run lab -- up, since [^)]+\\); wait for it, or stop it \\(npm run lab -- down\\)\\n$`));

  const down = await npmLab('down');
  t.equal(down.code, 0, 'down: exit 0');
  t.match(down.stdout, new RegExp(`^lab ${labId} is down \\(daemon pid ${daemonPid}\\)$`, 'm'));
  t.notOk(running(daemonPid), 'daemon gone');
  const after = await listNamespaces();
  t.notOk(after.includes(client) || after.includes(server), 'namespaces gone');
  t.notOk(existsSync(stateFile(labId)), 'state file gone');
  t.notOk(existsSync(join(labRunDir(), 'daemons', `${daemonPid}.sock`)), 'stats socket gone');
  t.strictSame(processesMentioning(client), [], 'no emulator left');

  const none = await npmLab('down');
  t.equal(none.code, 0);
  t.match(none.stdout, /^no lab (is up|from lab up is up)/m);
});
