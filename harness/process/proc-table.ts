// What /proc says about processes: alive or not, children, process groups, command lines;
// what servers that fork (smbd) or leave helpers (Chromium) need to be sure nothing is left.
import { readFileSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';

interface ProcEntry {
  pid: number;
  /** R, S, D, Z (zombie), ... */
  state: string;
  ppid: number;
  pgrp: number;
  /** Clock ticks after boot when the process started. */
  startTicks: number;
}

/** "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so split after the last ")". */
function parseStat(pid: number, stat: string): ProcEntry | null {
  if (stat === '') return null;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { pid, state: fields[0] ?? '', ppid: Number(fields[1]), pgrp: Number(fields[2]), startTicks: Number(fields[19]) };
}

/** Whether `pid` runs (a zombie waiting for its reaper counts as gone). */
export function processAlive(pid: number): boolean {
  try {
    const state = parseStat(pid, readFileSync(`/proc/${pid}/stat`, 'utf8'))?.state ?? '';
    return state !== 'Z' && state !== 'X' && state !== '';
  } catch {
    return false;
  }
}

/** USER_HZ: /proc counts start times in it; 100 on every Linux architecture Node runs on. */
const CLOCK_TICKS_PER_SECOND = 100;
let bootTimeMs: number | undefined;

function bootMs(): number {
  bootTimeMs ??= Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1] ?? 0) * 1000;
  return bootTimeMs;
}

/**
 * Whether the process that made something at `createdAtMs` (wall clock) still runs as `pid`:
 * alive, and started no later than the thing was made (a later start is a reused pid). One
 * second of slack covers whole-second file times.
 */
export function ownerAlive(pid: number, createdAtMs: number): boolean {
  if (!processAlive(pid)) return false;
  try {
    const entry = parseStat(pid, readFileSync(`/proc/${pid}/stat`, 'utf8'));
    if (!entry) return false;
    const startedMs = bootMs() + (entry.startTicks * 1000) / CLOCK_TICKS_PER_SECOND;
    return startedMs <= createdAtMs + 1000;
  } catch {
    return false;
  }
}

/**
 * Whether a reaper running as `reaperPid` removes what this owner left: the owner is named, and
 * gone (or its pid is a later process's); the reaper's own things are never its leftovers.
 */
export function reapable(owner: { ownerPid: number | null; ownerAlive: boolean }, reaperPid = process.pid): boolean {
  return owner.ownerPid !== null && owner.ownerPid !== reaperPid && !owner.ownerAlive;
}

/** Every process, zombies included. */
async function processTable(): Promise<ProcEntry[]> {
  const entries: ProcEntry[] = [];
  for (const name of await readdir('/proc').catch(() => [])) {
    if (!/^\d+$/.test(name)) continue;
    const entry = parseStat(Number(name), await readFile(`/proc/${name}/stat`, 'utf8').catch(() => ''));
    if (entry) entries.push(entry);
  }
  return entries;
}

/** Every process below `pid` (children, grandchildren...). */
export async function descendants(pid: number): Promise<number[]> {
  const table = await processTable();
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift();
    for (const entry of table) {
      if (entry.ppid === parent && !found.includes(entry.pid)) {
        found.push(entry.pid);
        queue.push(entry.pid);
      }
    }
  }
  return found;
}

/** Live processes of process group `pgid`. */
export async function groupMembers(pgid: number): Promise<number[]> {
  return (await processTable()).filter((e) => e.pgrp === pgid && e.state !== 'Z').map((e) => e.pid);
}

/** Live processes (not this one) whose command line contains `text`. */
export async function processesNaming(text: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await processTable()) {
    if (entry.state === 'Z' || entry.pid === process.pid) continue;
    const cmdline = await readFile(`/proc/${entry.pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.replaceAll('\0', ' ').includes(text)) found.push(entry.pid);
  }
  return found;
}

/** Sends `signal` to a process (or, with a negative pid, a process group) that may be gone already. */
export function signalQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}
