// The wire's metrics of each workload, on synthetic connections: exact numbers.
import t from 'tap';
import { NO_TRANSFER, wireConnection } from '../fixtures/wire-packet.js';
import { wireCopyMetrics, wirePageMetrics, wireTransferMetrics, wireWorkloadMetrics } from '../../harness/run/wire-workload.js';

const T = 1000; // the connection's first packet (wireConnection's firstPacketEpochMs)

t.test('a download: from the first to the last packet carrying response data', async (t) => {
  const c = wireConnection({ transfer: { ...NO_TRANSFER, requestStartEpochMs: T + 100, responseStartEpochMs: T + 130.5, responseEndEpochMs: T + 930.5, serverRepeatedPackets: 3, clientRepeatedPackets: 1 } });
  t.strictSame(wireTransferMetrics(c, false, 2_000_000), {
    wireRepeatedPackets: 3,
    wireBodyStartMs: 130.5,
    wireBodyEndMs: 930.5,
    wireCompletionMs: 930.5,
    wireGoodputBitsPerSecond: 20_000_000,
  });
});

t.test('an upload: from the first request packet to the first response packet; the client is the sender', async (t) => {
  const c = wireConnection({ transfer: { ...NO_TRANSFER, requestStartEpochMs: T + 100, responseStartEpochMs: T + 900, serverRepeatedPackets: 3, clientRepeatedPackets: 1 } });
  t.strictSame(wireTransferMetrics(c, true, 1_000_000), { wireRepeatedPackets: 1, wireBodyStartMs: 100, wireBodyEndMs: 800 + 100, wireCompletionMs: 900, wireGoodputBitsPerSecond: 10_000_000 });
});

t.test('a capture that started mid-connection gives a goodput but no times from its start', async (t) => {
  const c = wireConnection({ handshakeMs: null, ttfbMs: null, transfer: { ...NO_TRANSFER, responseStartEpochMs: T + 100, responseEndEpochMs: T + 900 } });
  t.strictSame(wireTransferMetrics(c, false, 1_000_000), { wireRepeatedPackets: 0, wireGoodputBitsPerSecond: 10_000_000 });
});

t.test('a page load: every object from the first connection, only when the wire saw them all end', async (t) => {
  const first = wireConnection({ transfer: { ...NO_TRANSFER, responseEndsEpochMs: [T + 200, T + 300], serverRepeatedPackets: 2 } });
  const second = wireConnection({ firstPacketEpochMs: T + 5, transfer: { ...NO_TRANSFER, responseEndsEpochMs: [T + 250, T + 400], serverRepeatedPackets: 1 } });
  t.strictSame(wirePageMetrics([first, second], 4), { wireRepeatedPackets: 3, wireAllDoneMs: 400, wireObjectFirstMs: 200, wireObjectMedianMs: 275, wireObjectP95Ms: 385 });
  t.strictSame(wirePageMetrics([first, second], 5), { wireRepeatedPackets: 3 }, 'an object the wire did not see end: no per-object figures');
  t.strictSame(wirePageMetrics([], 4), {});
});

t.test("an SMB-style copy: from the handshake's end (61.5 ms) to the last read's last packet", async (t) => {
  const c = wireConnection({ transfer: { ...NO_TRANSFER, responseEndEpochMs: T + 861.5 } });
  t.strictSame(wireCopyMetrics(c, 1_000_000), { wireRepeatedPackets: 0, wireCopyMs: 800, wireGoodputBitsPerSecond: 10_000_000 });
  t.strictSame(wireCopyMetrics(wireConnection({}), 1_000_000), { wireRepeatedPackets: 0 }, 'no response end seen: no copy time');
});

t.test('by workload: rebinding and handshakes add nothing here; SMB over TCP only its repeats', async (t) => {
  const c = wireConnection({ transfer: { ...NO_TRANSFER, responseStartEpochMs: T + 100, responseEndEpochMs: T + 900, clientRepeatedPackets: 4, serverRepeatedPackets: 5 } });
  t.strictSame(wireWorkloadMetrics({ kind: 'transfer', bodyBytes: 1_000_000, rebind: { kind: 'port', afterMs: 800 } }, 'quic', [c], {}), {});
  t.strictSame(wireWorkloadMetrics({ kind: 'handshake', bodyBytes: 1 }, 'quic', [c], {}), {});
  t.strictSame(wireWorkloadMetrics({ kind: 'copy', bodyBytes: 1_000_000, direction: 'up' }, 'tcp', [c], {}), { wireRepeatedPackets: 4 });
  t.strictSame(wireWorkloadMetrics({ kind: 'transfer', bodyBytes: 1_000_000 }, 'quic', [], {}), {});
  t.equal(wireWorkloadMetrics({ kind: 'transfer', bodyBytes: 1_000_000 }, 'quic', [c], { bodyBytes: 500_000 }).wireGoodputBitsPerSecond, 5_000_000, "the sample's own body size counts");
});
