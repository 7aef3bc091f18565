// The wire's view of a transfer on synthetic packets: where the response starts and ends, and
// which packets carried data again.
import t from 'tap';
import type { WirePacket } from '../../harness/capture/tshark.js';
import type { DirectedPacket } from '../../harness/capture/wire-analysis.js';
import { repeatedPackets, wireTransfer } from '../../harness/capture/wire-transfer.js';
import { directedPacket } from '../fixtures/wire-packet.js';

const T0 = 1_700_000_000_000;
let frame = 0;
t.beforeEach(() => {
  frame = 0;
});

function directed(atMs: number, from: 'c' | 's', spec: Partial<WirePacket>): DirectedPacket {
  return directedPacket(++frame, T0 + atMs, from, { transport: 'tcp', ...spec });
}

const segment = (atMs: number, seq: number, extra: Partial<WirePacket> = {}): DirectedPacket => directed(atMs, 's', { payloadBytes: 1448, tcpSeq: seq, ...extra });

t.test('TCP: the response starts with the first segment of the record holding its headers, and ends before the client closes', async (t) => {
  const packets = [
    directed(0, 'c', { tcpFlags: { syn: true, ack: false, fin: false, rst: false } }),
    directed(10, 'c', { payloadBytes: 200, tcpSeq: 300, httpRequest: true }), // frame 2
    segment(20, 2000), // frame 3: tickets and the first segment of the response's record
    segment(20.6, 3448), // frame 4
    // frame 5 completes the record: tshark lists its segments there
    segment(60, 4896, { httpResponse: true, reassembledFrames: [3, 4, 5] }),
    segment(61, 6344),
    segment(62, 4896), // a segment sent again
    directed(70, 'c', { payloadBytes: 24, tcpSeq: 500, tlsAlert: true }), // close_notify
    directed(70.5, 's', { payloadBytes: 24, tcpSeq: 7792, tlsAlert: true }),
  ];
  const transfer = wireTransfer(packets);
  t.strictSame(transfer, {
    requestStartEpochMs: T0 + 10,
    responseStartEpochMs: T0 + 20,
    responseStartFrame: 3,
    responseEndEpochMs: T0 + 62,
    responseEndsEpochMs: [T0 + 62],
    serverRepeatedPackets: 1,
    clientRepeatedPackets: 0,
    quicVersion: null,
    alpn: null,
  });
});

t.test('TCP: without decryption nothing is claimed about the response', async (t) => {
  const transfer = wireTransfer([directed(0, 'c', { payloadBytes: 200, tcpSeq: 1 }), segment(10, 1), segment(11, 1449)]);
  t.equal(transfer.responseStartEpochMs, null);
  t.equal(transfer.responseEndEpochMs, null);
  t.equal(transfer.requestStartEpochMs, null);
});

t.test('QUIC: request streams only; the server control stream does not count; ranges below the highest offset are repeats', async (t) => {
  const stream = (streamId: number, offset: number, length: number | null) => ({ streamId, offset, length });
  const packets = [
    directed(0, 'c', { transport: 'udp', quicLongPacketTypes: ['initial'], quicVersion: 1 }),
    directed(10, 's', { transport: 'udp', quicStreamIds: [3], quicStreamRanges: [stream(3, 0, 20)], tlsAlpn: ['h3'] }),
    directed(11, 'c', { transport: 'udp', quicStreamIds: [0], quicStreamRanges: [stream(0, 0, 40)] }),
    directed(20, 's', { transport: 'udp', quicStreamIds: [0], quicStreamRanges: [stream(0, 0, 578)] }),
    directed(21, 's', { transport: 'udp', quicStreamIds: [0], quicStreamRanges: [stream(0, 1737, 1159)] }),
    directed(30, 's', { transport: 'udp', quicStreamIds: [0], quicStreamRanges: [stream(0, 578, 1159)] }), // the lost one, repaired
    directed(31, 's', { transport: 'udp', quicStreamIds: [3], quicStreamRanges: [stream(3, 20, 5)] }),
  ];
  t.strictSame(wireTransfer(packets), {
    requestStartEpochMs: T0 + 11,
    responseStartEpochMs: T0 + 20,
    responseStartFrame: 4,
    responseEndEpochMs: T0 + 30,
    responseEndsEpochMs: [T0 + 30],
    serverRepeatedPackets: 1,
    clientRepeatedPackets: 0,
    quicVersion: 1,
    alpn: 'h3',
  });
});

t.test('each response ends on its own: HTTP/2 streams by their last DATA frame, HTTP/1.1 responses before the next one starts', async (t) => {
  const h2 = [
    directed(0, 'c', {
      payloadBytes: 100,
      tcpSeq: 1,
      http2Frames: [
        { type: 1, streamId: 1 },
        { type: 1, streamId: 3 },
      ],
    }),
    directed(10, 's', {
      payloadBytes: 1448,
      tcpSeq: 1,
      http2Frames: [
        { type: 1, streamId: 1 },
        { type: 0, streamId: 1 },
        { type: 1, streamId: 3 },
      ],
    }),
    directed(11, 's', { payloadBytes: 1448, tcpSeq: 1449, http2Frames: [{ type: 0, streamId: 3 }] }),
    directed(12, 's', { payloadBytes: 1448, tcpSeq: 2897, http2Frames: [{ type: 0, streamId: 1 }] }),
  ];
  t.strictSame(wireTransfer(h2).responseEndsEpochMs, [T0 + 11, T0 + 12]);
  frame = 0;
  const h1 = [
    directed(0, 'c', { payloadBytes: 100, tcpSeq: 1, httpRequest: true }),
    directed(10, 's', { payloadBytes: 1448, tcpSeq: 1, httpResponse: true }),
    directed(11, 's', { payloadBytes: 1448, tcpSeq: 1449 }),
    directed(12, 'c', { payloadBytes: 100, tcpSeq: 101, httpRequest: true }),
    directed(22, 's', { payloadBytes: 1448, tcpSeq: 2897 }), // frame 5: the second response's first segment
    directed(23, 's', { payloadBytes: 1448, tcpSeq: 4345, httpResponse: true, reassembledFrames: [5, 6] }),
    directed(24, 's', { payloadBytes: 500, tcpSeq: 5793 }),
    directed(30, 'c', { tcpFlags: { syn: false, ack: true, fin: true, rst: false } }),
  ];
  t.strictSame(wireTransfer(h1).responseEndsEpochMs, [T0 + 11, T0 + 24]);
});

t.test('repeats: a packet counts once however many of its frames repeat; a SYN and empty segments never do', async (t) => {
  const stream = (offset: number) => ({ streamId: 0, offset, length: 100 });
  t.equal(repeatedPackets([directed(0, 's', { transport: 'udp', quicStreamRanges: [stream(0), stream(100)] }), directed(1, 's', { transport: 'udp', quicStreamRanges: [stream(0), stream(100)] })]), 1);
  t.equal(repeatedPackets([directed(0, 's', { tcpSeq: 0, tcpFlags: { syn: true, ack: true, fin: false, rst: false } }), directed(1, 's', { tcpSeq: 1, payloadBytes: 0 }), segment(2, 1), segment(3, 1449)]), 0);
});
