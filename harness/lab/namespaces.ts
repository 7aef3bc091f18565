// Network namespaces of the lab: created with loopback up and the settings that matter to a
// comparison set explicitly; removed on every exit path; leftovers of killed runs reaped.
// Every lab namespace carries its owner's pid (qlab-<pid>-..., qlab-bench-<pid>-...,
// qlab-probe-<pid>-...): the reaper needs no state file that a kill could have missed.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { sweepStaleTempDirs } from '../files/owned-temp-dir.js';
import { ownerAlive, reapable, signalQuietly } from '../process/proc-table.js';
import { runCommand } from '../process/managed-process.js';
import { removeEgress } from './egress.js';
import { LAB_NETNS_PREFIX, readLabStates, removeLabState, stateOwnerAlive } from './lab-state.js';

const COMMAND_TIMEOUT_MS = 10_000;

/** The interface `ip route get ADDRESS` names ("198.19.252.2 dev qtgt1 src ..." -> "qtgt1"), or null. */
export function routeDeviceOf(ipRouteGetOutput: string): string | null {
  return /\bdev (\S+)/.exec(ipRouteGetOutput)?.[1] ?? null;
}

export async function ip(args: string[], netns?: string): Promise<string> {
  const result = await runCommand({ name: `ip ${args.join(' ')}`, command: 'ip', args: netns ? ['-n', netns, ...args] : args, timeoutMs: COMMAND_TIMEOUT_MS });
  if (result.code !== 0) throw new Error(`ip ${netns ? `-n ${netns} ` : ''}${args.join(' ')}: ${result.stderr.trim() || `exit ${result.code}`}`);
  return result.stdout;
}

export async function sysctlSet(netns: string, name: string, value: string): Promise<void> {
  const result = await runCommand({ name: 'sysctl', command: 'sysctl', args: ['-q', '-w', `${name}=${value}`], netns, timeoutMs: COMMAND_TIMEOUT_MS });
  if (result.code !== 0) throw new Error(`sysctl ${name}=${value} in ${netns}: ${result.stderr.trim()}`);
}

export async function listNamespaces(): Promise<string[]> {
  const out = await ip(['netns', 'list']);
  return out
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name.length > 0);
}

export async function createNamespace(name: string): Promise<void> {
  if (!name.startsWith(LAB_NETNS_PREFIX)) throw new Error(`lab namespaces must start with ${LAB_NETNS_PREFIX}: ${name}`);
  await ip(['netns', 'add', name]);
  await ip(['link', 'set', 'lo', 'up'], name);
}

export async function deleteNamespace(name: string): Promise<void> {
  if (!name.startsWith(LAB_NETNS_PREFIX)) throw new Error(`refusing to delete a namespace that is not the lab's: ${name}`);
  if ((await listNamespaces()).includes(name)) await ip(['netns', 'del', name]);
}

/** The pid a lab namespace's name says owns it (null for names that are not the lab's). */
export function namespaceOwner(name: string): number | null {
  const pid = Number(/^qlab-(?:[a-z]+-)?(\d+)-/.exec(name)?.[1]);
  return pid > 0 ? pid : null;
}

/** A lab namespace, its owner (the pid in its name; null when the name has none) and the processes inside. */
export interface LabNamespace {
  name: string;
  ownerPid: number | null;
  ownerAlive: boolean;
  pids: number[];
}

/** Every lab namespace on the host, as the reaper sees it. */
export async function findLabNamespaces(): Promise<LabNamespace[]> {
  const found: LabNamespace[] = [];
  for (const name of (await listNamespaces()).filter((n) => n.startsWith(LAB_NETNS_PREFIX)).sort()) {
    const pid = namespaceOwner(name);
    const createdAtMs = await stat(join('/run/netns', name)).then(
      (info) => info.mtimeMs,
      () => Date.now(),
    );
    found.push({ name, ownerPid: pid, ownerAlive: pid !== null && ownerAlive(pid, createdAtMs), pids: await namespacePids(name) });
  }
  return found;
}

/**
 * Removes what killed runs left: lab namespaces whose owner (the pid in the name) is gone or
 * is a later process with a reused pid, with any process still inside them; their state
 * files and egress (nftables table, veth, the host's ip_forward as it was); and the owned temporary directories of dead owners (key logs, captures). Labs in
 * use are left alone. Returns what was removed.
 */
export async function reapLeftovers(): Promise<string[]> {
  const removed: string[] = [];
  for (const namespace of await findLabNamespaces()) {
    if (!reapable(namespace)) continue;
    for (const inside of namespace.pids) signalQuietly(inside, 'SIGKILL');
    await deleteNamespace(namespace.name);
    removed.push(namespace.name);
  }
  for (const state of await readLabStates()) {
    if (!reapable({ ownerPid: state.ownerPid, ownerAlive: stateOwnerAlive(state) })) continue;
    if (state.egress) {
      // The table and ip_forward are the host's (the veth went with the namespace): undone here.
      await removeEgress(state.egress);
      removed.push(`egress of ${state.labId}`);
    }
    await removeLabState(state.labId);
  }
  removed.push(...(await sweepStaleTempDirs()));
  return removed;
}

async function namespacePids(name: string): Promise<number[]> {
  const out = await ip(['netns', 'pids', name]).catch(() => '');
  return out
    .split('\n')
    .map(Number)
    .filter((pid) => pid > 0);
}
