// The netem backend: a veth pair between the namespaces with tc netem (and tbf) on each end.
import { randomBytes } from 'node:crypto';
import { runCommand } from '../process/managed-process.js';
import type { LinkConditions } from './conditions.js';
import { LAB_NETNS_PREFIX } from './lab-state.js';
import { createNamespace, deleteNamespace, ip } from './namespaces.js';
import { netemCommands, netemLimitations } from './netem-commands.js';

let cached: Promise<{ available: boolean; reason: string }> | undefined;

/** Whether this kernel has sch_netem: tried on loopback in a throwaway namespace. */
export function netemAvailable(): Promise<{ available: boolean; reason: string }> {
  cached ??= (async () => {
    const probe = `${LAB_NETNS_PREFIX}probe-${process.pid}-${randomBytes(2).toString('hex')}`;
    await createNamespace(probe);
    try {
      const result = await runCommand({ name: 'tc netem probe', command: 'tc', args: ['qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'delay', '1ms'], netns: probe, timeoutMs: 5000 });
      return result.code === 0 ? { available: true, reason: 'sch_netem works' } : { available: false, reason: `this kernel has no sch_netem (tc said: ${result.stderr.trim().split('\n')[0] ?? ''})` };
    } finally {
      await deleteNamespace(probe);
    }
  })();
  return cached;
}

export async function startNetemLink(conditions: LinkConditions, namespaces: { client: string; server: string }, device: string): Promise<void> {
  const problems = netemLimitations(conditions);
  if (problems.length > 0) throw new Error(`--link netem cannot do this: ${problems.join('; ')}`);
  // Create the pair in the client namespace, then move one end: nothing touches the host's namespace.
  await ip(['link', 'add', device, 'type', 'veth', 'peer', 'name', `${device}p`], namespaces.client);
  await ip(['link', 'set', `${device}p`, 'netns', namespaces.server], namespaces.client);
  await ip(['link', 'set', `${device}p`, 'name', device], namespaces.server);
  for (const netns of [namespaces.client, namespaces.server]) {
    await ip(['link', 'set', device, 'up'], netns);
    // Offloads would hand netem 64 KB super-packets; per-packet impairment needs real packets.
    await runCommand({ name: 'ethtool', command: 'ethtool', args: ['-K', device, 'tso', 'off', 'gso', 'off', 'gro', 'off'], netns, timeoutMs: 5000 });
  }
  for (const command of netemCommands(conditions, { client: { netns: namespaces.client, device }, server: { netns: namespaces.server, device } })) {
    const [program, ...args] = command;
    const result = await runCommand({ name: 'tc', command: program as string, args, timeoutMs: 5000 });
    if (result.code !== 0) throw new Error(`${command.join(' ')}: ${result.stderr.trim()}`);
  }
}
