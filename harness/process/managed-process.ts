// Child processes with bounded lifetimes: readiness from their output, captured stderr,
// and removal through the cleanup registry. Every child is also tied to this process by the
// kernel: a parent-death signal (SIGKILL when the harness dies, however it dies), and a session
// of its own, so a terminal's Ctrl-C (SIGINT to the foreground process group) or hang-up
// reaches only the harness, which writes its aborted result and then ends its children.
import { signalQuietly } from './proc-table.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { onCleanup } from './cleanup.js';
import { PROJECT_ROOT } from '../project-root.js';
import { builtProgram } from '../../bin/build-state.mjs';

const STDERR_TAIL_BYTES = 16 * 1024;

export interface ProcessSpec {
  /** Short label for errors and cleanup. */
  name: string;
  command: string;
  args: readonly string[];
  /** Run inside this network namespace (via `ip netns exec`). */
  netns?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * A TypeScript entry point of this project run with Node, its config as one JSON argument: its
 * built file when the build is current and has it (bin/build-state.mjs PROGRAMS: no tsx to load,
 * about 0.2 s less a start), else the source through tsx.
 */
export function nodeScriptSpec(name: string, script: string, config: unknown, netns?: string): ProcessSpec {
  const built = builtProgram(PROJECT_ROOT, relative(PROJECT_ROOT, script));
  return {
    name,
    command: process.execPath,
    args: [...(built !== undefined ? [built] : ['--import', 'tsx', script]), JSON.stringify(config)],
    cwd: PROJECT_ROOT,
    ...(netns !== undefined ? { netns } : {}),
  };
}

/** util-linux's setpriv, which sets the parent-death signal and execs the command (same pid). */
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((path) => existsSync(path));

/** Whether `command` names an executable file (a path, or a name on PATH). */
function executable(command: string): boolean {
  const candidates = command.includes('/') ? [command] : (process.env.PATH ?? '').split(':').map((dir) => join(dir || '.', command));
  return candidates.some((path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export function commandLine(spec: ProcessSpec): { command: string; args: string[] } {
  // `ip netns exec` execs the command too: the pid is the command's throughout.
  const [command = spec.command, ...args] = spec.netns === undefined ? [spec.command, ...spec.args] : ['ip', 'netns', 'exec', spec.netns, spec.command, ...spec.args];
  // A missing program is left to fail as itself (spawn's ENOENT), not as setpriv's error.
  if (SETPRIV === undefined || !executable(command)) return { command, args };
  return { command: SETPRIV, args: ['--pdeathsig', 'KILL', '--', command, ...args] };
}

export class ManagedProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private stderrTail = '';
  private readonly lineListeners = new Set<(line: string) => void>();
  private readonly unregister: () => void;
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  constructor(readonly spec: ProcessSpec) {
    const { command, args } = commandLine(spec);
    this.child = spawn(command, args, {
      cwd: spec.cwd,
      env: spec.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      // Its own session: out of the terminal's reach (see above); stop() ends its whole group.
      detached: true,
    });
    this.child.stdin?.on('error', () => {});
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve({ code, signal });
      });
      this.child.once('error', (error) => {
        this.stderrTail += `\nspawn failed: ${error.message}`;
        this.exitInfo = { code: null, signal: null };
        resolve(this.exitInfo);
      });
    });
    const onLine = (line: string): void => {
      for (const listener of this.lineListeners) listener(line);
    };
    if (this.child.stdout) createInterface({ input: this.child.stdout }).on('line', onLine);
    if (this.child.stderr) {
      createInterface({ input: this.child.stderr }).on('line', (line) => {
        this.stderrTail = (this.stderrTail + line + '\n').slice(-STDERR_TAIL_BYTES);
        onLine(line);
      });
    }
    this.unregister = onCleanup(`stop ${spec.name}`, () => this.stop());
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  /** How the process ended ("gtlsserver exited with signal SIGKILL"), or null while it runs. */
  get exitDescription(): string | null {
    const info = this.exitInfo;
    if (info === undefined) return null;
    return `${this.spec.name} ${info.signal !== null ? `exited with signal ${info.signal}` : info.code !== null ? `exited with code ${info.code}` : 'failed to start'}`;
  }

  /** The last lines the process wrote to stderr, for error messages. */
  stderr(): string {
    return this.stderrTail.trim();
  }

  onLine(listener: (line: string) => void): () => void {
    this.lineListeners.add(listener);
    return () => this.lineListeners.delete(listener);
  }

  /** Resolves with the first stdout or stderr line matching `pattern`; rejects on exit or timeout. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`${this.spec.name}: not ready after ${timeoutMs} ms${this.tailForError()}`));
      }, timeoutMs);
      const off = this.onLine((line) => {
        if (pattern.test(line)) {
          finish();
          resolve(line);
        }
      });
      void this.exited.then((info) => {
        finish();
        reject(new Error(`${this.spec.name}: exited (code ${info.code}, signal ${info.signal}) before ready${this.tailForError()}`));
      });
      const finish = (): void => {
        clearTimeout(timer);
        off();
      };
    });
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  async stop(graceMs = 2000): Promise<void> {
    if (this.running) {
      this.signalGroup('SIGTERM');
      const killer = setTimeout(() => this.signalGroup('SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(killer);
    }
    this.unregister();
  }

  /** The process and whatever it started in its group (its session is its own). */
  private signalGroup(signal: NodeJS.Signals): void {
    if (this.child.pid === undefined) return;
    signalQuietly(-this.child.pid, signal);
  }

  private tailForError(): string {
    const tail = this.stderr();
    return tail ? `: ${tail.split('\n').slice(-5).join(' | ')}` : '';
  }
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** Characters of output past the limit (OUTPUT_LIMIT_CHARS unless the spec says) that were dropped (absent when none). */
  droppedOutputChars?: number;
}

/** The most a command's stdout or stderr is kept to: a chatty one cannot take the harness's memory (V8's string limit is 512 MiB). */
export const OUTPUT_LIMIT_CHARS = 32 * 1024 * 1024;

/**
 * Runs a command to completion within `timeoutMs` (killed after), collecting its output. The
 * command runs in a session (and process group) of its own, out of the terminal's reach; with
 * `processGroup` the whole group is killed when it exits or times out (programs such as
 * Chromium leave helpers holding the pipes).
 */
export function runCommand(
  spec: ProcessSpec & {
    timeoutMs: number;
    input?: string;
    processGroup?: boolean;
    outputLimitChars?: number;
    /** Each line of stdout as it comes, instead of collecting it (RunResult.stdout is then empty): output of any size. */
    onStdoutLine?: (line: string) => void;
  },
): Promise<RunResult> {
  const { command, args } = commandLine(spec);
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: spec.cwd, env: spec.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const kill = (): void => {
      if (!spec.processGroup || child.pid === undefined) {
        child.kill('SIGKILL');
        return;
      }
      signalQuietly(-child.pid, 'SIGKILL');
    };
    const unregister = onCleanup(`kill ${spec.name}`, kill);
    let stdout = '';
    let stderr = '';
    let dropped = 0;
    let timedOut = false;
    // The head is kept: what the programs here report (a JSON line, an error) comes first or alone.
    const limit = spec.outputLimitChars ?? OUTPUT_LIMIT_CHARS;
    const keep = (kept: string, chunk: string): string => {
      const room = limit - kept.length;
      if (chunk.length <= room) return kept + chunk;
      dropped += chunk.length - Math.max(0, room);
      return room > 0 ? kept + chunk.slice(0, room) : kept;
    };
    let partialLine = '';
    const onLine = spec.onStdoutLine;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (!onLine) {
        stdout = keep(stdout, chunk);
        return;
      }
      const lines = (partialLine + chunk).split('\n');
      partialLine = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = keep(stderr, chunk)));
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, spec.timeoutMs);
    if (spec.processGroup) child.once('exit', kill);
    child.once('error', (error) => {
      stderr += `spawn failed: ${error.message}`;
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      unregister();
      if (onLine && partialLine !== '') onLine(partialLine);
      resolve({ code, signal, stdout, stderr, timedOut, ...(dropped > 0 ? { droppedOutputChars: dropped } : {}) });
    });
    // A child that exits before reading its input closes the pipe: not an error of ours.
    child.stdin.on('error', () => {});
    child.stdin.end(spec.input ?? '');
  });
}
