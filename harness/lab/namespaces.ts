// Network namespaces of the lab: created with loopback up and the settings that matter to a
// comparison set explicitly; removed on every exit path; leftovers of killed runs reaped.
import { processAlive } from '../process/proc-table.js';
import { runCommand } from '../process/managed-process.js';
import { LAB_NETNS_PREFIX, readLabStates, removeLabState } from './lab-state.js';

const COMMAND_TIMEOUT_MS = 10_000;

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

/**
 * Removes the namespaces of labs whose owner process is gone (a killed run). Labs in use
 * are left alone. Returns what was removed.
 */
export async function reapLeftovers(): Promise<string[]> {
  const removed: string[] = [];
  for (const state of await readLabStates()) {
    if (processAlive(state.ownerPid)) continue;
    for (const name of [state.namespaces.client, state.namespaces.server]) {
      await deleteNamespace(name);
      removed.push(name);
    }
    await removeLabState(state.labId);
  }
  return removed;
}
