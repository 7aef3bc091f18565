// Who ran, on what: the identity a result carries so runs from any machine can be compared.
import { cpus, hostname, release, totalmem, type as osType } from 'node:os';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { runCommand } from '../process/managed-process.js';
import type { HostInfo, ResultDocument } from './schema.js';
import { PROJECT_ROOT } from '../project-root.js';


export function hostInfo(): HostInfo {
  return {
    hostname: hostname(),
    os: osType(),
    kernel: release(),
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryBytes: totalmem(),
    node: process.versions.node,
  };
}

export async function toolInfo(): Promise<ResultDocument['tool']> {
  const pkg = JSON.parse(readFileSync(resolve(PROJECT_ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
  const git = await runCommand({ name: 'git rev-parse', command: 'git', args: ['rev-parse', 'HEAD'], cwd: PROJECT_ROOT, timeoutMs: 5000 });
  const commit = git.code === 0 ? git.stdout.trim() : '';
  return { name: pkg.name, version: pkg.version, gitCommit: /^[0-9a-f]{40}$/.test(commit) ? commit : null };
}
