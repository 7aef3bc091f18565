// The process behind `npm run lab -- up`: owns one lab until SIGTERM or SIGINT, then removes
// it and exits. Started detached by harness/cli/lab-command.ts as
//   node --import tsx harness/lab/lab-daemon-main.ts '<json options>'
// with stdout and stderr appended to a log file. It reports {"event":"ready",...} or
// {"event":"error",...} over the IPC channel when there is one, and answers `stats` (the
// emulator's live statistics) on a Unix socket at <socketDir>/<pid>.sock.
import { mkdir, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { z } from 'zod';
import { runCleanups } from '../process/cleanup.js';
import type { LinkConditions } from './conditions.js';
import { startLab, TCP_CONGESTION_CONTROLS, type Lab } from './lab.js';
import { acquireLabLock, LabBusyError } from './lock.js';
import { listenOnPrivateSocket } from './private-socket.js';

const optionsSchema = z
  .object({
    conditions: z.custom<LinkConditions>((value) => typeof value === 'object' && value !== null && 'up' in value && 'down' in value && 'seed' in value, 'conditions must be LinkConditions'),
    backend: z.enum(['emulator', 'netem', 'auto']),
    tcpCongestionControl: z.enum(TCP_CONGESTION_CONTROLS).optional(),
    purpose: z.string().min(1),
    socketDir: z.string().min(1),
    /** Wait while another run holds the lab (reported as a `waiting` event), or refuse at once. */
    wait: z.boolean(),
  })
  .strict();

export type LabDaemonOptions = z.infer<typeof optionsSchema>;

/** How long a stats request may take before the connection is dropped. */
const REQUEST_TIMEOUT_MS = 3000;
/** How often the daemon checks that its emulator still runs. */
const WATCH_INTERVAL_MS = 1000;

function log(line: string): void {
  process.stdout.write(`${new Date().toISOString()} lab-daemon[${process.pid}] ${line}\n`);
}

function report(message: Record<string, unknown>): void {
  if (process.send && process.connected) process.send(message);
}

function disconnect(): void {
  if (process.connected) process.disconnect();
}

let lab: Lab | null = null;
let server: Server | null = null;
let socketPath: string | null = null;
let signalled: string | null = null;
let shuttingDown: Promise<never> | null = null;
/** Ends a wait for the lab lock: a signal, or `lab up` gone before the lab was ready. */
const starting = new AbortController();

function shutdown(reason: string, code: number): Promise<never> {
  shuttingDown ??= (async () => {
    log(`stopping: ${reason}`);
    server?.close();
    if (socketPath) await rm(socketPath, { force: true }).catch(() => undefined);
    try {
      await lab?.stop();
      log('lab removed');
    } catch (error) {
      log(`removing the lab failed: ${(error as Error).message}`);
      code = 1;
    }
    const failures = await runCleanups();
    for (const failure of failures) log(`cleanup failed: ${failure}`);
    process.exit(code);
  })();
  return shuttingDown;
}

for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  process.on(signal, () => {
    signalled = signal;
    // While the lab is starting, the start sequence checks `signalled` when it ends.
    if (lab) void shutdown(`received ${signal}`, 0);
    else starting.abort(new Error(`received ${signal} while waiting for the lab`));
  });
}
for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
  process.on(event, (error: unknown) => {
    log(`${event}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    void shutdown(event, 1);
  });
}

async function serveRequests(directory: string, running: Lab): Promise<void> {
  await mkdir(directory, { recursive: true, mode: 0o700 });
  const path = join(directory, `${process.pid}.sock`);
  await rm(path, { force: true }); // left by an earlier process with this pid
  const answer = async (socket: Socket, request: string): Promise<void> => {
    if (request === 'stats') {
      try {
        socket.end(JSON.stringify({ event: 'stats', stats: await running.linkStats() }) + '\n');
      } catch (error) {
        socket.end(JSON.stringify({ event: 'error', message: (error as Error).message }) + '\n');
      }
    } else {
      socket.end(JSON.stringify({ event: 'error', message: `unknown request "${request.slice(0, 40)}" (stats)` }) + '\n');
    }
  };
  server = createServer((socket) => {
    socket.setEncoding('utf8');
    socket.setTimeout(REQUEST_TIMEOUT_MS, () => socket.destroy());
    socket.on('error', () => undefined);
    let buffered = '';
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      const end = buffered.indexOf('\n');
      if (end >= 0) void answer(socket, buffered.slice(0, end).trim());
      else if (buffered.length > 1024) socket.destroy();
    });
  });
  // Only root (the owner) may ask the lab for its stats.
  await listenOnPrivateSocket(server, path);
  socketPath = path;
}

async function main(): Promise<void> {
  let options: LabDaemonOptions;
  try {
    options = optionsSchema.parse(JSON.parse(process.argv[2] ?? ''));
  } catch (error) {
    const message = `bad daemon options: ${(error as Error).message.split('\n')[0]}`;
    log(message);
    report({ event: 'error', message, busy: false });
    disconnect();
    process.exitCode = 2;
    return;
  }
  log(`starting a lab (${options.backend}) for "${options.purpose}"`);
  // `lab up` killed before the lab is ready: nobody would know of the lab, so none is started.
  const orphaned = (): void => {
    signalled ??= 'disconnect';
    starting.abort(new Error('lab up is gone'));
  };
  process.once('disconnect', orphaned);
  let releaseWait: (() => Promise<void>) | undefined;
  try {
    // Taken here, before startLab takes it again (re-entrant), so that `lab up` hears of the wait and its end.
    releaseWait = await acquireLabLock(options.purpose, {
      wait: options.wait,
      onWait: (message) => {
        log(message);
        report({ event: 'waiting', message });
      },
      signal: starting.signal,
    });
    report({ event: 'locked' });
    lab = await startLab({
      conditions: options.conditions,
      backend: options.backend,
      purpose: options.purpose,
      ...(options.tcpCongestionControl !== undefined ? { tcpCongestionControl: options.tcpCongestionControl } : {}),
    });
  } catch (error) {
    const message = (error as Error).message;
    log(`could not start the lab: ${message}`);
    report({ event: 'error', message, busy: error instanceof LabBusyError });
    process.off('disconnect', orphaned);
    disconnect();
    await releaseWait?.();
    await runCleanups();
    process.exitCode = 1;
    return;
  }
  await releaseWait(); // the lab holds the lock now
  const running = lab;
  log(`lab ${running.labId} up: ${running.backend}, ${running.namespaces.client} <-> ${running.namespaces.server}`);
  if (signalled) {
    await shutdown(`received ${signalled} while starting`, 0);
    return;
  }
  try {
    await serveRequests(options.socketDir, running);
  } catch (error) {
    // Statistics are a convenience: the lab works without them.
    log(`no stats socket: ${(error as Error).message}`);
  }
  // Keeps the event loop alive (netem has no child process) and notices a dead emulator.
  setInterval(() => {
    if (running.emulator && !running.emulator.running) void shutdown('the link emulator exited', 1);
  }, WATCH_INTERVAL_MS);
  report({ event: 'ready', labId: running.labId, pid: process.pid, socket: socketPath });
  process.off('disconnect', orphaned);
  disconnect();
}

await main();
