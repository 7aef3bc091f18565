// multiplexing: many objects requested at once, as a page loads them: HTTP/2 over one TCP+TLS
// connection against HTTP/3 over one QUIC connection (a lost packet stalls every HTTP/2
// stream behind it in TCP's byte stream; QUIC holds back only the stream it belongs to),
// with HTTP/1.1 over six connections as the browser-style reference. Run it with loss
// (`--loss 1%`) to see head-of-line blocking.
import { VERIFIED_BODY_BYTES, verifiedMetric, verifiedTotal } from './integrity.js';
import { percentileOfSorted } from '../harness/measure/statistics.js';
import { formatSize } from '../harness/files/sizes.js';
import { workloadOf, type CaseDefinition, type MetricDefinition, type ObjectSet, type SampleContext, type SampleMeasurement, type ScenarioDefinition } from '../harness/scenario/types.js';

/** Browsers open up to six HTTP/1.1 connections per origin. */
const HTTP1_CONNECTIONS = 6;
const DEFAULT_SETS: readonly ObjectSet[] = [
  { count: 100, bytes: 10_000 },
  { count: 20, bytes: 200_000 },
];

export function multiplexingCases(sets: readonly ObjectSet[]): CaseDefinition[] {
  return sets.flatMap(({ count, bytes }): CaseDefinition[] => {
    const name = `${count}x${formatSize(bytes)}`;
    const batch = (connections: number) => ({ kind: 'batch', objects: count, objectBytes: bytes, connections }) as const;
    return [
      { id: `tcp-tls-h1x${HTTP1_CONNECTIONS}-${name}`, protocol: 'tcp-tls', application: 'http/1.1', client: 'undici', server: 'node', workload: batch(HTTP1_CONNECTIONS) },
      { id: `tcp-tls-h2-${name}`, protocol: 'tcp-tls', application: 'h2', client: 'undici', server: 'node', workload: batch(1) },
      { id: `quic-h3-${name}`, protocol: 'quic', application: 'h3', client: 'ngtcp2', server: 'ngtcp2', workload: batch(1) },
    ];
  });
}

export async function pageLoad({ caseDefinition, client, target, timeoutMs, bodyPath }: SampleContext<'batch'>): Promise<SampleMeasurement> {
  const { objects: count, objectBytes: bytes, connections } = workloadOf(caseDefinition, 'batch');
  const timings = await client.exchangeBatch({
    target,
    paths: Array.from({ length: count }, () => bodyPath(bytes)),
    timeoutMs,
    ...(connections !== undefined ? { connections } : {}),
  });
  const short = timings.objects.filter((o) => o.bytes !== bytes);
  if (timings.objects.length !== count || short.length > 0) throw new Error(`${timings.objects.length - short.length} of ${count} objects arrived whole`);
  const completions = timings.objects.map((o) => o.completedMs);
  const sorted = [...completions].sort((a, b) => a - b);
  return {
    metrics: {
      allDoneMs: timings.totalMs,
      handshakeMs: timings.handshakeMs,
      objectMedianMs: percentileOfSorted(sorted, 50),
      objectP95Ms: percentileOfSorted(sorted, 95),
      objectFirstMs: sorted[0] as number,
      connections: timings.connections,
      ...verifiedMetric(verifiedTotal(timings.objects)),
    },
    // Every object's completion, in request order: the distribution, raw.
    series: { objectCompletionMs: completions.map((ms, i): [number, number] => [i, ms]) },
  };
}

/** Statistics of the client's per-object completion times (kept whole in series.objectCompletionMs). */
function perObject(statistic: string): NonNullable<MetricDefinition['provenance']> {
  return { kind: 'derived', from: ['objectCompletionMs'], method: `${statistic} of the per-object completion times` };
}

export const multiplexing: ScenarioDefinition<'batch'> = {
  name: 'multiplexing',
  abbreviation: 'MX',
  description: 'Many objects at once (default 100x10KB and 20x200KB): HTTP/2 on one TCP+TLS connection vs HTTP/3 on one QUIC connection, HTTP/1.1 over six connections as reference; per-object completion and all done',
  metrics: [
    { name: 'allDoneMs', unit: 'ms', description: 'from the connect call / first Initial to the last object complete' },
    { name: 'objectMedianMs', unit: 'ms', description: "median of the sample's per-object completion times (all of them are in series.objectCompletionMs)", provenance: perObject('median') },
    { name: 'objectP95Ms', unit: 'ms', description: '95th percentile of the per-object completion times', provenance: perObject('95th percentile (linear interpolation)') },
    { name: 'objectFirstMs', unit: 'ms', description: 'the first object complete', provenance: perObject('minimum') },
    { name: 'handshakeMs', unit: 'ms', description: "the (first) connection's TLS handshake" },
    { name: 'connections', unit: 'count', description: 'connections the client opened' },
    VERIFIED_BODY_BYTES,
  ],
  headline: ['allDoneMs', 'objectMedianMs', 'objectP95Ms', 'objectFirstMs', 'connections'],
  defaults: { samples: 5, warmup: 1, sampleTimeoutMs: 60_000 },
  cases: multiplexingCases(DEFAULT_SETS),
  objectSets: { defaults: DEFAULT_SETS, cases: multiplexingCases },
  needs: 'batch',
  wireTruth: true,
  remoteTarget: true,
  measure: pageLoad,
};
