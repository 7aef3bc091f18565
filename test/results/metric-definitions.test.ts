// Metric provenance: measured (by which sources) or derived (from what), as a result records it.
import t from 'tap';
import { findScenario } from '../../scenarios/index.js';
import { ROUND_TRIP_METRICS } from '../../harness/measure/round-trips.js';
import { definitionsFor, provenanceFor, sourcesSeen } from '../../harness/results/metric-definitions.js';

t.test('round trips are derived from their timing and the calibrated round trip', async (t) => {
  for (const [ms, roundTrips] of Object.entries(ROUND_TRIP_METRICS)) {
    t.same(provenanceFor(roundTrips, undefined), { kind: 'derived', from: [ms, 'link.achieved.calibration.rttMedianMs'], method: `${ms} divided by the run's calibrated median round trip` }, roundTrips);
  }
});

t.test('measured: the timing sources the cases recorded, and the client for cases without one', async (t) => {
  const timed = (source: string) => ({ source, resolutionMs: 1 });
  const summary = { n: 1, median: 1, p5: 1, p95: 1, mean: 1, stddev: 0, min: 1, max: 1 };
  const seen = sourcesSeen([
    { summary: { handshakeMs: summary, bodyStartMs: summary, copyMs: summary }, timingSources: { handshakeMs: timed('ngtcp2-qlog'), bodyStartMs: timed('ngtcp2-qlog') } },
    { summary: { handshakeMs: summary, bodyStartMs: summary, copyMs: summary }, timingSources: { handshakeMs: timed('node-socket-events'), copyMs: timed('smbclient') } },
  ]);
  t.same(provenanceFor('handshakeMs', undefined, seen), { kind: 'measured', sources: ['ngtcp2-qlog', 'node-socket-events'] });
  t.same(provenanceFor('bodyStartMs', undefined, seen), { kind: 'measured', sources: ['client', 'ngtcp2-qlog'] });
  t.same(provenanceFor('copyMs', undefined, seen), { kind: 'measured', sources: ['client', 'smbclient'] });
  t.same(provenanceFor('reads', undefined, seen), { kind: 'measured', sources: ['client'] }, 'nothing recorded: the client');
  t.same(provenanceFor('retransmittedBytes', { kind: 'measured', sources: ['ngtcp2-qlog'] }, seen), { kind: 'measured', sources: ['ngtcp2-qlog'] }, 'as declared');
});

t.test("the scenarios' derived metrics say from what", async (t) => {
  const provenance = (scenario: string, metric: string) => definitionsFor([metric], findScenario(scenario)?.metrics ?? [])[0]?.provenance;
  t.same(provenance('throughput', 'goodputBitsPerSecond'), { kind: 'derived', from: ['bodyBytes', 'bodyStartMs', 'bodyEndMs'], method: "bodyBytes x 8 over bodyEndMs - bodyStartMs, the client's body timings" });
  t.same(provenance('smb-copy', 'goodputBitsPerSecond'), { kind: 'derived', from: ['bodyBytes', 'copyMs'], method: 'bodyBytes x 8 over copyMs' });
  t.match(provenance('loss-recovery', 'goodputRelativeToLossFree'), { kind: 'derived', from: ['wireGoodputBitsPerSecond', 'goodputBitsPerSecond'], method: /loss-free case/ });
  t.match(provenance('multiplexing', 'objectP95Ms'), { kind: 'derived', from: ['objectCompletionMs'] });
  t.same(provenance('throughput', 'retransmittedPackets'), { kind: 'measured', sources: ['kernel TCP counters (RetransSegs)', 'ngtcp2-qlog'] });
  t.same(provenance('handshake', 'handshakeRoundTrips')?.kind, 'derived');
});
