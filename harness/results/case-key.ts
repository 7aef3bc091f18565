// How cases are told apart and paired. Within a run, a QUIC case and a TCP+TLS case with the
// same profile and workload did the same work over different transports; across runs, cases
// with the same key are the same measurement repeated.
import { formatSize } from '../files/sizes.js';
import { describeConditions } from './link-description.js';
import type { ResultCase, ResultDocument } from './schema.js';

/** The link a case ran on: its own impairment, else the run's profile, else its conditions. */
export function profileOf(document: Pick<ResultDocument, 'link'>, resultCase: Pick<ResultCase, 'parameters'>): string {
  const impairment = resultCase.parameters.impairment;
  if (typeof impairment === 'string') return impairment;
  return document.link.profile ?? describeConditions(document.link);
}

// Parameters that describe the link or the transport's choices rather than the work.
const NOT_WORKLOAD = new Set(['impairment', 'connections']);

/** What the case asked for, transport aside: "1MB", "1KB resumed", "100x10KB", "1KB rsa4096 i2", "10MB up". */
export function workloadOf(resultCase: Pick<ResultCase, 'parameters'>): string {
  const { bodyBytes, objects, objectBytes, session, keyType, intermediates, direction, ...rest } = resultCase.parameters;
  const parts: string[] = [];
  if (typeof objects === 'number' && typeof objectBytes === 'number') parts.push(`${objects}x${formatSize(objectBytes)}`);
  else if (typeof bodyBytes === 'number') parts.push(formatSize(bodyBytes));
  if (direction !== undefined && direction !== 'down') parts.push(String(direction));
  if (session !== undefined && session !== 'cold') parts.push(String(session));
  if (keyType !== undefined) parts.push(`${String(keyType)} i${String(intermediates ?? 0)}`);
  for (const [name, value] of Object.entries(rest).sort(([a], [b]) => a.localeCompare(b))) {
    if (!NOT_WORKLOAD.has(name)) parts.push(`${name}=${String(value)}`);
  }
  return parts.join(' ') || 'default';
}

/** The same measurement in another run: scenario, case (variant and size), profile, parameters. */
export function runKey(document: Pick<ResultDocument, 'scenario' | 'link'>, resultCase: Pick<ResultCase, 'id' | 'parameters'>): string {
  const parameters = Object.entries(resultCase.parameters).sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify([document.scenario, resultCase.id, profileOf(document, resultCase), parameters]);
}
