// The body sizes a run asks its servers for, from its cases.
import type { CaseDefinition } from './types.js';

/** Every body size the cases ask for (transfers, objects), for servers that serve files. */
export function bodySizesOf(cases: readonly CaseDefinition[]): number[] {
  const sizes = cases.map(({ workload }) => (workload.kind === 'batch' ? workload.objectBytes : workload.bodyBytes));
  return [...new Set(sizes)].sort((a, b) => a - b);
}
