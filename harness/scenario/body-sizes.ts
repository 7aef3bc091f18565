// The body sizes a run asks its servers for, from its cases.
import type { CaseDefinition } from './types.js';

/** Every body size the cases ask for (transfers, objects, a copy's SMB-style reads), for servers that serve files. */
export function bodySizesOf(cases: readonly CaseDefinition[]): number[] {
  const sizes = cases.flatMap(({ workload }) => {
    if (workload.kind === 'batch') return [workload.objectBytes];
    if (workload.kind === 'copy' && workload.readBytes !== undefined) return [workload.bodyBytes, workload.readBytes];
    if (workload.kind === 'messages') return [];
    if (workload.kind === 'competition') return workload.flows.map((f) => f.bodyBytes);
    return [workload.bodyBytes];
  });
  return [...new Set(sizes)].sort((a, b) => a - b);
}
