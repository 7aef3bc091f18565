// Wire analysis on synthetic packets: exact numbers for each kind of handshake.
import { NO_TRANSFER, QUIET_PACKET_FIELDS } from '../fixtures/wire-packet.js';
import t from 'tap';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseKeyLog } from '../../harness/capture/keylog.js';
import { parseTsharkFields, type WirePacket } from '../../harness/capture/tshark.js';
import { analyzeConnections, connectionsInWindow, type WireConnection, type WireServer } from '../../harness/capture/wire-analysis.js';

const T0 = 1_700_000_000_000;
const CLIENT = { ip: '198.18.0.1', port: 50000 };
const SERVER = { ip: '198.18.0.2', port: 443 };
const UDP_SERVER: WireServer = { ...SERVER, transport: 'udp' };
const TCP_SERVER: WireServer = { ...SERVER, transport: 'tcp' };

type Spec = Partial<Omit<WirePacket, 'frame' | 'timeEpochMs' | 'src' | 'dst'>> & { payloadBytes: number };

let frame = 0;
/** A packet `atMs` after T0, from the client ('c') or the server ('s'). IP bytes: payload + 28 (UDP/IPv4) or + 52 (TCP/IPv4 with timestamps). */
function packet(atMs: number, from: 'c' | 's', spec: Spec, endpoints = { client: CLIENT, server: SERVER }): WirePacket {
  const transport = spec.transport ?? 'udp';
  return {
    frame: ++frame,
    timeEpochMs: T0 + atMs,
    transport,
    src: from === 'c' ? endpoints.client : endpoints.server,
    dst: from === 'c' ? endpoints.server : endpoints.client,
    ipBytes: spec.payloadBytes + (transport === 'udp' ? 28 : 52),
    ...QUIET_PACKET_FIELDS,
    tcpFlags: transport === 'tcp' ? { syn: false, ack: true, fin: false, rst: false } : null,
    ...spec,
  };
}

function tcp(atMs: number, from: 'c' | 's', spec: Partial<Spec> & { flags?: string }, endpoints = { client: CLIENT, server: SERVER }): WirePacket {
  const flags = spec.flags ?? 'A';
  const { flags: _flags, ...rest } = spec;
  return packet(
    atMs,
    from,
    {
      transport: 'tcp',
      payloadBytes: 0,
      tcpFlags: { syn: flags.includes('S'), ack: flags.includes('A'), fin: flags.includes('F'), rst: flags.includes('R') },
      ...rest,
    },
    endpoints,
  );
}

const ACK = 0x02;
const PADDING = 0x00;
const CRYPTO = 0x06;
const STREAM = 0x0a;
const HANDSHAKE_DONE = 0x1e;

function only(connections: WireConnection[]): WireConnection {
  if (connections.length !== 1) throw new Error(`expected one connection, got ${connections.length}`);
  return connections[0] as WireConnection;
}

t.beforeEach(() => {
  frame = 0;
});

t.test('TCP + TLS 1.3 + HTTP/2, full handshake, server flight in two segments', async (t) => {
  const packets = [
    tcp(0, 'c', { flags: 'S' }),
    tcp(10, 's', { flags: 'SA' }),
    tcp(10.1, 'c', {}),
    tcp(10.2, 'c', { payloadBytes: 300, tlsHandshakeTypes: [1] }), // ClientHello
    tcp(10.3, 's', {}), // the server ACKs it on its own
    tcp(21, 's', { payloadBytes: 1400, tlsHandshakeTypes: [2, 8] }),
    tcp(21.05, 'c', {}), // ACK between the segments of the flight: not a round
    tcp(21.1, 's', { payloadBytes: 600, tlsHandshakeTypes: [11, 15, 20] }),
    tcp(21.2, 'c', {}),
    tcp(22, 'c', {
      payloadBytes: 200,
      tlsHandshakeTypes: [20],
      http2Frames: [
        { type: 4, streamId: 0 },
        { type: 1, streamId: 1 },
      ],
    }),
    tcp(32.5, 's', {
      payloadBytes: 500,
      tlsHandshakeTypes: [4, 4],
      http2Frames: [
        { type: 4, streamId: 0 },
        { type: 4, streamId: 0 },
        { type: 1, streamId: 1 },
        { type: 0, streamId: 1 },
      ],
    }),
    tcp(33, 'c', { flags: 'FA' }),
  ];
  t.strictSame(analyzeConnections(packets, [TCP_SERVER]), [
    {
      transport: 'tcp',
      client: CLIENT,
      server: SERVER,
      firstPacketEpochMs: T0,
      lastPacketEpochMs: T0 + 33,
      packets: 12,
      frames: { first: 1, last: 12, serverFinished: 8, firstResponse: 11 },
      handshakeMs: 21.1,
      ttfbMs: 32.5,
      transfer: { ...NO_TRANSFER, requestStartEpochMs: T0 + 22, responseStartEpochMs: T0 + 32.5, responseStartFrame: 11, responseEndEpochMs: T0 + 32.5, responseEndsEpochMs: [T0 + 32.5] },
      clientPacketsBeforeHandshake: 4,
      clientIpBytesBeforeHandshake: 52 + 52 + 352 + 52,
      serverPacketsBeforeHandshake: 4,
      serverIpBytesBeforeHandshake: 52 + 52 + 1452 + 652,
      serverCertificateSent: true,
      serverFirstFlightBytes: 2000,
      clientFirstFlightBytes: 300,
      amplificationLimitBytes: null,
      exceedsAmplificationLimit: null,
      handshakeRounds: 2,
      undecryptablePackets: 0,
      decryptedByHarness: [],
      notes: [],
    },
  ]);
});

t.test('QUIC full handshake: one round, within the amplification budget', async (t) => {
  const packets = [
    packet(0, 'c', { payloadBytes: 1200, quicLongPacketTypes: ['initial'], quicFrameTypes: [CRYPTO, PADDING], tlsHandshakeTypes: [1] }),
    packet(5, 's', { payloadBytes: 1200, quicLongPacketTypes: ['initial', 'handshake'], quicFrameTypes: [ACK, CRYPTO, CRYPTO], tlsHandshakeTypes: [2, 8] }),
    // The client's padded Initial ACK arrives between the server's datagrams: the server was
    // not waiting for it (2300 bytes fit 3 x 1200).
    packet(5.1, 'c', { payloadBytes: 1200, quicLongPacketTypes: ['initial'], quicFrameTypes: [ACK, PADDING] }),
    packet(5.2, 's', { payloadBytes: 1100, quicLongPacketTypes: ['handshake'], quicShortHeader: true, quicFrameTypes: [CRYPTO, STREAM], quicStreamIds: [3], tlsHandshakeTypes: [11, 15, 20] }),
    packet(6, 'c', { payloadBytes: 300, quicLongPacketTypes: ['handshake'], quicShortHeader: true, quicFrameTypes: [CRYPTO, ACK, STREAM], quicStreamIds: [0, 2], tlsHandshakeTypes: [20] }),
    packet(16, 's', { payloadBytes: 400, quicShortHeader: true, quicFrameTypes: [HANDSHAKE_DONE, STREAM], quicStreamIds: [0] }),
  ];
  t.strictSame(only(analyzeConnections(packets, [UDP_SERVER])), {
    transport: 'udp',
    client: CLIENT,
    server: SERVER,
    firstPacketEpochMs: T0,
    lastPacketEpochMs: T0 + 16,
    packets: 6,
    frames: { first: 1, last: 6, serverFinished: 4, firstResponse: 6 },
    handshakeMs: 5.2,
    ttfbMs: 16,
    transfer: { ...NO_TRANSFER, requestStartEpochMs: T0 + 6, responseStartEpochMs: T0 + 16, responseStartFrame: 6, responseEndEpochMs: T0 + 16 },
    clientPacketsBeforeHandshake: 2,
    clientIpBytesBeforeHandshake: 2456,
    serverPacketsBeforeHandshake: 2,
    serverIpBytesBeforeHandshake: 1228 + 1128,
    serverCertificateSent: true,
    serverFirstFlightBytes: 2300,
    clientFirstFlightBytes: 1200,
    amplificationLimitBytes: 3600,
    exceedsAmplificationLimit: false,
    handshakeRounds: 1,
    undecryptablePackets: 0,
    decryptedByHarness: [],
    notes: [],
  });
});

t.test("QUIC resumed with 0-RTT: no Certificate, the response in the server's first datagram", async (t) => {
  const packets = [
    packet(0, 'c', { payloadBytes: 1200, quicLongPacketTypes: ['initial', '0rtt'], quicFrameTypes: [CRYPTO, STREAM, PADDING], quicStreamIds: [0], tlsHandshakeTypes: [1] }),
    packet(1.5, 's', { payloadBytes: 900, quicLongPacketTypes: ['initial', 'handshake'], quicShortHeader: true, quicFrameTypes: [ACK, CRYPTO, CRYPTO, STREAM], quicStreamIds: [0], tlsHandshakeTypes: [2, 8, 20] }),
    packet(2, 'c', { payloadBytes: 200, quicLongPacketTypes: ['handshake'], quicFrameTypes: [CRYPTO], tlsHandshakeTypes: [20] }),
  ];
  t.match(only(analyzeConnections(packets, [UDP_SERVER])), {
    handshakeMs: 1.5,
    ttfbMs: 1.5,
    serverCertificateSent: false,
    serverFirstFlightBytes: 900,
    clientFirstFlightBytes: 1200,
    amplificationLimitBytes: 3600,
    exceedsAmplificationLimit: false,
    clientPacketsBeforeHandshake: 1,
    serverPacketsBeforeHandshake: 1,
    handshakeRounds: 1,
    undecryptablePackets: 0,
    decryptedByHarness: [],
    notes: [],
  });
});

t.test("QUIC 0-RTT as tshark 4.0 reads it: the server's 0.5-RTT packet is not decryptable, so no TTFB", async (t) => {
  const packets = [
    packet(0, 'c', { payloadBytes: 1200, quicLongPacketTypes: ['initial', '0rtt'], quicFrameTypes: [CRYPTO, STREAM, PADDING], quicStreamIds: [0], tlsHandshakeTypes: [1] }),
    packet(0.5, 's', { payloadBytes: 1585, quicLongPacketTypes: ['initial', 'handshake'], quicShortHeader: true, quicFrameTypes: [0x03, CRYPTO, CRYPTO], tlsHandshakeTypes: [2, 8, 20], undecryptable: true }),
    packet(22, 'c', { payloadBytes: 374, quicLongPacketTypes: ['handshake'], quicShortHeader: true, quicFrameTypes: [CRYPTO, ACK], tlsHandshakeTypes: [20] }),
    packet(30, 's', { payloadBytes: 573, quicShortHeader: true, quicFrameTypes: [0x18, HANDSHAKE_DONE, 0x07, CRYPTO, 0x12], tlsHandshakeTypes: [4] }),
  ];
  const c = only(analyzeConnections(packets, [UDP_SERVER]));
  t.equal(c.handshakeMs, 0.5, 'the Handshake packets were readable');
  t.equal(c.serverCertificateSent, false);
  t.equal(c.ttfbMs, null, 'not guessed');
  t.equal(c.undecryptablePackets, 1);
  t.strictSame(c.notes, ['1 packet(s) tshark could not decrypt (frames 2)', 'ttfbMs unknown: the response may be in a server packet tshark could not decrypt (frame 2)']);
});

t.test("QUIC 0-RTT with the key log (recorded capture): the harness decrypts the server's GSO batch tshark could not", async (t) => {
  // tshark-fields.tsv frames 15 and 16: the resumed connection's client Initial + 0-RTT, and
  // the server's flight (Initial, Handshake, and in a second datagram of the same GSO batch
  // the rest of the response); its 0.5-RTT packet holds the response on stream 0.
  const recorded = parseTsharkFields(await readFile(join(import.meta.dirname, 'tshark-fields.tsv'), 'utf8')).filter((p) => p.src.port === 33461 || p.dst.port === 33461);
  const keylog = parseKeyLog(await readFile(join(import.meta.dirname, 'tshark-fields.keys.log'), 'utf8'));
  const server: WireServer = { ip: '127.0.0.1', port: 57842, transport: 'udp' };
  t.strictSame(
    recorded.map((p) => p.frame),
    [15, 16],
  );
  const c = only(analyzeConnections(recorded, [server], keylog));
  t.strictSame(c, {
    transport: 'udp',
    client: { ip: '127.0.0.1', port: 33461 },
    server: { ip: '127.0.0.1', port: 57842 },
    firstPacketEpochMs: 1795691643863.49,
    lastPacketEpochMs: 1795691643864.056,
    packets: 2,
    frames: { first: 15, last: 16, serverFinished: 16, firstResponse: 16 },
    handshakeMs: 0.566,
    ttfbMs: 0.566,
    transfer: { ...NO_TRANSFER, requestStartEpochMs: 1795691643863.49, responseStartEpochMs: 1795691643864.056, responseStartFrame: 16, responseEndEpochMs: 1795691643864.056, responseEndsEpochMs: [1795691643864.056] },
    clientPacketsBeforeHandshake: 1,
    clientIpBytesBeforeHandshake: 1228,
    serverPacketsBeforeHandshake: 1,
    serverIpBytesBeforeHandshake: 1613,
    serverCertificateSent: false,
    serverFirstFlightBytes: 1585,
    clientFirstFlightBytes: 1200,
    amplificationLimitBytes: 3600,
    exceedsAmplificationLimit: false,
    handshakeRounds: 1,
    undecryptablePackets: 0,
    decryptedByHarness: [16],
    notes: [],
  });
  t.equal(recorded[1]?.undecryptable, true, 'the packets passed in are left as they were');

  // Without the key log, or without the secret, or with a wrong one: as before, and said.
  const without = only(analyzeConnections(recorded, [server]));
  t.equal(without.ttfbMs, null);
  t.equal(without.undecryptablePackets, 1);
  t.equal(without.notes.length, 2);
  const noSecret = only(analyzeConnections(recorded, [server], new Map()));
  t.equal(noSecret.ttfbMs, null);
  t.equal(noSecret.notes[0], 'the harness could not decrypt frames 16 either: the key log has no SERVER_TRAFFIC_SECRET_0 for the connection');
  const random = recorded[0]?.tlsClientRandom ?? '';
  const wrong = only(analyzeConnections(recorded, [server], new Map([[random, new Map([['SERVER_TRAFFIC_SECRET_0', Buffer.alloc(32, 1)]])]])));
  t.equal(wrong.ttfbMs, null);
  t.equal(wrong.undecryptablePackets, 1);
  t.strictSame(wrong.notes, [
    'frame 16: the harness could not decrypt its 1-RTT packets either',
    '1 packet(s) tshark could not decrypt (frames 16)',
    'ttfbMs unknown: the response may be in a server packet tshark could not decrypt (frame 16)',
  ]);
});

t.test('QUIC amplification-limited flight: an extra round trip, and the limit exceeded', async (t) => {
  const packets = [
    packet(0, 'c', { payloadBytes: 1200, quicLongPacketTypes: ['initial'], quicFrameTypes: [CRYPTO, PADDING], tlsHandshakeTypes: [1] }),
    packet(2, 's', { payloadBytes: 1200, quicLongPacketTypes: ['initial', 'handshake'], quicFrameTypes: [ACK, CRYPTO, CRYPTO], tlsHandshakeTypes: [2] }),
    packet(2.01, 's', { payloadBytes: 1200, quicLongPacketTypes: ['handshake'], quicFrameTypes: [CRYPTO], tlsHandshakeTypes: [8] }),
    packet(2.02, 's', { payloadBytes: 1200, quicLongPacketTypes: ['handshake'], quicFrameTypes: [CRYPTO] }), // 3600 bytes: the budget is spent
    packet(2.5, 'c', { payloadBytes: 50, quicLongPacketTypes: ['handshake'], quicFrameTypes: [ACK] }), // validates the client's address
    packet(3.0, 's', { payloadBytes: 1200, quicLongPacketTypes: ['handshake'], quicFrameTypes: [CRYPTO], tlsHandshakeTypes: [11] }),
    packet(3.05, 'c', { payloadBytes: 50, quicLongPacketTypes: ['handshake'], quicFrameTypes: [ACK] }), // an ACK the server no longer needs
    packet(3.1, 's', { payloadBytes: 600, quicLongPacketTypes: ['handshake'], quicFrameTypes: [CRYPTO], tlsHandshakeTypes: [15, 20] }),
    packet(4, 'c', { payloadBytes: 300, quicLongPacketTypes: ['handshake'], quicShortHeader: true, quicFrameTypes: [CRYPTO, STREAM], quicStreamIds: [0], tlsHandshakeTypes: [20] }),
    packet(8, 's', { payloadBytes: 300, quicShortHeader: true, quicFrameTypes: [STREAM], quicStreamIds: [0] }),
  ];
  t.match(only(analyzeConnections(packets, [UDP_SERVER])), {
    handshakeMs: 3.1,
    ttfbMs: 8,
    clientPacketsBeforeHandshake: 3,
    clientIpBytesBeforeHandshake: 1228 + 78 + 78,
    serverPacketsBeforeHandshake: 5,
    serverIpBytesBeforeHandshake: 4 * 1228 + 628,
    serverCertificateSent: true,
    serverFirstFlightBytes: 5400,
    clientFirstFlightBytes: 1200,
    amplificationLimitBytes: 3600,
    exceedsAmplificationLimit: true,
    handshakeRounds: 2,
    notes: [],
  });
});

t.test('QUIC after a Retry: two rounds', async (t) => {
  const packets = [
    packet(0, 'c', { payloadBytes: 1200, quicLongPacketTypes: ['initial'], quicFrameTypes: [CRYPTO, PADDING], tlsHandshakeTypes: [1] }),
    packet(1, 's', { payloadBytes: 120, quicLongPacketTypes: ['retry'] }),
    packet(1.1, 'c', { payloadBytes: 1200, quicLongPacketTypes: ['initial'], quicFrameTypes: [CRYPTO, PADDING], tlsHandshakeTypes: [1] }),
    packet(3, 's', { payloadBytes: 2000, quicLongPacketTypes: ['initial', 'handshake'], quicFrameTypes: [ACK, CRYPTO, CRYPTO], tlsHandshakeTypes: [2, 8, 11, 15, 20] }),
  ];
  const c = only(analyzeConnections(packets, [UDP_SERVER]));
  t.equal(c.handshakeRounds, 2);
  t.equal(c.handshakeMs, 3);
  t.equal(c.clientFirstFlightBytes, 1200, 'before the Retry');
  t.strictSame(c.notes, ['the server sent a Retry']);
});

t.test('an undecryptable flight (no key log): certificate unknown, not "none"', async (t) => {
  const packets = [
    packet(0, 'c', { payloadBytes: 1200, quicLongPacketTypes: ['initial'], quicFrameTypes: [CRYPTO, PADDING], tlsHandshakeTypes: [1] }),
    // Initial packets are always readable; the Handshake and 1-RTT packets are not.
    packet(3, 's', { payloadBytes: 1816, quicLongPacketTypes: ['initial', 'handshake', 'handshake'], quicShortHeader: true, quicFrameTypes: [0x03, CRYPTO], tlsHandshakeTypes: [2], undecryptable: true }),
    packet(3.5, 'c', { payloadBytes: 71, quicLongPacketTypes: ['handshake'], undecryptable: true }),
    packet(22, 'c', { payloadBytes: 1406, quicShortHeader: true, undecryptable: true }),
    packet(37, 's', { payloadBytes: 1200, quicShortHeader: true, undecryptable: true }),
  ];
  t.strictSame(only(analyzeConnections(packets, [UDP_SERVER])), {
    transport: 'udp',
    client: CLIENT,
    server: SERVER,
    firstPacketEpochMs: T0,
    lastPacketEpochMs: T0 + 37,
    packets: 5,
    frames: { first: 1, last: 5, serverFinished: null, firstResponse: null },
    handshakeMs: null,
    ttfbMs: null,
    transfer: NO_TRANSFER,
    clientPacketsBeforeHandshake: null,
    clientIpBytesBeforeHandshake: null,
    serverPacketsBeforeHandshake: null,
    serverIpBytesBeforeHandshake: null,
    serverCertificateSent: null,
    serverFirstFlightBytes: null,
    clientFirstFlightBytes: 1200,
    amplificationLimitBytes: 3600,
    exceedsAmplificationLimit: null,
    handshakeRounds: null,
    undecryptablePackets: 4,
    decryptedByHarness: [],
    notes: [
      "the server's Finished was not seen (no key log, not decryptable, or the handshake did not complete)",
      '4 packet(s) tshark could not decrypt (frames 2, 3, 4, 5)',
      'ttfbMs unknown: the response may be in a server packet tshark could not decrypt (frame 2)',
    ],
  });
});

t.test('IPv6, HTTP/1.1, resumed TLS: addresses compared in canonical form', async (t) => {
  const v6 = { client: { ip: '2001:2::1', port: 40000 }, server: { ip: '2001:2::2', port: 8443 } };
  const packets = [
    tcp(0, 'c', { flags: 'S', ipBytes: 80 }, v6),
    tcp(1, 's', { flags: 'SA', ipBytes: 80 }, v6),
    tcp(1.01, 'c', { ipBytes: 72 }, v6),
    tcp(1.02, 'c', { payloadBytes: 555, ipBytes: 627, tlsHandshakeTypes: [1] }, v6),
    tcp(1.5, 's', { payloadBytes: 241, ipBytes: 313, tlsHandshakeTypes: [2, 8, 20] }, v6),
    tcp(2, 'c', { payloadBytes: 162, ipBytes: 234, tlsHandshakeTypes: [20] }, v6),
    tcp(2.5, 's', { payloadBytes: 1119, ipBytes: 1191, httpResponse: true }, v6),
  ];
  const c = only(analyzeConnections(packets, [{ ip: '2001:0002:0:0:0:0:0:0002', port: 8443, transport: 'tcp' }]));
  t.strictSame([c.client, c.server], [v6.client, v6.server]);
  t.match(c, {
    handshakeMs: 1.5,
    ttfbMs: 2.5,
    serverCertificateSent: false,
    clientPacketsBeforeHandshake: 3,
    clientIpBytesBeforeHandshake: 80 + 72 + 627,
    serverPacketsBeforeHandshake: 2,
    serverIpBytesBeforeHandshake: 80 + 313,
    serverFirstFlightBytes: 241,
    clientFirstFlightBytes: 555,
    handshakeRounds: 2,
    amplificationLimitBytes: null,
  });
  t.strictSame(analyzeConnections(packets, [{ ip: '2001:2::3', port: 8443, transport: 'tcp' }]), [], 'another server: nothing');
  t.strictSame(analyzeConnections(packets, [{ ip: '2001:2::2', port: 8443, transport: 'udp' }]), [], 'another transport: nothing');
});

t.test('odd captures are reported, not guessed', async (t) => {
  await t.test('a retransmitted SYN: timed from the first one', async (t) => {
    frame = 0;
    const c = only(
      analyzeConnections(
        [
          tcp(0, 'c', { flags: 'S' }),
          tcp(1000, 'c', { flags: 'S' }),
          tcp(1010, 's', { flags: 'SA' }),
          tcp(1010.1, 'c', { payloadBytes: 300, tlsHandshakeTypes: [1] }),
          tcp(1020, 's', { payloadBytes: 1500, tlsHandshakeTypes: [2, 8, 11, 15, 20] }),
        ],
        [TCP_SERVER],
      ),
    );
    t.equal(c.handshakeMs, 1020);
    t.equal(c.handshakeRounds, 2);
    t.equal(c.clientPacketsBeforeHandshake, 3, 'the retransmission was sent, so it counts');
    t.strictSame(c.notes, ['the client sent its SYN 2 times (retransmitted)']);
  });
  await t.test('a capture that starts mid-connection', async (t) => {
    frame = 0;
    const c = only(analyzeConnections([tcp(0, 's', { payloadBytes: 1500, tlsHandshakeTypes: [11, 15, 20] }), tcp(1, 'c', { payloadBytes: 100 })], [TCP_SERVER]));
    t.match(c, { handshakeMs: null, ttfbMs: null, handshakeRounds: null, clientFirstFlightBytes: null, serverCertificateSent: true, firstPacketEpochMs: T0 + 1 });
    t.strictSame(c.notes, ["capture starts mid-connection: the first packet (frame 1) is not the client's SYN; timings left out"]);
  });
  await t.test('a server that never answers, and a reset', async (t) => {
    frame = 0;
    const quic = only(analyzeConnections([packet(0, 'c', { payloadBytes: 1200, quicLongPacketTypes: ['initial'], quicFrameTypes: [CRYPTO], tlsHandshakeTypes: [1] })], [UDP_SERVER]));
    t.strictSame(quic.notes, ['the server never answered']);
    t.equal(quic.clientFirstFlightBytes, null);
    frame = 0;
    const reset = only(analyzeConnections([tcp(0, 'c', { flags: 'S' }), tcp(1, 's', { flags: 'RA' })], [TCP_SERVER]));
    t.strictSame(reset.notes, ['the server reset the connection (frame 2) before the handshake completed', "the server's Finished was not seen (no key log, not decryptable, or the handshake did not complete)"]);
  });
  await t.test('a 5-tuple used again by a new connection is a new connection', async (t) => {
    frame = 0;
    const packets = [
      tcp(0, 'c', { flags: 'S' }),
      tcp(1, 's', { flags: 'SA' }),
      tcp(1.1, 'c', { payloadBytes: 300, tlsHandshakeTypes: [1] }),
      tcp(2, 's', { payloadBytes: 1500, tlsHandshakeTypes: [2, 8, 11, 15, 20] }),
      tcp(3, 'c', { flags: 'FA' }),
      tcp(3.1, 's', { flags: 'FA' }),
      tcp(100, 'c', { flags: 'S' }),
      tcp(101, 's', { flags: 'SA' }),
      tcp(101.1, 'c', { payloadBytes: 500, tlsHandshakeTypes: [1] }),
      tcp(102, 's', { payloadBytes: 200, tlsHandshakeTypes: [2, 8, 20] }),
    ];
    const connections = analyzeConnections(packets, [TCP_SERVER]);
    t.strictSame(
      connections.map((c) => [c.firstPacketEpochMs - T0, c.handshakeMs, c.serverCertificateSent, c.packets]),
      [
        [0, 2, true, 6],
        [100, 2, false, 4],
      ],
    );
  });
});

t.test('connectionsInWindow: connections starting in the window, oldest first', async (t) => {
  const at = (startMs: number, port: number): WirePacket[] => {
    const ends = { client: { ip: CLIENT.ip, port }, server: SERVER };
    return [tcp(startMs, 'c', { flags: 'S' }, ends), tcp(startMs + 1, 's', { flags: 'SA' }, ends)];
  };
  // Interleaved in the capture: the third connection's SYN comes before the second's SYN-ACK.
  const [a1, a2] = at(0, 40001);
  const [b1, b2] = at(100, 40002);
  const [c1, c2] = at(100.5, 40003);
  const connections = analyzeConnections(
    [a1, a2, b1, c1, b2, c2].filter((p): p is WirePacket => p !== undefined),
    [TCP_SERVER],
  );
  t.strictSame(
    connections.map((c) => c.client.port),
    [40001, 40002, 40003],
  );
  const window = connectionsInWindow(connections, T0 + 100, T0 + 100.5);
  t.strictSame(
    window.map((c) => c.client.port),
    [40002, 40003],
    'both ends of the window are inside it',
  );
  t.equal(window.at(-1)?.client.port, 40003, 'the measured connection is the last one');
  t.strictSame(
    connectionsInWindow([...connections].reverse(), T0, T0 + 1000).map((c) => c.client.port),
    [40001, 40002, 40003],
    'sorted by time',
  );
  t.strictSame(connectionsInWindow(connections, T0 + 200, T0 + 300), []);
});
