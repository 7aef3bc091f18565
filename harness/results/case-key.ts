// How cases are told apart and paired. Within a run, a QUIC case and a TCP+TLS case with the
// same profile and workload did the same work over different transports; across runs, cases
// with the same key are the same measurement repeated.
import { formatSize } from '../files/sizes.js';
import { describeConditions } from './link-description.js';
import type { ResultCase, ResultDocument } from './schema.js';

/** The link a case ran on: its own impairment, else the run's profile, else its conditions. */
export function profileOf(document: Pick<ResultDocument, 'link'>, resultCase: Pick<ResultCase, 'workload'>): string {
  const { workload } = resultCase;
  if (workload.kind === 'transfer' && workload.impairment !== undefined) return workload.impairment;
  return document.link.profile ?? describeConditions(document.link);
}

/**
 * What the case asked for, transport and link aside: "1MB", "1KB resumed", "100x10KB", "1KB
 * rsa4096 i2", "10MB up". A batch's connections and a transfer's impairment are the transport's
 * choice and the link, so they are left out.
 */
export function workloadLabel(resultCase: Pick<ResultCase, 'workload'>): string {
  const { workload } = resultCase;
  switch (workload.kind) {
    case 'competition':
      return `${workload.flows.length}x${formatSize(Math.max(...workload.flows.map((f) => f.bodyBytes)))}${workload.flows.some((f) => f.startAfterMs > 0) ? ` staggered ${Math.max(...workload.flows.map((f) => f.startAfterMs))}ms` : ''}`;
    case 'messages':
      return `${workload.count}x${formatSize(workload.messageBytes)} at ${workload.ratePerSecond}/s ${workload.mode}`;
    case 'batch':
      return `${workload.objects}x${formatSize(workload.objectBytes)}`;
    case 'handshake':
      return [
        formatSize(workload.bodyBytes),
        ...(workload.session !== undefined && workload.session !== 'cold' ? [workload.session] : []),
        ...(workload.certificate !== undefined ? [`${workload.certificate.keyType} i${workload.certificate.intermediates}`] : []),
      ].join(' ');
    case 'transfer':
      return [
        formatSize(workload.bodyBytes),
        ...(workload.direction === 'up' ? ['up'] : []),
        ...(workload.rebind !== undefined ? [`rebind=${workload.rebind.kind}`, `rebindAfterMs=${workload.rebind.afterMs}`] : []),
      ].join(' ');
    case 'copy':
      return [
        formatSize(workload.bodyBytes),
        ...(workload.direction === 'up' ? ['up'] : []),
        ...(workload.encryption !== undefined ? [`encryption=${workload.encryption}`] : []),
        ...(workload.readBytes !== undefined ? [`readBytes=${workload.readBytes}`] : []),
      ].join(' ');
  }
}

/** The same measurement in another run: scenario, case (variant and size), profile, parameters. */
export function runKey(document: Pick<ResultDocument, 'scenario' | 'link'>, resultCase: Pick<ResultCase, 'id' | 'parameters' | 'workload'>): string {
  const parameters = Object.entries(resultCase.parameters).sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify([document.scenario, resultCase.id, profileOf(document, resultCase), parameters]);
}
