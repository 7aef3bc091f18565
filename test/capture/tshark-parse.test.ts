// tshark's field output -> WirePacket, on lines recorded from tshark 4.0.17 (Debian 12) with
// the arguments tsharkArguments() builds (tshark-fields.tsv): ngtcp2 0.12 gtlsserver/gtlsclient
// over IPv4 (a cold and a resumed 0-RTT connection) with and without the key log, Node 20
// https/http2 over IPv4 and IPv6, a plain UDP datagram and the ICMP error it drew. The columns
// added later for transfers (tcp.seq ... tls.handshake.extensions_alpn_str) are empty in it;
// tshark-transfer.tsv has them, recorded from a lab transfer. The
// resumed QUIC connection's server secret is in tshark-fields.keys.log (wire-analysis tests).
import t from 'tap';
import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TSHARK_FIELDS, canonicalIp, epochMsFromTshark, parseTsharkFields, parseTsharkLine, readPackets, tsharkArguments, type WirePacket } from '../../harness/capture/tshark.js';
import { parseTcpdumpSummary, tcpdumpArguments } from '../../harness/capture/packet-capture.js';
import { QUIET_PACKET_FIELDS } from '../fixtures/wire-packet.js';

const recorded = await readFile(join(import.meta.dirname, 'tshark-fields.tsv'), 'utf8');

const { quicUnread: _none, ...base } = QUIET_PACKET_FIELDS; // kept payloads are summarized below
const lo4 = '127.0.0.1';
const tcpAck = { syn: false, ack: true, fin: false, rst: false };
/** The connection IDs and ClientHello randoms of the QUIC capture. */
const coldClientScid = 'f3faedafbffe2940b05f469cecfc5a3d44';
const coldServerScid = '71d9be387eb161e790c6c8de13ddee8fcf18';
const resumedClientScid = 'fce81fcc164cd07653d70c8b840afc6385';
const resumedServerScid = 'd24f2c3558edfc00f157b72b229779c1119e';
const AES_128_GCM_SHA256 = 0x1301;
const AES_256_GCM_SHA384 = 0x1302;

/** A kept UDP payload, compared by length and first bytes (the full bytes are the fixture's last column). */
type Summarized = Omit<WirePacket, 'quicUnread'> & { quicUnread?: { bytes: number; head: string; decryptionFailures: number; packetsWithoutNumber: number } };
function summarize(packet: WirePacket): Summarized {
  const { quicUnread, ...rest } = packet;
  if (quicUnread === undefined) return rest;
  const { udpPayload, ...counts } = quicUnread;
  return { ...rest, quicUnread: { bytes: udpPayload.length, head: udpPayload.subarray(0, 24).toString('hex'), ...counts } };
}

const expected: Summarized[] = [
  // QUIC with the key log: the client's Initial (ClientHello) ...
  {
    ...base,
    frame: 1,
    timeEpochMs: 1795691643814.179,
    transport: 'udp',
    src: { ip: lo4, port: 56150 },
    dst: { ip: lo4, port: 57842 },
    ipBytes: 1228,
    payloadBytes: 1200,
    quicLongPacketTypes: ['initial'],
    quicFrameTypes: [6, 0],
    tlsHandshakeTypes: [1],
    quicScid: coldClientScid,
    tlsClientRandom: '66187913bc5379acd05bf9a779d87c3fd86bceb59630b665c528d84975b4ac4f',
  },
  // ... the server's whole flight, a GSO batch of two datagrams cut between long-header packets (readable), with 0.5-RTT control streams ...
  {
    ...base,
    frame: 2,
    timeEpochMs: 1795691643817.326,
    transport: 'udp',
    src: { ip: lo4, port: 57842 },
    dst: { ip: lo4, port: 56150 },
    ipBytes: 1844,
    payloadBytes: 1816,
    quicLongPacketTypes: ['initial', 'handshake', 'handshake'],
    quicShortHeader: true,
    quicFrameTypes: [3, 6, 6, 6, 10, 10, 10],
    quicStreamIds: [3, 11, 7],
    tlsHandshakeTypes: [2, 8, 11, 15, 20],
    quicScid: coldServerScid,
    tlsCipherSuite: AES_128_GCM_SHA256,
  },
  // ... NEW_CONNECTION_ID x6, HANDSHAKE_DONE, NEW_TOKEN, a NewSessionTicket and the response on stream 0.
  {
    ...base,
    frame: 12,
    timeEpochMs: 1795691643849.867,
    transport: 'udp',
    src: { ip: lo4, port: 57842 },
    dst: { ip: lo4, port: 56150 },
    ipBytes: 1228,
    payloadBytes: 1200,
    quicShortHeader: true,
    quicFrameTypes: [24, 24, 24, 24, 24, 24, 30, 7, 6, 14, 14, 10],
    quicStreamIds: [11, 7, 0],
    tlsHandshakeTypes: [4],
  },
  // The resumed connection: the client's Initial and 0-RTT packets (the request on stream 0) ...
  {
    ...base,
    frame: 15,
    timeEpochMs: 1795691643863.49,
    transport: 'udp',
    src: { ip: lo4, port: 33461 },
    dst: { ip: lo4, port: 57842 },
    ipBytes: 1228,
    payloadBytes: 1200,
    quicLongPacketTypes: ['initial', '0rtt'],
    quicFrameTypes: [6, 10, 10, 10, 11, 0],
    quicStreamIds: [2, 10, 6, 0],
    tlsHandshakeTypes: [1],
    quicScid: resumedClientScid,
    tlsClientRandom: '57fc04cdc3542f7015d84c872a8724303b6d9a4c62c08a521337284bda62e106',
  },
  // ... and the server's flight, a GSO batch of 1200 + 385 bytes: tshark takes its 1-RTT packet to run to the end and fails on it; the payload is kept.
  {
    ...base,
    frame: 16,
    timeEpochMs: 1795691643864.056,
    transport: 'udp',
    src: { ip: lo4, port: 57842 },
    dst: { ip: lo4, port: 33461 },
    ipBytes: 1613,
    payloadBytes: 1585,
    quicLongPacketTypes: ['initial', 'handshake'],
    quicShortHeader: true,
    quicFrameTypes: [3, 6, 6],
    tlsHandshakeTypes: [2, 8, 20],
    undecryptable: true,
    quicScid: resumedServerScid,
    tlsCipherSuite: AES_128_GCM_SHA256,
    quicUnread: { bytes: 1585, head: `8b0000000111${resumedClientScid}12`, decryptionFailures: 1, packetsWithoutNumber: 0 },
  },
  // Without keys: a Handshake packet and a 1-RTT packet.
  {
    ...base,
    frame: 3,
    timeEpochMs: 1795691643818.931,
    transport: 'udp',
    src: { ip: lo4, port: 56150 },
    dst: { ip: lo4, port: 57842 },
    ipBytes: 99,
    payloadBytes: 71,
    quicLongPacketTypes: ['handshake'],
    undecryptable: true,
    quicScid: coldClientScid,
    quicUnread: { bytes: 71, head: `ab0000000112${coldServerScid.slice(0, 36)}`, decryptionFailures: 1, packetsWithoutNumber: 1 },
  },
  {
    ...base,
    frame: 5,
    timeEpochMs: 1795691643836.997,
    transport: 'udp',
    src: { ip: lo4, port: 56150 },
    dst: { ip: lo4, port: 57842 },
    ipBytes: 1434,
    payloadBytes: 1406,
    quicShortHeader: true,
    undecryptable: true,
    quicUnread: { bytes: 1406, head: `11${coldServerScid}ba6a083c00`, decryptionFailures: 0, packetsWithoutNumber: 1 },
  },
  // HTTP/2 over TLS with keys: tickets, SETTINGS x2, HEADERS and DATA on stream 1.
  {
    ...base,
    frame: 39,
    timeEpochMs: 1795692019824.506,
    transport: 'tcp',
    src: { ip: lo4, port: 40571 },
    dst: { ip: lo4, port: 40764 },
    ipBytes: 1209,
    payloadBytes: 1157,
    tcpFlags: tcpAck,
    tlsHandshakeTypes: [4, 4],
    http2Frames: [
      { type: 4, streamId: 0 },
      { type: 4, streamId: 0 },
      { type: 1, streamId: 1 },
      { type: 0, streamId: 1 },
    ],
  },
  // The server's TLS flight without keys: only the ServerHello is readable.
  {
    ...base,
    frame: 6,
    timeEpochMs: 1795692019760.692,
    transport: 'tcp',
    src: { ip: lo4, port: 39541 },
    dst: { ip: lo4, port: 57212 },
    ipBytes: 1607,
    payloadBytes: 1555,
    tcpFlags: tcpAck,
    tlsHandshakeTypes: [2],
    undecryptable: true,
    tlsCipherSuite: AES_256_GCM_SHA384,
  },
  // IPv6: SYN, ClientHello, the full server flight, the HTTP/1.1 response.
  {
    ...base,
    frame: 15,
    timeEpochMs: 1795692019789.871,
    transport: 'tcp',
    src: { ip: '::1', port: 36644 },
    dst: { ip: '::1', port: 41951 },
    ipBytes: 80,
    payloadBytes: 0,
    tcpFlags: { syn: true, ack: false, fin: false, rst: false },
  },
  {
    ...base,
    frame: 18,
    timeEpochMs: 1795692019790.64,
    transport: 'tcp',
    src: { ip: '::1', port: 36644 },
    dst: { ip: '::1', port: 41951 },
    ipBytes: 324,
    payloadBytes: 252,
    tcpFlags: tcpAck,
    tlsHandshakeTypes: [1],
    tlsClientRandom: '477e0398d9c8af336351743e5dc936f502483c2533bf42c70e63b8abcaa50b99',
  },
  {
    ...base,
    frame: 20,
    timeEpochMs: 1795692019791.721,
    transport: 'tcp',
    src: { ip: '::1', port: 41951 },
    dst: { ip: '::1', port: 36644 },
    ipBytes: 1627,
    payloadBytes: 1555,
    tcpFlags: tcpAck,
    tlsHandshakeTypes: [2, 8, 11, 15, 20],
    tlsCipherSuite: AES_256_GCM_SHA384,
  },
  {
    ...base,
    frame: 23,
    timeEpochMs: 1795692019793.681,
    transport: 'tcp',
    src: { ip: '::1', port: 41951 },
    dst: { ip: '::1', port: 36644 },
    ipBytes: 1264,
    payloadBytes: 1192,
    tcpFlags: tcpAck,
    tlsHandshakeTypes: [4, 4],
    httpResponse: true,
  },
  // A UDP datagram that is not QUIC (its payload is not kept); the ICMP port-unreachable it drew is left out.
  { ...base, frame: 42, timeEpochMs: 1795692019846.95, transport: 'udp', src: { ip: lo4, port: 34730 }, dst: { ip: lo4, port: 44747 }, ipBytes: 33, payloadBytes: 5 },
];

t.test('recorded tshark lines parse into exact packets', async (t) => {
  const lines = recorded.split('\n').filter((l) => l !== '');
  t.equal(lines.length, 15, 'the fixture has 15 lines');
  t.ok(
    lines.every((l) => l.split('\t').length === TSHARK_FIELDS.length),
    'one column per field',
  );
  const packets = parseTsharkFields(recorded);
  // The lines were recorded before the stream-range columns existed (they are empty): every
  // STREAM frame then reads as starting at offset 0 and running to the packet's end.
  const withoutRanges = expected.map((p) => ({ ...p, quicStreamRanges: p.quicStreamIds.map((streamId) => ({ streamId, offset: 0, length: null })) }));
  t.strictSame(packets.map(summarize), withoutRanges);
  t.equal(parseTsharkLine(lines[14] ?? ''), null, 'the ICMP error is not a UDP packet');
  for (const packet of packets) {
    if (packet.quicUnread) t.equal(packet.quicUnread.udpPayload.length, packet.payloadBytes, `frame ${packet.frame}: the kept payload is the whole UDP payload`);
  }
});

t.test('malformed output is an error naming the problem', async (t) => {
  t.throws(() => parseTsharkLine('1\t2\t3'), new RegExp(`expected ${TSHARK_FIELDS.length} columns, got 3`));
  const line = (recorded.split('\n')[0] ?? '').split('\t');
  line[0] = 'x';
  t.throws(() => parseTsharkLine(line.join('\t')), /frame\.number is not an integer from 0 to \d+ \("x"\)/);
  // Found by test/property/parsers.test.ts: negative numbers, ports past 65535 and a UDP
  // length shorter than its header were taken as they came.
  line[0] = '-1';
  t.throws(() => parseTsharkLine(line.join('\t')), /frame\.number is not an integer from 0 to \d+ \("-1"\)/);
  line[0] = '1';
  const udpSrcPort = TSHARK_FIELDS.indexOf('udp.srcport');
  line[udpSrcPort] = '65536';
  t.throws(() => parseTsharkLine(line.join('\t')), /port is not an integer from 0 to 65535 \("65536"\)/);
  line[udpSrcPort] = '65535';
  t.equal(parseTsharkLine(line.join('\t'))?.src.port, 65535);
  line[TSHARK_FIELDS.indexOf('udp.length')] = '7';
  t.throws(() => parseTsharkLine(line.join('\t')), /udp\.length 7 is shorter than the UDP header/);
});

t.test('times, addresses and arguments', async (t) => {
  t.equal(epochMsFromTshark('1795690371.754918000'), 1795690371754.918);
  t.equal(epochMsFromTshark('1795690371.7549'), 1795690371754.9);
  t.equal(epochMsFromTshark('1795690371'), 1795690371000);
  t.throws(() => epochMsFromTshark('soon'), /cannot read frame\.time_epoch/);
  t.equal(canonicalIp('2001:0002:0000:0000:0000:0000:0000:0001'), '2001:2::1');
  t.equal(canonicalIp('2001:2::1'), '2001:2::1');
  t.equal(canonicalIp('198.18.0.1'), '198.18.0.1');
  const args = tsharkArguments('/x/cap.pcap', { keylogFile: '/x/keys.log', quicPorts: [4433] });
  t.strictSame(args.slice(0, 12), ['-r', '/x/cap.pcap', '-n', '-o', 'tcp.reassemble_out_of_order:TRUE', '-o', 'http.desegment_body:FALSE', '-o', 'tls.keylog_file:/x/keys.log', '-d', 'udp.port==4433,quic', '-T']);
  t.equal(args.filter((a) => a === '-e').length, TSHARK_FIELDS.length);
  t.strictSame(tcpdumpArguments({ interfaceName: 'lo', filter: 'udp port 4433', file: '/x/cap.pcap' }), ['-i', 'lo', '-n', '-U', '--immediate-mode', '-B', '32768', '-s', '0', '-w', '/x/cap.pcap', 'udp port 4433']);
  t.strictSame(tcpdumpArguments({ interfaceName: 'qlab0', filter: 'tcp', file: '/x/ref.pcap', snaplenBytes: 128 }).slice(7, 9), ['-s', '128'], 'headers only when asked');
  t.strictSame(tcpdumpArguments({ interfaceName: 'lo', filter: 'udp', file: '/x/b.pcap', maxPackets: 500 }).slice(9, 13), ['-c', '500', '-w', '/x/b.pcap'], 'bounded in packets when asked');
});

t.test("tcpdump's exit summary", async (t) => {
  const stderr = 'tcpdump: listening on lo, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n28 packets captured\n56 packets received by filter\n0 packets dropped by kernel\n';
  t.strictSame(parseTcpdumpSummary(stderr), { packetsCaptured: 28, packetsReceivedByFilter: 56, packetsDroppedByKernel: 0 });
  t.strictSame(parseTcpdumpSummary('1 packet captured\n'), { packetsCaptured: 1, packetsReceivedByFilter: null, packetsDroppedByKernel: null });
  t.strictSame(parseTcpdumpSummary(''), { packetsCaptured: null, packetsReceivedByFilter: null, packetsDroppedByKernel: null });
});

t.test('a missing tshark or key log is a clear one-line error', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'qlab-tshark-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const pcap = join(dir, 'empty.pcap');
  await writeFile(pcap, '');
  await t.rejects(readPackets(pcap, { command: join(dir, 'no-such-tshark') }), { message: 'tshark is not installed (Debian package tshark); run `npm run setup`' });
  await t.rejects(readPackets(pcap, { keylogFile: join(dir, 'missing.log') }), /cannot read the TLS key log/);
  await t.rejects(readPackets(join(dir, 'missing.pcap')), /cannot read the capture file/);
});
