// `npm run lab -- up [link options] | status [--json] | exec client|server -- CMD... | down`:
// a lab that outlives the command, for manual use. `up` starts a detached daemon
// (harness/lab/lab-daemon-main.ts) that owns the lab until `down` sends it SIGTERM; the lab
// state files in /run/quic-lab/labs describe it to `status` and `exec`.
import { processAlive } from '../process/proc-table.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { Argument, Command } from 'commander';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { constants as osConstants } from 'node:os';
import type { EmulatorStats } from '../lab/emulator-process.js';
import type { LinkConditions } from '../lab/conditions.js';
import { labRunDir, readLabStates, stateOwnerAlive, type LabState } from '../lab/lab-state.js';
import { listNamespaces, reapLeftovers } from '../lab/namespaces.js';
import { UnitError } from '../lab/units.js';
import { interruptSignal, onCleanup } from '../process/cleanup.js';
import { addLinkOptions } from './link-options.js';
import { linkConditionsFrom, type LinkCliOptions } from '../options/link-options.js';
import { UsageError } from '../options/usage-error.js';
import { noWaitOption } from './wait-option.js';
import { LabBusyError } from '../lab/lock.js';
import { labText } from '../report/lab-text.js';
import { surveyEntries, surveyLab, surveyText } from '../lab/lab-survey.js';
import { DEFAULT_RESULTS_DIR } from '../results/write.js';
import { recoveredLines, recoverJournals } from '../run/journal.js';
import { PROJECT_ROOT as ROOT } from '../project-root.js';

export const LAB_DAEMON_MAIN = join(ROOT, 'harness/lab/lab-daemon-main.ts');
/** The purpose a daemon lab records: how `down` and `exec` tell it from a scenario's lab. */
export const LAB_DAEMON_PURPOSE = 'npm run lab -- up';
function labDaemonLog(): string {
  return join(labRunDir(), 'lab-daemon.log');
}
function labDaemonSocketDir(): string {
  return join(labRunDir(), 'daemons');
}

const UP_TIMEOUT_MS = 20_000;
const DOWN_TIMEOUT_MS = 15_000;
const KILL_WAIT_MS = 5_000;
const STATS_TIMEOUT_MS = 2_000;
const POLL_MS = 100;

function usage(message: string): UsageError {
  return new UsageError(message);
}

// ---------------------------------------------------------------- processes and labs

/** Whether `pid` is a lab daemon (guards against signalling a reused pid). */
function isLabDaemon(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('lab-daemon-main');
  } catch {
    return false;
  }
}

/** The labs in use (state files whose owner runs); what else is there, `status` finds with the reaper's survey. */
async function labsNow(): Promise<{ live: LabState[] }> {
  return { live: (await readLabStates()).filter(stateOwnerAlive) };
}

function isDaemonLab(state: LabState): boolean {
  return state.purpose === LAB_DAEMON_PURPOSE;
}

function socketPathFor(pid: number): string {
  return join(labDaemonSocketDir(), `${pid}.sock`);
}

/** The daemon's live link statistics (null on netem), or why there are none. */
async function daemonStats(pid: number): Promise<{ stats: EmulatorStats | null } | { error: string }> {
  return new Promise((done) => {
    const socket = createConnection(socketPathFor(pid));
    let reply = '';
    const timer = setTimeout(() => finish({ error: `no answer within ${STATS_TIMEOUT_MS} ms` }), STATS_TIMEOUT_MS);
    let finished = false;
    function finish(result: { stats: EmulatorStats | null } | { error: string }): void {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      socket.destroy();
      done(result);
    }
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write('stats\n'));
    socket.on('data', (chunk: string) => (reply += chunk));
    socket.on('error', (error) => finish({ error: error.message }));
    socket.on('end', () => {
      try {
        const parsed = JSON.parse(reply) as { event?: string; stats?: EmulatorStats | null; message?: string };
        finish(parsed.event === 'stats' ? { stats: parsed.stats ?? null } : { error: parsed.message ?? 'bad reply' });
      } catch {
        finish({ error: 'unreadable reply' });
      }
    });
  });
}

/**
 * Reaps leftovers until no lab of `pid` is left (bounded): a killed daemon can stay a zombie
 * for a moment, and the reaper skips labs whose owner still looks alive.
 */
async function reapLabOf(pid: number): Promise<string[]> {
  const removed: string[] = [];
  const deadline = Date.now() + KILL_WAIT_MS;
  for (;;) {
    removed.push(...(await reapLeftovers()));
    const left = (await readLabStates()).some((s) => s.ownerPid === pid);
    if (!left || Date.now() > deadline) return removed;
    await sleep(POLL_MS);
  }
}

/** Removes stats sockets of daemons that are gone. */
async function removeStaleSockets(): Promise<void> {
  let names: string[];
  try {
    names = await readdir(labDaemonSocketDir());
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(/^(\d+)\.sock$/.exec(name)?.[1]);
    if (pid > 0 && !processAlive(pid)) await rm(join(labDaemonSocketDir(), name), { force: true });
  }
}

// ---------------------------------------------------------------- up

type DaemonMessage = { event: 'ready'; labId: string; pid: number } | { event: 'error'; message: string; busy: boolean };

/**
 * The daemon's answer: ready or an error. While it waits for the lab lock (it says so, and this
 * tells `onWait`) no time limit runs; setting the lab up, once it holds the lock, has `timeoutMs`.
 */
function waitForDaemon(child: ChildProcess, timeoutMs: number, onWait: (message: string) => void): Promise<DaemonMessage> {
  return new Promise((done, fail) => {
    const startTimer = (): NodeJS.Timeout => setTimeout(() => finish(() => fail(new Error(`the lab did not come up within ${timeoutMs / 1000} s (see ${labDaemonLog()})`))), timeoutMs);
    let timer: NodeJS.Timeout | undefined = startTimer();
    const onMessage = (message: unknown): void => {
      const m = message as Partial<DaemonMessage> | { event: 'waiting'; message: string } | { event: 'locked' };
      if (m.event === 'waiting' && 'message' in m && typeof m.message === 'string') {
        clearTimeout(timer);
        timer = undefined;
        onWait(m.message);
      } else if (m.event === 'locked' && timer === undefined) {
        timer = startTimer();
      } else if (m.event === 'ready' || m.event === 'error') finish(() => done(m as DaemonMessage));
    };
    const onExit = (code: number | null, signal: string | null): void => finish(() => fail(new Error(`the lab daemon exited (code ${code}, signal ${signal}) before the lab was up (see ${labDaemonLog()})`)));
    const onInterrupt = (): void => finish(() => fail(new Error('interrupted while the lab was coming up; removed it')));
    function finish(action: () => void): void {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      interruptSignal.removeEventListener('abort', onInterrupt);
      action();
    }
    child.on('message', onMessage);
    child.once('exit', onExit);
    if (interruptSignal.aborted) onInterrupt();
    else interruptSignal.addEventListener('abort', onInterrupt, { once: true });
  });
}

/** SIGTERM, then SIGKILL; resolves once the daemon is gone (its lab then reaped if needed). */
async function stopDaemon(pid: number, graceMs: number): Promise<void> {
  if (!processAlive(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (processAlive(pid) && Date.now() < deadline) await sleep(POLL_MS);
  if (processAlive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
    const killDeadline = Date.now() + KILL_WAIT_MS;
    while (processAlive(pid) && Date.now() < killDeadline) await sleep(POLL_MS);
  }
}

type UpOptions = LinkCliOptions & {
  /** commander's --no-wait: false when given. */
  wait: boolean;
};

async function up(options: UpOptions): Promise<void> {
  if (options.link === 'loopback') throw usage('lab up needs a link backend: --link emulator, netem or auto (loopback has no lab)');
  let conditions: LinkConditions;
  try {
    conditions = linkConditionsFrom(options);
  } catch (error) {
    if (error instanceof UnitError) throw usage(error.message);
    throw error;
  }
  await mkdir(labRunDir(), { recursive: true });
  const daemonOptions = {
    conditions,
    backend: options.link ?? 'auto',
    purpose: LAB_DAEMON_PURPOSE,
    socketDir: labDaemonSocketDir(),
    wait: options.wait,
    ...(options.cc !== undefined ? { tcpCongestionControl: options.cc } : {}),
  };
  // Until the lab is up, this command owns the daemon: any failure or Ctrl-C removes it.
  // Registered before the spawn, so the signal handlers are in place when the daemon exists.
  let pid: number | undefined;
  const unregister = onCleanup('stop the lab daemon', async () => {
    if (pid !== undefined) await stopDaemon(pid, DOWN_TIMEOUT_MS);
  });
  if (interruptSignal.aborted) {
    unregister();
    throw new Error('interrupted');
  }
  const logFd = openSync(labDaemonLog(), 'a', 0o644);
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, ['--import', 'tsx', LAB_DAEMON_MAIN, JSON.stringify(daemonOptions)], {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', logFd, logFd, 'ipc'],
    });
  } finally {
    closeSync(logFd);
  }
  pid = child.pid;
  if (pid === undefined) {
    unregister();
    throw new Error('could not start the lab daemon');
  }
  let state: LabState | undefined;
  try {
    // The same words as a scenario's wait, on stderr (stdout is the lab's description).
    const message = await waitForDaemon(child, UP_TIMEOUT_MS, (waiting) => process.stderr.write(`${waiting}\n`));
    if (message.event === 'error') throw message.busy ? new LabBusyError(message.message) : new Error(message.message);
    state = (await readLabStates()).find((s) => s.ownerPid === pid);
    if (!state) throw new Error(`the lab daemon (pid ${pid}) reported ready but wrote no lab state`);
  } catch (error) {
    await stopDaemon(pid, DOWN_TIMEOUT_MS);
    await reapLabOf(pid);
    unregister();
    throw error;
  }
  unregister();
  if (child.connected) child.disconnect();
  child.unref();
  process.stdout.write(labText(state, null));
  process.stdout.write(`daemon pid ${pid}, log ${labDaemonLog()}\n`);
  process.stdout.write('run inside: npm run lab -- exec client|server -- CMD...   remove: npm run lab -- down\n');
}

// ---------------------------------------------------------------- status

async function status(options: { json?: boolean }): Promise<void> {
  const { live } = await labsNow();
  const entries = await Promise.all(
    live.map(async (state) => {
      const stats = isDaemonLab(state) && state.backend === 'emulator' && processAlive(state.ownerPid) ? await daemonStats(state.ownerPid) : null;
      return { state, stats };
    }),
  );
  // What is really there, found as the reaper finds it; `down` stops the daemons' labs and reaps the rest.
  const found = surveyEntries(await surveyLab(), new Set(live.filter(isDaemonLab).map((s) => s.ownerPid)));
  if (options.json) {
    const labs = entries.map(({ state, stats }) => ({
      ...state,
      startedBy: isDaemonLab(state) ? 'lab up' : 'another command',
      ...(isDaemonLab(state) ? { daemonLog: labDaemonLog() } : {}),
      linkStats: stats && 'stats' in stats ? stats.stats : null,
      ...(stats && 'error' in stats ? { linkStatsError: stats.error } : {}),
    }));
    process.stdout.write(JSON.stringify({ labs, found }, null, 2) + '\n');
    return;
  }
  if (live.length === 0) process.stdout.write('no lab is up\n');
  for (const { state, stats } of entries) process.stdout.write(labText(state, stats));
  process.stdout.write(surveyText(found));
}

// ---------------------------------------------------------------- exec

async function exec(side: 'client' | 'server', argv: string[]): Promise<void> {
  const { live } = await labsNow();
  const state = live.find(isDaemonLab);
  if (!state) {
    // A scenario's or benchmark's lab is measuring: commands inside it would disturb the numbers.
    const other = live[0];
    if (other) throw new Error(`no lab from lab up is up; the lab belongs to pid ${other.ownerPid} (${other.purpose}), left alone`);
    throw new Error('no lab is up (start one with npm run lab -- up)');
  }
  const netns = state.namespaces[side];
  // Checked on disk, not with `ip netns list`: this command leaves SIGINT to the command it runs.
  if (!existsSync(join('/run/netns', netns))) throw new Error(`namespace ${netns} of lab ${state.labId} does not exist`);
  const child = spawn('ip', ['netns', 'exec', netns, ...argv], { stdio: 'inherit' });
  // Ctrl-C reaches the command through the terminal; SIGTERM sent to us is passed on.
  const ignore = (): void => undefined;
  const forward = (): void => void child.kill('SIGTERM');
  process.on('SIGINT', ignore);
  process.on('SIGTERM', forward);
  try {
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((done, fail) => {
      child.once('error', fail);
      child.once('exit', (c, s) => done([c, s]));
    });
    process.exitCode = code ?? 128 + (signal ? (osConstants.signals[signal] ?? 0) : 0);
  } finally {
    process.off('SIGINT', ignore);
    process.off('SIGTERM', forward);
  }
}

// ---------------------------------------------------------------- down

async function down(): Promise<void> {
  const { live } = await labsNow();
  const daemons = live.filter(isDaemonLab);
  const others = live.filter((s) => !isDaemonLab(s));
  const reaped: string[] = [];
  for (const state of daemons) {
    if (!isLabDaemon(state.ownerPid)) throw new Error(`pid ${state.ownerPid} of lab ${state.labId} is not a lab daemon; not signalling it`);
    await stopDaemon(state.ownerPid, DOWN_TIMEOUT_MS);
    // A daemon removes its lab before it exits; one that had to be killed leaves it to the reaper.
    reaped.push(...(await reapLabOf(state.ownerPid)));
  }
  reaped.push(...(await reapLeftovers()));
  const recovered = recoveredLines(await recoverJournals([DEFAULT_RESULTS_DIR], '`lab down`'));
  await removeStaleSockets();
  const gone = new Set(daemons.flatMap((s) => [s.namespaces.client, s.namespaces.server]));
  const deadline = Date.now() + DOWN_TIMEOUT_MS;
  let remaining = (await listNamespaces()).filter((n) => gone.has(n));
  while (remaining.length > 0 && Date.now() < deadline) {
    await sleep(POLL_MS);
    reaped.push(...(await reapLeftovers()));
    remaining = (await listNamespaces()).filter((n) => gone.has(n));
  }
  if (remaining.length > 0) throw new Error(`namespaces still present after ${DOWN_TIMEOUT_MS / 1000} s: ${remaining.join(', ')}`);
  for (const state of daemons) process.stdout.write(`lab ${state.labId} is down (daemon pid ${state.ownerPid})\n`);
  if (reaped.length > 0) process.stdout.write(`removed leftovers of killed runs: ${reaped.join(', ')}\n`);
  for (const line of recovered) process.stdout.write(`${line}\n`);
  if (daemons.length === 0 && reaped.length === 0 && recovered.length === 0) {
    process.stdout.write(others.length === 0 ? 'no lab is up\n' : 'no lab from lab up is up\n');
  }
  for (const state of others) {
    process.stdout.write(`left alone: lab ${state.labId} of pid ${state.ownerPid} (${state.purpose}), not started by lab up\n`);
  }
}

// ---------------------------------------------------------------- the command

export function labCommand(): Command {
  const lab = new Command('lab').description('a lab network that stays up for manual use: up, status, exec, down');
  const upCommand = addLinkOptions(
    new Command('up').description('start a lab (client and server namespaces joined by an impaired link) that keeps running until `lab down`; waits while another run holds the lab').addOption(noWaitOption()),
  ).action(async (options: UpOptions) => up(options));
  const statusCommand = new Command('status')
    .description(
      'describe the running lab (namespaces, addresses, link conditions, emulator statistics) and list every lab namespace, owned temporary directory and lab state on the host: its owner, alive or gone, and what `lab down` would do',
    )
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => status(options));
  const execCommand = new Command('exec')
    .description('run a command inside the lab: npm run lab -- exec client|server -- CMD...')
    .addArgument(new Argument('<side>', 'namespace: client or server').choices(['client', 'server']))
    .argument('<command...>', 'the command and its arguments (after --)')
    // Without `--`, the command's own options (ping -c 2) are passed on too (except -h/--help).
    .allowUnknownOption()
    .action(async (side: 'client' | 'server', argv: string[]) => exec(side, argv));
  const downCommand = new Command('down').description('stop the lab started by `lab up` and remove leftovers of killed runs').action(async () => down());
  for (const sub of [upCommand, statusCommand, execCommand, downCommand]) {
    sub.exitOverride().configureOutput({ writeErr: () => {}, outputError: () => {} });
    lab.addCommand(sub);
  }
  return lab;
}
