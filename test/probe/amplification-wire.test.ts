// The anti-amplification limit read off synthetic captures of a cold QUIC handshake: exact numbers.
import t from 'tap';
import { observeAmplification } from '../../harness/probe/amplification-wire.js';
import { routeDeviceOf } from '../../harness/lab/namespaces.js';
import { directedPacket, wireConnection } from '../fixtures/wire-packet.js';
import { LONG_CHAIN_ON_WIRE } from '../fixtures/amplification-wire.js';

const CRYPTO = 0x06;
const ACK = 0x02;
const initial = { quicLongPacketTypes: ['initial' as const], quicFrameTypes: [CRYPTO] };
const handshake = { quicLongPacketTypes: ['handshake' as const], quicFrameTypes: [CRYPTO] };

t.test('a long chain: 3 datagrams up to the limit, a pause of one RTT, the rest after the client ACK', async (t) => {
  const packets = [
    directedPacket(1, 1000, 'c', { payloadBytes: 1200, ...initial }),
    directedPacket(2, 1040, 's', { payloadBytes: 1200, quicLongPacketTypes: ['initial', 'handshake'], quicFrameTypes: [ACK, CRYPTO] }),
    directedPacket(3, 1040.1, 's', { payloadBytes: 1200, ...handshake }),
    directedPacket(4, 1040.2, 'c', { payloadBytes: 1200, quicLongPacketTypes: ['initial', 'handshake'], quicFrameTypes: [ACK] }),
    directedPacket(5, 1040.3, 's', { payloadBytes: 1150, ...handshake }), // 3550 bytes: within 3 x 1200
    directedPacket(6, 1040.4, 'c', { payloadBytes: 60, quicLongPacketTypes: ['handshake'], quicFrameTypes: [ACK] }),
    directedPacket(7, 1080.5, 's', { payloadBytes: 1200, ...handshake }), // only after the client's ACKs arrived
    directedPacket(8, 1080.6, 's', { payloadBytes: 900, ...handshake, tlsHandshakeTypes: [15, 20] }),
    directedPacket(9, 1081, 'c', { payloadBytes: 300, quicShortHeader: true }),
  ];
  const connection = wireConnection({ frames: { first: 1, last: 9, serverFinished: 8, firstResponse: null }, handshakeRounds: 2, handshakeMs: 80.6 });
  t.same(observeAmplification(connection, packets), LONG_CHAIN_ON_WIRE);
});

t.test('a short chain: the whole flight within the limit, no wait; client ACKs in between change nothing', async (t) => {
  const packets = [
    directedPacket(1, 1000, 'c', { payloadBytes: 1252, ...initial }),
    directedPacket(2, 1001, 's', { payloadBytes: 1252, quicLongPacketTypes: ['initial', 'handshake'], quicFrameTypes: [ACK, CRYPTO] }),
    directedPacket(3, 1001.05, 'c', { payloadBytes: 1252, quicLongPacketTypes: ['initial'], quicFrameTypes: [ACK] }),
    directedPacket(4, 1001.1, 's', { payloadBytes: 700, ...handshake, tlsHandshakeTypes: [11, 15, 20] }),
  ];
  t.same(observeAmplification(wireConnection({ frames: { first: 1, last: 4, serverFinished: 4, firstResponse: null }, handshakeRounds: 1, handshakeMs: 1.1 }), packets), {
    observed: true,
    clientBytesBefore: 1252,
    limitBytes: 3756,
    serverBytesBeforeFirstWait: 1952,
    serverDatagramsBeforeFirstWait: 2,
    serverHandshakeBytes: 1952,
    waitedForClient: false,
    waitMs: null,
    limitIgnored: false,
    handshakeRoundTripsOnWire: 1,
    handshakeMsOnWire: 1.1,
    notes: [],
  });
});

t.test("a sub-millisecond RTT: the client's ACK is captured inside the server's burst; the wait still shows, and 2 round trips", async (t) => {
  const packets = [
    directedPacket(1, 1000, 'c', { payloadBytes: 1200, ...initial }),
    directedPacket(2, 1001, 's', { payloadBytes: 1200, quicLongPacketTypes: ['initial', 'handshake'], quicFrameTypes: [ACK, CRYPTO] }),
    directedPacket(3, 1001.02, 'c', { payloadBytes: 1200, quicLongPacketTypes: ['initial'], quicFrameTypes: [ACK] }), // padded: it holds an Initial
    directedPacket(4, 1001.03, 's', { payloadBytes: 1200, ...handshake }),
    directedPacket(5, 1001.04, 's', { payloadBytes: 1200, ...handshake }),
    directedPacket(6, 1001.1, 'c', { payloadBytes: 60, quicLongPacketTypes: ['handshake'], quicFrameTypes: [ACK] }),
    directedPacket(7, 1001.3, 's', { payloadBytes: 1200, ...handshake, tlsHandshakeTypes: [20] }),
  ];
  const observed = observeAmplification(wireConnection({ frames: { first: 1, last: 7, serverFinished: 7, firstResponse: null }, handshakeRounds: 1 }), packets);
  t.match(observed, { observed: true, serverBytesBeforeFirstWait: 3600, serverDatagramsBeforeFirstWait: 3, waitedForClient: true, waitMs: 0.26, handshakeRoundTripsOnWire: 2 });
  t.same(observed.observed && observed.notes, ["the capture's round count (1) credited the server with client datagrams it sent its first flight without: 2 round trips"]);
});

t.test('a server past the limit with no client datagram in between ignores it: no wait claimed', async (t) => {
  const packets = [
    directedPacket(1, 1000, 'c', { payloadBytes: 1200, ...initial }),
    ...[2, 3, 4, 5].map((frame) => directedPacket(frame, 1001 + frame / 100, 's', { payloadBytes: 1200, ...handshake })),
    directedPacket(6, 1002, 'c', { payloadBytes: 60, quicLongPacketTypes: ['handshake'], quicFrameTypes: [ACK] }),
    directedPacket(7, 1003, 's', { payloadBytes: 1200, ...handshake, tlsHandshakeTypes: [20] }),
  ];
  const observed = observeAmplification(wireConnection({ frames: { first: 1, last: 7, serverFinished: 7, firstResponse: null } }), packets);
  t.match(observed, {
    observed: true,
    waitedForClient: false,
    limitIgnored: true,
    serverBytesBeforeFirstWait: 6000,
    serverDatagramsBeforeFirstWait: 5,
    notes: ['the server sent more than 3 x 1200 = 3600 bytes before any further client datagram'],
  });
});

t.test('the Finished unread: the whole connection, no round trips; a capture without the start is not an observation', async (t) => {
  const packets = [directedPacket(1, 1000, 'c', { payloadBytes: 1200, ...initial }), directedPacket(2, 1001, 's', { payloadBytes: 1200, undecryptable: true })];
  t.match(observeAmplification(wireConnection({ frames: { first: 1, last: 2, serverFinished: null, firstResponse: null }, handshakeRounds: null, handshakeMs: null }), packets), {
    observed: true,
    serverBytesBeforeFirstWait: 1200,
    serverHandshakeBytes: null,
    waitedForClient: false,
    handshakeRoundTripsOnWire: null,
    notes: [/Finished was not read/],
  });
  t.same(observeAmplification(wireConnection({}), packets.slice(1)), { observed: false, reason: "the capture does not start with the client's Initial" });
  t.same(observeAmplification(wireConnection({}), packets.slice(0, 1)), { observed: false, reason: 'the server sent nothing on the captured connection' });
});

t.test("the capture's interface: the route's device", async (t) => {
  t.equal(routeDeviceOf('198.19.18.2 dev hprobe0 src 198.19.18.1 uid 0 \n    cache \n'), 'hprobe0');
  t.equal(routeDeviceOf('local 127.0.0.1 dev lo table local src 127.0.0.1 uid 0 \n'), 'lo');
  t.equal(routeDeviceOf('2001:2::2 from :: dev qlab-c proto kernel src 2001:2::1 metric 256 pref medium\n'), 'qlab-c');
  t.equal(routeDeviceOf('RTNETLINK answers: Network is unreachable\n'), null);
});
