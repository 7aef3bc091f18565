// Kernel settings that matter to a comparison, read where the endpoint runs.
import { readFile } from 'node:fs/promises';
import { runCommand } from '../process/managed-process.js';

/** Reads a sysctl such as "net.ipv4.tcp_congestion_control" (inside `netns` when given). */
export async function readSysctl(name: string, netns?: string): Promise<string | null> {
  if (netns === undefined) {
    try {
      return (await readFile(`/proc/sys/${name.replaceAll('.', '/')}`, 'utf8')).trim();
    } catch {
      return null;
    }
  }
  const result = await runCommand({ name: 'sysctl', command: 'sysctl', args: ['-n', name], netns, timeoutMs: 5000 });
  return result.code === 0 ? result.stdout.trim() : null;
}
