// interop: every QUIC client x server pair of the lab's implementations through short test
// cases (interop-tests.ts), each checked on the wire and given a verdict: passed, failed (with
// the first failure's reason) or unsupported (with the descriptors' reason). The pairs are not
// listed here: the scenario's cases are one per test on ngtcp2, and the run spreads them over
// every selectable server and client that speaks HTTP/3 (ScenarioDefinition.everyPair), so an
// implementation added to endpoints/implementations.ts appears in the matrix by itself.
import { packetsOf, type WireConnection } from '../harness/capture/wire-analysis.js';
import { migrationWireMetrics } from '../harness/capture/migration-wire.js';
import type { Workload } from '../harness/results/workload.js';
import { variantOf } from '../harness/scenario/matrix.js';
import { sessionOf, type CaseDefinition, type MetricDefinition, type SampleContext, type SampleMeasurement, type ScenarioDefinition } from '../harness/scenario/types.js';
import { CAPTURE } from '../harness/results/metric-definitions.js';
import { checkedExchangeMetrics } from './exchange-metrics.js';
import { HANDSHAKE_METRICS } from './handshake.js';
import { INTEROP_TESTS, type InteropTest } from './interop-tests.js';
import { migration, rebindDuringDownload } from './migration.js';
import { multiplexing, pageLoad } from './multiplexing.js';
import { TRANSFER_METRICS } from './throughput.js';
import { transferSample } from './transfer-sample.js';

/** One case per test, on the scenario's own pair; the run spreads each over every pair. */
export const INTEROP_CASES: readonly CaseDefinition[] = INTEROP_TESTS.map((test) => ({
  id: test.name,
  protocol: 'quic',
  application: 'h3',
  client: 'ngtcp2',
  server: 'ngtcp2',
  workload: test.workload,
  needs: test.needs,
  timeoutMs: test.timeoutMs,
}));

/** The test a case runs ("zerortt@caddy/chromium" -> zerortt). */
export function testOf(definition: Pick<CaseDefinition, 'id'>): InteropTest {
  const name = variantOf(definition);
  const test = INTEROP_TESTS.find((t) => t.name === name);
  if (!test) throw new Error(`case ${definition.id}: no interop test "${name}" (known: ${INTEROP_TESTS.map((t) => t.name).join(', ')})`);
  return test;
}

/** 0-RTT packets the client sent on the sample's measured connection (the last one: a 0-RTT sample primes a ticket first). */
export function clientZeroRttPackets(connection: WireConnection): number {
  return packetsOf(connection).filter((d) => d.fromClient && d.packet.quicLongPacketTypes.includes('0rtt')).length;
}

function interopWireMetrics(connections: readonly WireConnection[], workload: Workload): Record<string, number> {
  const last = connections.at(-1);
  return {
    ...(last !== undefined ? { wireClientZeroRttPackets: clientZeroRttPackets(last) } : {}),
    // The rebinding's path validation and gap, as the migration scenario reads them.
    ...(workload.kind === 'transfer' && workload.rebind !== undefined ? migrationWireMetrics(connections.map(packetsOf)) : {}),
  };
}

async function measureTest(context: SampleContext<'exchange' | 'batch'>): Promise<SampleMeasurement> {
  if (context.needs === 'batch') return pageLoad(context);
  const { caseDefinition, client, target, timeoutMs, bodyPath } = context;
  const workload = caseDefinition.workload;
  switch (workload.kind) {
    case 'handshake':
      return checkedExchangeMetrics(client, { target, path: bodyPath(workload.bodyBytes), timeoutMs, session: sessionOf(caseDefinition) }, workload.bodyBytes);
    case 'transfer':
      return workload.rebind !== undefined ? rebindDuringDownload(context) : transferSample(context);
    default:
      throw new Error(`case ${caseDefinition.id}: interop has no ${workload.kind} test`);
  }
}

/** Every metric the tests record, each once (the first definition of a name wins). */
function uniqueMetrics(...lists: ReadonlyArray<readonly MetricDefinition[]>): MetricDefinition[] {
  const seen = new Set<string>();
  return lists.flat().filter((m) => !seen.has(m.name) && seen.add(m.name));
}

export const interop: ScenarioDefinition<'exchange' | 'batch'> = {
  name: 'interop',
  abbreviation: 'IOP',
  description: `Every QUIC client x server pair through short tests (${INTEROP_TESTS.map((t) => `${t.abbreviation} ${t.name}`).join(', ')}), each checked on the wire: passed, failed (why) or unsupported (why)`,
  metrics: uniqueMetrics(HANDSHAKE_METRICS, TRANSFER_METRICS, multiplexing.metrics, migration.metrics, [
    { name: 'wireClientZeroRttPackets', unit: 'count', better: 'neither', description: 'capture: QUIC 0-RTT packets the client sent on the measured connection', provenance: CAPTURE },
  ]),
  headline: ['handshakeMs', 'goodputBitsPerSecond', 'allDoneMs', 'wireClientZeroRttPackets', 'pathChallenges'],
  defaults: { samples: 2, warmup: 0, sampleTimeoutMs: 60_000 },
  cases: INTEROP_CASES,
  everyPair: true,
  linkProfile: 'interop',
  needsLab: 'its rebind-port test changes the lab link during the run',
  wireTruth: true,
  wireMetrics: interopWireMetrics,
  check: (definition, sample) => testOf(definition).check(sample),
  measure: measureTest,
};
