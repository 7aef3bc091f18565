// Chromium driven over the DevTools protocol on a pipe (--remote-debugging-pipe): Chromium
// reads commands from its fd 3 and writes answers and events to its fd 4, each one JSON
// message ended by a NUL byte. No port is opened, nothing but this process can drive it, and
// since the pipes are plain inherited descriptors, `ip netns exec NS setpriv ... chromium ...`
// works as is (neither closes them).
//
// The browser leads a process group of its own (its zygote, renderer, GPU and network-service
// helpers are in it) and the whole group is killed when the browser is closed, when it exits,
// and on an interrupt (the cleanup registry), as runCommand does for short Chromium runs.
import { groupMembers, processesNaming, signalQuietly } from '../../process/proc-table.js';
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { onCleanup } from '../../process/cleanup.js';
import { commandLine } from '../../process/managed-process.js';

const STDERR_TAIL_BYTES = 16 * 1024;
/** How long close() waits for the helpers of a killed group to be gone. */
const GROUP_GONE_TIMEOUT_MS = 3000;
/** How long a helper outside the group (crashpad) gets to end by itself before it is killed. */
const STRAY_GRACE_MS = 1000;

/** The flag that makes Chromium take its commands on fd 3 and answer on fd 4: the launch's command line must carry it. */
export const CDP_PIPE_FLAG = '--remote-debugging-pipe';

export interface CdpLaunchOptions {
  /** The command line that starts Chromium (headless.ts chromiumCommand), CDP_PIPE_FLAG among its arguments. */
  command: string;
  args: readonly string[];
  env: NodeJS.ProcessEnv;
  /** Run inside this network namespace (via `ip netns exec`). */
  netns?: string;
  /**
   * A string only this browser's processes have on their command line (its private
   * directory): close() also waits for, and at last kills, the processes that carry it
   * outside the process group.
   */
  marker?: string;
}

export type CdpParams = Record<string, unknown>;
type Listener = (params: CdpParams, sessionId: string | undefined) => void;

interface CdpMessage {
  id?: number;
  method?: string;
  params?: CdpParams;
  result?: CdpParams;
  error?: { code: number; message: string; data?: string };
  sessionId?: string;
}

export class CdpBrowser {
  private readonly child: ChildProcess;
  private readonly toBrowser: Writable;
  private readonly pending = new Map<number, { method: string; resolve: (result: CdpParams) => void; reject: (error: Error) => void }>();
  private readonly listeners = new Map<string, Set<Listener>>();
  private nextId = 1;
  private stderrTail = '';
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly unregister: () => void;
  private readonly marker: string | undefined;
  /** Resolves when the browser process is gone (its helpers may still be going). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(options: CdpLaunchOptions) {
    if (!options.args.includes(CDP_PIPE_FLAG)) throw new Error(`chromium: the command line has no ${CDP_PIPE_FLAG}: nothing could drive it`);
    const { command, args } = commandLine({ name: 'chromium', command: options.command, args: options.args, ...(options.netns !== undefined ? { netns: options.netns } : {}) });
    this.marker = options.marker;
    this.child = spawn(command, args, { env: options.env, stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'], detached: true });
    this.unregister = onCleanup('kill chromium (CDP)', () => this.killGroup());
    this.toBrowser = this.child.stdio[3] as Writable;
    const fromBrowser = this.child.stdio[4] as Readable;
    this.toBrowser.on('error', () => {}); // a browser that died; the exit handler reports it
    this.exited = new Promise((resolve) => {
      const done = (info: { code: number | null; signal: NodeJS.Signals | null }): void => {
        if (this.exitInfo !== undefined) return;
        this.exitInfo = info;
        this.killGroup(); // helpers left behind by a browser that exited or crashed
        this.failPending();
        resolve(info);
      };
      this.child.once('exit', (code, signal) => done({ code, signal }));
      this.child.once('error', (error) => {
        this.stderrTail += `\nspawn failed: ${error.message}`;
        done({ code: null, signal: null });
      });
    });
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-STDERR_TAIL_BYTES);
    });
    let buffered = '';
    fromBrowser.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      let end: number;
      while ((end = buffered.indexOf('\0')) >= 0) {
        const text = buffered.slice(0, end);
        buffered = buffered.slice(end + 1);
        this.dispatch(JSON.parse(text) as CdpMessage);
      }
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  /** The last `lines` lines of Chromium's stderr, leaving out those that match `noise`. */
  stderr(noise?: RegExp, lines = 6): string {
    return this.stderrTail
      .split('\n')
      .filter((line) => line.trim() !== '' && !(noise?.test(line) ?? false))
      .slice(-lines)
      .join('\n');
  }

  /** A command to the browser, or to a page with its flat-mode `sessionId`. */
  send<T = CdpParams>(method: string, params: CdpParams = {}, sessionId?: string): Promise<T> {
    if (!this.running) return Promise.reject(this.exitError(method));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { method, resolve: resolve as (result: CdpParams) => void, reject });
      this.toBrowser.write(JSON.stringify({ id, method, params, ...(sessionId !== undefined ? { sessionId } : {}) }) + '\0');
    });
  }

  /** Calls `listener` for every `method` event; returns the function that stops it. */
  on(method: string, listener: Listener): () => void {
    let set = this.listeners.get(method);
    if (set === undefined) this.listeners.set(method, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  /** The next `method` event of `sessionId` (rejects when the browser exits first). */
  next(method: string, sessionId: string | undefined): Promise<CdpParams> {
    return new Promise((resolve, reject) => {
      const off = this.on(method, (params, from) => {
        if (from !== sessionId) return;
        off();
        resolve(params);
      });
      void this.exited.then(() => {
        off();
        reject(this.exitError(`waiting for ${method}`));
      });
    });
  }

  /**
   * Ends the browser: with `graceMs` > 0 it is asked to close first (Browser.close: it shuts
   * its connections down as it would on quit) and killed if it has not exited by then. Then
   * the whole process group is killed, and this waits (a bounded time) until it is gone.
   */
  async close(graceMs = 0): Promise<void> {
    if (this.running && graceMs > 0) {
      await Promise.race([
        this.send('Browser.close')
          .catch(() => {})
          .then(() => this.exited),
        sleep(graceMs),
      ]);
    }
    this.killGroup();
    await this.exited;
    const pid = this.child.pid;
    if (pid !== undefined) {
      // Helpers die on the group's SIGKILL. Crashpad's handlers run in sessions of their own
      // and end by themselves once the browser is gone; they are known by the private
      // directory on their command line, and killed (by pid) if they linger.
      const until = Date.now() + GROUP_GONE_TIMEOUT_MS;
      for (let waited = 0; Date.now() < until; waited += 20) {
        const left = await liveProcesses(pid, this.marker);
        if (left.length === 0) break;
        if (waited >= STRAY_GRACE_MS) for (const stray of left) signalQuietly(stray, 'SIGKILL');
        await sleep(20);
      }
    }
    this.unregister();
  }

  private killGroup(): void {
    if (this.child.pid !== undefined) signalQuietly(-this.child.pid, 'SIGKILL');
  }

  private dispatch(message: CdpMessage): void {
    if (message.id !== undefined) {
      const call = this.pending.get(message.id);
      if (call === undefined) return;
      this.pending.delete(message.id);
      if (message.error) call.reject(new Error(`CDP ${call.method}: ${message.error.message}${message.error.data ? ` (${message.error.data})` : ''}`));
      else call.resolve(message.result ?? {});
      return;
    }
    if (message.method === undefined) return;
    for (const listener of [...(this.listeners.get(message.method) ?? [])]) listener(message.params ?? {}, message.sessionId);
  }

  private exitError(what: string): Error {
    const info = this.exitInfo;
    const how = info === undefined ? 'is gone' : `exited (code ${info.code}, signal ${info.signal})`;
    const spawnFailure = /spawn failed: (.*)/.exec(this.stderrTail)?.[1];
    return new Error(`chromium ${how} before ${what}${spawnFailure ? `: spawn failed: ${spawnFailure}` : ''}`);
  }

  private failPending(): void {
    for (const [id, call] of this.pending) {
      this.pending.delete(id);
      call.reject(this.exitError(`answering ${call.method}`));
    }
  }
}

/** Live processes of the group `pgid`, and those whose command line holds `marker` (zombies do not count). */
async function liveProcesses(pgid: number, marker: string | undefined): Promise<number[]> {
  return [...new Set([...(await groupMembers(pgid)), ...(marker !== undefined ? await processesNaming(marker) : [])])];
}
