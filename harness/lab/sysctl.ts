// Kernel settings that matter to a comparison, read where the endpoint runs.
import { readFile } from 'node:fs/promises';
import { runCommand } from '../process/managed-process.js';

function procPath(name: string): string {
  return `/proc/sys/${name.replaceAll('.', '/')}`;
}

/**
 * Reads sysctls such as "net.ipv4.tcp_congestion_control", inside `netns` when given (one
 * process for all of them); a setting that cannot be read is null.
 */
export async function readSysctls<Name extends string>(names: readonly Name[], netns?: string): Promise<Record<Name, string | null>> {
  const values = {} as Record<Name, string | null>;
  if (netns === undefined) {
    for (const name of names)
      values[name] = await readFile(procPath(name), 'utf8').then(
        (text) => text.trim(),
        () => null,
      );
    return values;
  }
  // One line per setting, in order; a missing one prints an empty line rather than shifting the rest.
  const script = names.map((name) => `cat ${procPath(name)} 2>/dev/null || echo`).join('; ');
  const result = await runCommand({ name: 'read sysctls', command: 'sh', args: ['-c', script], netns, timeoutMs: 5000 });
  const lines = result.stdout.split('\n');
  names.forEach((name, i) => {
    const line = result.code === 0 ? (lines[i] ?? '').trim() : '';
    values[name] = line === '' ? null : line;
  });
  return values;
}

export async function readSysctl(name: string, netns?: string): Promise<string | null> {
  return (await readSysctls([name], netns))[name] ?? null;
}
