// QUIC against TCP+TLS inside one run: each QUIC case meets the TCP+TLS cases that did the
// same work on the same link (same profile and workload) with the closest implementations,
// metric by metric.
import { profileOf, workloadLabel } from '../results/case-key.js';
import { isMatrixCase } from '../scenario/matrix.js';
import { metricDefinition } from '../results/metric-definitions.js';
import type { ResultCase, ResultDocument } from '../results/schema.js';
import { compareSamples, metricValues, type ComparisonOptions, type SampleComparison } from './sample-comparison.js';

export interface TransportPair {
  profile: string;
  workload: string;
  quic: ResultCase;
  tcp: ResultCase;
  /** Why the pair has no numbers (a side unsupported); empty comparisons then. */
  unsupported?: string;
  /** A = TCP+TLS, B = QUIC: ratios read "QUIC / TCP+TLS", verdicts "QUIC is better". */
  comparisons: SampleComparison[];
}

/**
 * How close two cases' implementations are: the scenario's own pairs belong together; else
 * the same server (Caddy on both transports is the cleanest comparison) counts most, then the
 * same client.
 */
function closeness(quic: ResultCase, tcp: ResultCase): number {
  if (!isMatrixCase(quic) && !isMatrixCase(tcp)) return 4;
  return (quic.server.implementation === tcp.server.implementation ? 2 : 0) + (quic.client.implementation === tcp.client.implementation ? 1 : 0);
}

export function transportPairs(document: ResultDocument, metrics: readonly string[], options: ComparisonOptions): TransportPair[] {
  const keyOf = (c: ResultCase) => JSON.stringify([profileOf(document, c), workloadLabel(c)]);
  const pairs: TransportPair[] = [];
  for (const quic of document.cases.filter((c) => c.protocol === 'quic')) {
    const candidates = document.cases.filter((c) => c.protocol === 'tcp-tls' && keyOf(c) === keyOf(quic));
    // With several implementations, each QUIC case meets the TCP+TLS cases closest to it.
    const best = Math.max(0, ...candidates.map((tcp) => closeness(quic, tcp)));
    for (const tcp of candidates.filter((c) => closeness(quic, c) === best)) {
      const unsupported = quic.unsupported ?? tcp.unsupported;
      const comparisons =
        unsupported !== undefined
          ? []
          : metrics.flatMap((name) => {
              const definition = metricDefinition(document, name);
              const a = metricValues(tcp, name);
              const b = metricValues(quic, name);
              return definition && (a.length > 0 || b.length > 0) ? [compareSamples(definition, a, b, options)] : [];
            });
      pairs.push({ profile: profileOf(document, quic), workload: workloadLabel(quic), quic, tcp, ...(unsupported !== undefined ? { unsupported } : {}), comparisons });
    }
  }
  return pairs;
}

/**
 * The pairs that answer "QUIC or TCP+TLS?", one per profile and workload (the heatmap's cells,
 * the terminal's verdict): the scenario's own implementations where the run has them (a
 * matrix run has more, shown in its tables), and HTTP/2 as the TCP+TLS side where there is
 * one, as the closest peer of HTTP/3.
 */
export function headlinePairs(pairs: readonly TransportPair[]): TransportPair[] {
  const own = pairs.filter((p) => !isMatrixCase(p.quic) && !isMatrixCase(p.tcp));
  const chosen = own.length > 0 ? own : pairs;
  const withH2 = new Set(chosen.filter((p) => p.tcp.application === 'h2').map((p) => JSON.stringify([p.profile, p.workload, p.quic.id])));
  const cells = new Map<string, TransportPair>();
  for (const p of chosen) {
    if (p.tcp.application !== 'h2' && withH2.has(JSON.stringify([p.profile, p.workload, p.quic.id]))) continue;
    const cell = JSON.stringify([p.profile, p.workload]);
    if (!cells.has(cell)) cells.set(cell, p);
  }
  return [...cells.values()];
}
