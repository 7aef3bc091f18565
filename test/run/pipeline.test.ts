// The sample pipeline: stages in their stated order, each returning new samples.
import t from 'tap';
import { NO_TRANSFER } from '../fixtures/wire-packet.js';
import { completeSamples, SAMPLE_STAGES, type StagedCase } from '../../harness/run/pipeline.js';
import type { Sample } from '../../harness/results/schema.js';
import type { WireConnection } from '../../harness/capture/wire-analysis.js';
import { payloadCapacity } from '../../harness/measure/payload-capacity.js';
import type { CaseDefinition } from '../../harness/scenario/types.js';

const ok = (index: number, metrics: Record<string, number>): Sample => ({ index, status: 'ok', startedAt: '2026-12-05T00:00:00.000Z', metrics });

function stagedCase(samples: Sample[]): StagedCase {
  return {
    definition: { id: 'quic-h3', protocol: 'quic', application: 'h3', client: 'ngtcp2', server: 'ngtcp2', workload: { kind: 'handshake', bodyBytes: 1000 } },
    samples,
    timingSources: { handshakeMs: { source: 'qlog', resolutionMs: 1 } },
    serverPort: 4433,
    windows: new Map([
      [0, { startEpochMs: 1000, endEpochMs: 2000 }],
      [1, { startEpochMs: 3000, endEpochMs: 4000 }],
    ]),
  };
}

const connection = (firstPacketEpochMs: number, handshakeMs: number) =>
  ({ transport: 'udp', server: { ip: '198.18.0.2', port: 4433 }, firstPacketEpochMs, handshakeMs, undecryptablePackets: 0, notes: [], transfer: NO_TRANSFER }) as unknown as WireConnection;

t.same(SAMPLE_STAGES, ['measured', 'wire', 'derived', 'capacity', 'round trips', 'checks']);

t.test('wire, then derived, then round trips; samples sorted by index; inputs unchanged', async (t) => {
  const samples = [ok(1, { handshakeMs: 40 }), ok(0, { handshakeMs: 21 }), { index: 2, status: 'failed', error: 'x', startedAt: '2026-12-05T00:00:00.000Z', metrics: {} } as Sample];
  const before = structuredClone(samples);
  const seenByDerive: Array<Record<string, number>> = [];
  const [result] = completeSamples([stagedCase(samples)], {
    connections: [connection(1500, 20), connection(3500, 39)],
    // The derived stage sees the wire metrics, and its output gets round trips.
    deriveMetrics: (cases) =>
      cases.map((c) =>
        c.samples.map((s) => {
          seenByDerive.push(s.metrics);
          return s.status === 'ok' ? { ...s, metrics: { ...s.metrics, ttfbMs: (s.metrics.wireHandshakeMs ?? 0) * 2 } } : s;
        }),
      ),
    roundTripMs: 20,
  });
  t.same(
    result?.map((s) => s.index),
    [0, 1, 2],
  );
  t.same(result?.[0]?.metrics, { handshakeMs: 21, wireHandshakeMs: 20, ttfbMs: 40, handshakeRoundTrips: 1.05, wireHandshakeRoundTrips: 1, ttfbRoundTrips: 2 });
  t.same(result?.[1]?.metrics, { handshakeMs: 40, wireHandshakeMs: 39, ttfbMs: 78, handshakeRoundTrips: 2, wireHandshakeRoundTrips: 1.95, ttfbRoundTrips: 3.9 });
  t.same(result?.[2]?.metrics, {}, 'a failed sample gets nothing');
  t.equal(seenByDerive[0]?.wireHandshakeMs, 20, 'derive runs after the wire stage');
  t.equal(seenByDerive[0]?.handshakeRoundTrips, undefined, 'and before round trips');
  t.same(samples, before, 'the measured samples are not mutated');
});

t.test('no capture, no derivation, no calibrated round trip: the samples as measured', async (t) => {
  const samples = [ok(0, { handshakeMs: 21 })];
  t.same(completeSamples([stagedCase(samples)], {}), [samples]);
});

t.test('capacity: a goodput above the payload capacity of its transport and direction is flagged', async (t) => {
  const capacity = payloadCapacity({ upBitsPerSecond: 10e6, downBitsPerSecond: 20e6, mtuBytes: 1500, ipVersion: 4, rateFramingBytes: 0, tcpTimestamps: true });
  const transfer = (protocol: 'quic' | 'tcp-tls', direction: 'up' | 'down'): CaseDefinition => ({
    id: `${protocol}-${direction}`,
    protocol,
    application: protocol === 'quic' ? 'h3' : 'h2',
    client: protocol === 'quic' ? 'ngtcp2' : 'undici',
    server: protocol === 'quic' ? 'ngtcp2' : 'node',
    workload: { kind: 'transfer', bodyBytes: 2_000_000, direction },
  });
  const staged = (definition: CaseDefinition, samples: Sample[]): StagedCase => ({ ...stagedCase(samples), definition });
  const [down, up, quicDown] = completeSamples(
    [
      staged(transfer('tcp-tls', 'down'), [ok(0, { goodputBitsPerSecond: 19_300_000 }), { ...ok(1, { goodputBitsPerSecond: 19_400_000 }), flags: ['earlier'] }]),
      staged(transfer('tcp-tls', 'up'), [ok(0, { goodputBitsPerSecond: 9_700_000 })]),
      staged(transfer('quic', 'down'), [ok(0, { goodputBitsPerSecond: 19_380_000 })]),
    ],
    { payloadCapacity: capacity },
  );
  t.equal(down?.[0]?.flags, undefined, '19.30 < 19.307');
  t.same(down?.[1]?.flags, ['earlier', "goodputBitsPerSecond 19.400 Mbit/s exceeds the link's TCP payload capacity 19.307 Mbit/s (down) by 0.48%"]);
  t.match(up?.[0]?.flags, [/TCP payload capacity 9\.653 Mbit\/s \(up\)/], 'an upload is checked against the up direction');
  t.equal(quicDown?.[0]?.flags, undefined, 'QUIC: 19.387');
});
