// The link's payload capacity: exact numbers, and the flags on goodputs above it.
import t from 'tap';
import { capacityFlags, isGoodputMetric, payloadCapacity, referenceCapacityFlags, sampleCapacityFlags, tcpTimestampsOn } from '../../harness/measure/payload-capacity.js';
import type { TcpReference } from '../../harness/results/link.js';

const lab20 = { upBitsPerSecond: 20e6, downBitsPerSecond: 20e6, mtuBytes: 1500, ipVersion: 4 as const, rateFramingBytes: 0, tcpTimestamps: true };

t.test('20 Mbit/s, MTU 1500, IPv4, TCP with timestamps: 1448 of 1500 bytes', async (t) => {
  const capacity = payloadCapacity(lab20);
  t.same(capacity.tcp.overheadBytes, { ipv4: 20, tcp: 20, tcpTimestampOption: 12 });
  t.equal(capacity.tcp.payloadBytesPerPacket, 1448);
  t.equal(capacity.tcp.downBitsPerSecond?.toFixed(1), '19306666.7');
  t.equal(capacity.tcp.upBitsPerSecond, capacity.tcp.downBitsPerSecond);
  t.same(capacity.quic.overheadBytes, { ipv4: 20, udp: 8, quicShortHeader: 2, aeadTag: 16 });
  t.equal(capacity.quic.payloadBytesPerPacket, 1454);
  t.equal(capacity.quic.downBitsPerSecond?.toFixed(1), '19386666.7');
  t.same(
    { mtuBytes: capacity.mtuBytes, ipVersion: capacity.ipVersion, rateFramingBytes: capacity.rateFramingBytes, tcpTimestamps: capacity.tcpTimestamps },
    { mtuBytes: 1500, ipVersion: 4, rateFramingBytes: 0, tcpTimestamps: true },
  );
});

t.test('without timestamps, over IPv6, on netem (Ethernet framing), one direction unlimited', async (t) => {
  t.equal(payloadCapacity({ ...lab20, tcpTimestamps: false }).tcp.payloadBytesPerPacket, 1460);
  const v6 = payloadCapacity({ ...lab20, ipVersion: 6 });
  t.same(v6.tcp.overheadBytes, { ipv6: 40, tcp: 20, tcpTimestampOption: 12 });
  t.equal(v6.tcp.payloadBytesPerPacket, 1428);
  t.equal(v6.quic.payloadBytesPerPacket, 1434);
  // 20e6 x 1448 / 1514
  t.equal(payloadCapacity({ ...lab20, rateFramingBytes: 14 }).tcp.downBitsPerSecond?.toFixed(1), '19128137.4');
  const oneWay = payloadCapacity({ ...lab20, upBitsPerSecond: null, downBitsPerSecond: 6e6 });
  t.equal(oneWay.tcp.upBitsPerSecond, null);
  t.equal(oneWay.tcp.downBitsPerSecond, 5_792_000);
});

t.test('timestamps count only when both namespaces have them', async (t) => {
  t.equal(tcpTimestampsOn({ 'client.net.ipv4.tcp_timestamps': '1', 'server.net.ipv4.tcp_timestamps': '2' }), true);
  t.equal(tcpTimestampsOn({ 'client.net.ipv4.tcp_timestamps': '1', 'server.net.ipv4.tcp_timestamps': '0' }), false);
  t.equal(tcpTimestampsOn({ 'client.net.ipv4.tcp_timestamps': '1', 'server.net.ipv4.tcp_timestamps': null }), false, 'unknown: the larger bound');
  t.equal(tcpTimestampsOn({}), false);
});

t.test('goodput metrics by name', async (t) => {
  t.same(['goodputBitsPerSecond', 'wireGoodputBitsPerSecond', 'goodputRelativeToLossFree', 'bodyBytes', 'xgoodputBitsPerSecond'].map(isGoodputMetric), [true, true, false, false, false]);
});

t.test('a goodput above the capacity of its transport and direction is flagged, one at or below is not', async (t) => {
  const capacity = payloadCapacity({ ...lab20, upBitsPerSecond: 10e6 });
  t.same(capacityFlags({ goodputBitsPerSecond: 19_306_666 }, capacity, 'tcp', 'down'), []);
  t.same(capacityFlags({ goodputBitsPerSecond: 19_560_000 }, capacity, 'tcp', 'down'), ["goodputBitsPerSecond 19.560 Mbit/s exceeds the link's TCP payload capacity 19.307 Mbit/s (down) by 1.31%"]);
  t.same(capacityFlags({ goodputBitsPerSecond: 19_360_000 }, capacity, 'quic', 'down'), [], 'QUIC carries more per packet');
  t.same(sampleCapacityFlags({ goodputBitsPerSecond: 9_000_000, wireGoodputBitsPerSecond: 9_700_000, bodyBytes: 2e6, completionMs: 1 }, 'tcp-tls', 'up', capacity), [
    "wireGoodputBitsPerSecond 9.700 Mbit/s exceeds the link's TCP payload capacity 9.653 Mbit/s (up) by 0.48%",
  ]);
  t.same(sampleCapacityFlags({ goodputBitsPerSecond: 9_660_000 }, 'quic', 'up', capacity), [], 'QUIC up: 9.693 Mbit/s');
  t.same(sampleCapacityFlags({ goodputBitsPerSecond: 9_660_000 }, 'tcp', 'up', capacity).length, 1, 'SMB over plain TCP counts as TCP');
  t.same(sampleCapacityFlags({ goodputBitsPerSecond: 1e12 }, 'quic', 'up', payloadCapacity({ ...lab20, upBitsPerSecond: null })), [], 'no rate, no bound');
});

t.test("the reference: iperf3's own figure and the wire's against the TCP capacity", async (t) => {
  const reference: TcpReference = { tool: 'iperf3 TCP', direction: 'down', congestionControl: 'cubic', seconds: 5, omittedSeconds: 1, goodputBitsPerSecond: 19_560_000, retransmits: 0 };
  const capacity = payloadCapacity(lab20);
  t.same(referenceCapacityFlags(reference, capacity), ["iperf3's own figure 19.560 Mbit/s exceeds the link's TCP payload capacity 19.307 Mbit/s (down) by 1.31%"]);
  const wire = { goodputBitsPerSecond: 19_300_000, payloadBytes: 14_475_000, firstToLastMs: 6000, packets: 10_000, repeatedPackets: 0 };
  t.equal(referenceCapacityFlags({ ...reference, wire }, capacity).length, 1, 'the wire figure below: only iperf3 flagged');
  t.match(referenceCapacityFlags({ ...reference, goodputBitsPerSecond: 19e6, wire: { ...wire, goodputBitsPerSecond: 19_400_000 } }, capacity), [/^the wire figure 19\.400 Mbit\/s exceeds/]);
});
