// Migration on the wire, on synthetic packets: path validation, the body gap, TCP's reset and resumption.
import t from 'tap';
import { directedPacket } from '../fixtures/wire-packet.js';
import type { WirePacket } from '../../harness/capture/tshark.js';
import type { DirectedPacket } from '../../harness/capture/wire-analysis.js';
import { bodyPackets, longestBodyGapMs, migrationWireMetrics, pathValidation, resetAndResume } from '../../harness/capture/migration-wire.js';

const T0 = 1_700_000_000_000;
const CLIENT = { ip: '198.18.0.1', port: 50000 };
const SERVER = { ip: '198.18.0.2', port: 443 };
const ACK = 0x02;
const STREAM = 0x0a;
const PATH_CHALLENGE = 0x1a;
const PATH_RESPONSE = 0x1b;

let frame = 0;
function at(atMs: number, from: 'c' | 's', spec: Partial<WirePacket> = {}, clientPort = CLIENT.port): DirectedPacket {
  return directedPacket(++frame, T0 + atMs, from, { ipBytes: 1200, payloadBytes: 1172, ...spec }, { client: { ...CLIENT, port: clientPort }, server: SERVER });
}
const body = (atMs: number): DirectedPacket => at(atMs, 's', { quicShortHeader: true, quicFrameTypes: [STREAM], quicStreamIds: [0] });
const ack = (atMs: number): DirectedPacket => at(atMs, 'c', { quicShortHeader: true, quicFrameTypes: [ACK], payloadBytes: 40 });

t.test('QUIC: the server challenges the new path; the client answers; the body stalls one round trip', async (t) => {
  const quic = [
    at(0, 'c', { quicLongPacketTypes: ['initial'], quicFrameTypes: [0x06] }),
    body(50),
    body(51.5),
    ack(52),
    body(53),
    // the rebinding: the server sees a new address, challenges it (with a control stream frame beside), the client answers at once
    at(60.25, 's', { quicShortHeader: true, quicFrameTypes: [PATH_CHALLENGE, 0x18, STREAM], quicStreamIds: [3] }),
    at(60.4, 'c', { quicShortHeader: true, quicFrameTypes: [PATH_RESPONSE, ACK], payloadBytes: 60 }),
    body(93.125),
    at(94, 's', { quicShortHeader: true, quicFrameTypes: [PATH_CHALLENGE] }),
    body(95),
  ];
  t.same(
    bodyPackets(quic).map((p) => p.packet.timeEpochMs - T0),
    [50, 51.5, 53, 93.125, 95],
    'body: STREAM frames of stream 0 only (not the control stream)',
  );
  t.same(pathValidation(quic), { challenges: 2, responseMs: 0.15 });
  t.equal(longestBodyGapMs([quic]), 40.125);
  t.same(migrationWireMetrics([quic]), { wireGapMs: 40.125, pathChallenges: 2, pathValidationMs: 0.15 });
});

t.test('QUIC without a path validation on the wire: a count of 0 and no time', async (t) => {
  const quic = [at(0, 'c', { quicLongPacketTypes: ['initial'] }), body(10), ack(11), body(12)];
  t.same(migrationWireMetrics([quic]), { wireGapMs: 2, pathChallenges: 0 });
  t.same(pathValidation([at(0, 's', { quicFrameTypes: [PATH_CHALLENGE] })]), { challenges: 1, responseMs: null }, 'a challenge never answered');
});

t.test("TCP: the server's reset, then a new connection and its Range response", async (t) => {
  const tcp = (atMs: number, from: 'c' | 's', flags: string, spec: Partial<WirePacket> = {}, port = CLIENT.port): DirectedPacket =>
    at(atMs, from, { transport: 'tcp', payloadBytes: 0, tcpFlags: { syn: flags.includes('S'), ack: flags.includes('A'), fin: false, rst: flags.includes('R') }, ...spec }, port);
  const broken = [
    tcp(0, 'c', 'S'),
    tcp(40, 's', 'SA'),
    tcp(41, 'c', 'A', { payloadBytes: 300 }),
    tcp(81, 's', 'A', { payloadBytes: 2000, tlsHandshakeTypes: [2, 8, 11, 15, 20] }),
    tcp(122, 's', 'A', { payloadBytes: 200, http2Frames: [{ type: 1, streamId: 1 }] }),
    tcp(123, 's', 'A', { payloadBytes: 1448 }),
    tcp(124, 's', 'A', { payloadBytes: 1448, http2Frames: [{ type: 0, streamId: 1 }] }),
    tcp(800, 's', 'A', { payloadBytes: 1448 }),
    tcp(830.5, 's', 'R'),
    // the server's old socket retransmits to a client that has closed: not body the client gets
    tcp(1900, 's', 'A', { payloadBytes: 1448 }),
    tcp(1900.1, 'c', 'R'),
  ];
  const resumed = [
    tcp(832, 'c', 'S', {}, 50001),
    tcp(872, 's', 'SA', {}, 50001),
    tcp(913, 's', 'A', { payloadBytes: 2000, tlsHandshakeTypes: [2, 8, 11, 15, 20] }, 50001),
    tcp(914, 'c', 'A', { payloadBytes: 120, http2Frames: [{ type: 1, streamId: 1 }], http2Range: 'bytes=1048576-' }, 50001),
    tcp(
      955,
      's',
      'A',
      {
        payloadBytes: 1448,
        http2Frames: [
          { type: 1, streamId: 1 },
          { type: 0, streamId: 1 },
        ],
      },
      50001,
    ),
    tcp(956, 's', 'A', { payloadBytes: 1448 }, 50001),
  ];
  t.same(
    bodyPackets(broken).map((p) => p.packet.timeEpochMs - T0),
    [123, 124, 800],
    'body: payload after the response headers up to the reset (the handshake, headers and late retransmissions are not body)',
  );
  t.same(
    bodyPackets(resumed).map((p) => p.packet.timeEpochMs - T0),
    [955, 956],
    'headers and data in one packet: it carries body',
  );
  t.same(resetAndResume([broken, resumed]), { resetMs: 830.5, resumeMs: 124.5, reconnectMs: 123, rangeStartBytes: 1_048_576 }, 'the new connection asks for the rest');
  t.same(
    migrationWireMetrics([broken, resumed]),
    { wireGapMs: 676, wireRangeStartBytes: 1_048_576, wireResetMs: 830.5, wireResumeMs: 124.5, wireReconnectMs: 123 },
    'the gap in time order: the late retransmission is no body',
  );
  t.equal(longestBodyGapMs([resumed, broken]), 676, 'connections in any order: the gap is over time');
  t.same(migrationWireMetrics([broken.slice(0, 8)]), { wireGapMs: 676 }, 'no reset seen: no reset metrics');
  t.same(migrationWireMetrics([]), {}, 'no connection: nothing');
});
