// Captured packets -> connections and what the wire says about their handshakes. Pure:
// WirePacket arrays in (see ./tshark.ts), numbers out, unit-tested on synthetic packets.
//
// The capture is taken on the client's side of the link, so a server packet's time is when it
// arrived at the client and a client packet's time is when it left: the wire's view of what
// the client experienced, without any endpoint's own clock or event loop.
import type { KeyLog } from './keylog.js';
import { openShortHeaderPackets, quicFrames, quicPacketKeys, type QuicPacketKeys } from './quic-decrypt.js';
import { canonicalIp, type WireEndpoint, type WirePacket } from './tshark.js';
import { microsecondMs as ms, wireTransfer, type WireTransfer } from './wire-transfer.js';

/** A server endpoint: packets to or from it belong to connections; the other side is the client. */
export interface WireServer {
  ip: string;
  port: number;
  transport: 'tcp' | 'udp';
}

export interface WireConnection {
  /** 'udp' is QUIC. */
  transport: 'tcp' | 'udp';
  client: WireEndpoint;
  server: WireEndpoint;
  /** The client's first packet (its SYN, or its first Initial), ms since the epoch; the first packet seen when the start was not captured. */
  firstPacketEpochMs: number;
  lastPacketEpochMs: number;
  /** Packets of the connection in the capture. */
  packets: number;
  /** Frame numbers, to look packets up in the capture. */
  frames: { first: number; last: number; serverFinished: number | null; firstResponse: number | null };
  /**
   * From the client's first packet to the arrival of the packet that completes the server's
   * TLS Finished (the client can then finish its side: what a TCP+TLS client's secureConnect
   * and ngtcp2's handshake time mark). Null if that packet was not seen or not readable.
   */
  handshakeMs: number | null;
  /**
   * From the client's first packet to the first server packet carrying response data: QUIC,
   * STREAM data on a request stream; TCP, the first segment of the TLS record holding the
   * HTTP/2 HEADERS frame on stream 1 or the start of an HTTP/1.1 response (see wire-transfer.ts).
   */
  ttfbMs: number | null;
  /** Where the request and response data started and ended, repeats, version and ALPN. */
  transfer: WireTransfer;
  /** Packets and IP bytes each side sent up to and including the packet completing the server's Finished, retransmissions included. */
  clientPacketsBeforeHandshake: number | null;
  clientIpBytesBeforeHandshake: number | null;
  serverPacketsBeforeHandshake: number | null;
  serverIpBytesBeforeHandshake: number | null;
  /**
   * The server sent a Certificate message. Null when its handshake flight could not be read to
   * its Finished (no key log, decryption failed, handshake incomplete): "false" is only claimed
   * when the flight was read and had none (a resumed handshake).
   */
  serverCertificateSent: boolean | null;
  /** UDP payload (QUIC) or TCP payload (TLS) bytes the server sent from its first packet up to and including the one completing its Finished. */
  serverFirstFlightBytes: number | null;
  /**
   * UDP payload bytes (QUIC) the client sent before the server's first packet, or TCP payload
   * bytes (TLS: the ClientHello) the client sent before the server's first packet with payload.
   */
  clientFirstFlightBytes: number | null;
  /** QUIC only: 3 x clientFirstFlightBytes, what an unvalidated server may send (RFC 9000 section 8.1). */
  amplificationLimitBytes: number | null;
  /** QUIC only: serverFirstFlightBytes > amplificationLimitBytes (the flight cannot have gone out in one go). */
  exceedsAmplificationLimit: boolean | null;
  /** Times the client waited for the server before it had the server's Finished (see countHandshakeRounds). */
  handshakeRounds: number | null;
  /** Packets tshark could not decrypt (or only in part), less those the harness decrypted itself (see readUnreadServerPackets). */
  undecryptablePackets: number;
  /**
   * Frames tshark could not read but the harness decrypted in full (./quic-decrypt.ts): on
   * loopback ngtcp2's UDP GSO batches reach the capture unsplit, and tshark then reads the
   * short-header packet to the end of the batch and fails.
   */
  decryptedByHarness: number[];
  /** Anything odd about this connection's packets, in words. */
  notes: string[];
}

const TLS_CLIENT_HELLO = 1;
const TLS_CERTIFICATE = 11;
const TLS_FINISHED = 20;
const QUIC_CRYPTO_FRAME = 0x06;
/** RFC 9000 section 8.1. */
const AMPLIFICATION_FACTOR = 3;

export interface DirectedPacket {
  packet: WirePacket;
  fromClient: boolean;
}

function isTcpSyn(p: WirePacket): boolean {
  return p.tcpFlags !== null && p.tcpFlags.syn && !p.tcpFlags.ack;
}

function hasQuicInitialCrypto(p: WirePacket): boolean {
  return p.quicLongPacketTypes.includes('initial') && p.quicFrameTypes.includes(QUIC_CRYPTO_FRAME);
}

/** The packet that opens a connection: the client's SYN, or a datagram with its Initial. */
function isConnectionStart(p: WirePacket): boolean {
  return p.transport === 'tcp' ? isTcpSyn(p) : p.quicLongPacketTypes.includes('initial');
}

/** Does this client packet open a new connection on a 5-tuple that already had one? */
function startsNewConnection(p: WirePacket, current: DirectedPacket[]): boolean {
  if (p.transport === 'tcp') {
    return isTcpSyn(p) && current.some((d) => d.packet.payloadBytes > 0 || d.packet.tcpFlags?.fin === true || d.packet.tcpFlags?.rst === true);
  }
  // A new ClientHello after the server got past its Initial/Retry packets (a Retry alone is
  // answered by a second ClientHello of the same connection).
  return p.tlsHandshakeTypes.includes(TLS_CLIENT_HELLO) && current.some((d) => !d.fromClient && (d.packet.quicShortHeader || d.packet.quicLongPacketTypes.includes('handshake')));
}

/**
 * How many times the client waited for the server during the handshake: a wire-only count.
 *
 * Walk the packets in capture order up to and including the one completing the server's
 * Finished. A server packet that moves the handshake forward (TCP: SYN or payload; QUIC: any
 * datagram) opens round 1 if it is the first; a later one opens a new round when client
 * packets lie between it and the previous one and one of them was something the server had
 * to wait for:
 *  - TCP: a client packet with SYN or payload (the ClientHello). Pure ACKs between the
 *    segments of a server flight are not: the server was not waiting for them.
 *  - QUIC: a client datagram with CRYPTO in an Initial packet (a ClientHello, e.g. after a
 *    Retry), or any client datagram when the server's UDP payload bytes so far (including
 *    the new packet) exceed 3 x the client's UDP payload bytes sent before those client
 *    datagrams: the anti-amplification limit (RFC 9000 8.1) held the server back until they
 *    arrived. Once a round has been opened that way by a gap holding a client Handshake
 *    packet, the server has validated the client's address and the limit no longer applies.
 * Retransmissions count like any packet (they were sent); a lost client packet cannot be
 * told from one that arrived, since the capture is on the client's side.
 *
 * So a full or resumed TCP+TLS 1.3 handshake takes 2 (SYN -> SYN-ACK, ClientHello -> server
 * flight), QUIC 1, and QUIC 2 when the server's flight did not fit the amplification budget
 * or after a Retry. Not counted: a TCP server flight held back by the server's congestion
 * window (which the wire cannot tell from a slow server).
 */
export function countHandshakeRounds(packets: readonly DirectedPacket[]): number {
  const quic = packets[0]?.packet.transport === 'udp';
  let rounds = 0;
  let clientBytes = 0;
  let serverBytes = 0;
  let addressValidated = false;
  // The gap since the server's last handshake packet: client bytes before it, and what it held.
  let gapClientBytes: number | null = null;
  let gapNeeded = false;
  let gapHandshakePacket = false;
  for (const { packet, fromClient } of packets) {
    if (fromClient) {
      gapClientBytes ??= clientBytes;
      if (quic ? hasQuicInitialCrypto(packet) : isTcpSyn(packet) || packet.payloadBytes > 0) gapNeeded = true;
      if (quic && packet.quicLongPacketTypes.includes('handshake')) gapHandshakePacket = true;
      clientBytes += packet.payloadBytes;
      continue;
    }
    const progress = quic || packet.tcpFlags?.syn === true || packet.payloadBytes > 0;
    const serverBytesAfter = serverBytes + packet.payloadBytes;
    if (progress) {
      if (rounds === 0) rounds = 1;
      else if (gapClientBytes !== null) {
        const amplificationBound = quic && !addressValidated && serverBytesAfter > AMPLIFICATION_FACTOR * gapClientBytes;
        if (gapNeeded || amplificationBound) {
          rounds++;
          if (gapHandshakePacket) addressValidated = true;
        }
      }
      gapClientBytes = null;
      gapNeeded = false;
      gapHandshakePacket = false;
    }
    serverBytes = serverBytesAfter;
  }
  return rounds;
}

function frameList(packets: readonly WirePacket[]): string {
  const shown = packets
    .slice(0, 5)
    .map((p) => p.frame)
    .join(', ');
  return packets.length > 5 ? `${shown}, ...` : shown;
}

const isStreamFrame = (type: number): boolean => type >= 0x08 && type <= 0x0f;

/**
 * The server's 1-RTT packets tshark could not read (those in a captured UDP GSO batch, see
 * ./tshark.ts: among them the 0.5-RTT response of a 0-RTT connection), decrypted by the
 * harness with the key log's SERVER_TRAFFIC_SECRET_0 for the client's random, the cipher suite
 * of the ServerHello, and the client's SCID (the DCID of the server's packets). Their frames are
 * added to the packet's; a packet whose unread part was all decrypted is no longer
 * undecryptable. Changed packets are copies; every attempt leaves a note.
 */
function readUnreadServerPackets(directed: readonly DirectedPacket[], keylog: KeyLog, notes: string[], decryptedFrames: number[]): readonly DirectedPacket[] {
  const unread = new Set(directed.filter((d) => !d.fromClient && d.packet.quicShortHeader && d.packet.quicUnread !== undefined));
  if (unread.size === 0) return directed;
  const frames = frameList([...unread].map((d) => d.packet));
  const clientRandom = directed.find((d) => d.fromClient && d.packet.tlsClientRandom !== undefined)?.packet.tlsClientRandom;
  const cipherSuite = directed.find((d) => !d.fromClient && d.packet.tlsCipherSuite !== undefined)?.packet.tlsCipherSuite;
  const dcidHex = directed.find((d) => d.fromClient && d.packet.quicScid !== undefined)?.packet.quicScid;
  const secret = clientRandom === undefined ? undefined : keylog.get(clientRandom)?.get('SERVER_TRAFFIC_SECRET_0');
  let keys: QuicPacketKeys;
  try {
    if (clientRandom === undefined) throw new Error("the client's ClientHello was not seen");
    if (cipherSuite === undefined) throw new Error("the server's ServerHello was not seen");
    if (dcidHex === undefined) throw new Error("the client's connection ID was not seen");
    if (secret === undefined) throw new Error('the key log has no SERVER_TRAFFIC_SECRET_0 for the connection');
    keys = quicPacketKeys(secret, cipherSuite);
  } catch (error) {
    notes.push(`the harness could not decrypt frames ${frames} either: ${error instanceof Error ? error.message : String(error)}`);
    return directed;
  }
  const dcid = Buffer.from(dcidHex, 'hex');
  let largestPacketNumber = -1;
  return directed.map((d) => {
    const { packet } = d;
    if (!unread.has(d) || packet.quicUnread === undefined) return d;
    const opened = openShortHeaderPackets(packet.quicUnread.udpPayload, dcid, keys, largestPacketNumber);
    if (opened.packets.length === 0) {
      notes.push(`frame ${packet.frame}: the harness could not decrypt its 1-RTT packets either`);
      return d;
    }
    largestPacketNumber = Math.max(largestPacketNumber, ...opened.packets.map((p) => p.packetNumber));
    let quicFrameList;
    try {
      quicFrameList = opened.packets.flatMap((p) => quicFrames(p.payload));
    } catch (error) {
      notes.push(`frame ${packet.frame}: decrypted by the harness, but its frames could not be read (${error instanceof Error ? error.message : String(error)})`);
      return d;
    }
    // tshark failed on one packet only (the short-header one: it reads the long-header packets
    // before it when it has their keys), and everything from there on was decrypted.
    const readable = opened.complete && Math.max(packet.quicUnread.decryptionFailures, packet.quicUnread.packetsWithoutNumber) <= 1;
    const batch = opened.datagrams > 1 ? `: ${opened.datagrams} datagrams of one UDP GSO batch` : '';
    if (readable) decryptedFrames.push(packet.frame);
    else notes.push(`frame ${packet.frame} decrypted in part by the harness (tshark 4.0 could not${batch})`);
    return {
      fromClient: d.fromClient,
      packet: {
        ...packet,
        quicFrameTypes: [...packet.quicFrameTypes, ...quicFrameList.map((f) => f.type)],
        quicStreamIds: [...packet.quicStreamIds, ...quicFrameList.flatMap((f) => (isStreamFrame(f.type) && f.streamId !== undefined ? [f.streamId] : []))],
        quicStreamRanges: [...packet.quicStreamRanges, ...quicFrameList.flatMap((f) => (isStreamFrame(f.type) && f.streamId !== undefined ? [{ streamId: f.streamId, offset: f.offset ?? 0, length: f.length ?? null }] : []))],
        undecryptable: !readable,
      },
    };
  });
}

function analyzeOne(transport: 'tcp' | 'udp', client: WireEndpoint, server: WireEndpoint, captured: readonly DirectedPacket[], keylog: KeyLog | undefined): WireConnection {
  const quic = transport === 'udp';
  const notes: string[] = [];
  const decryptedByHarness: number[] = [];
  const directed = quic && keylog !== undefined ? readUnreadServerPackets(captured, keylog, notes, decryptedByHarness) : captured;
  const packets = directed.map((d) => d.packet);
  const first = packets[0];
  const last = packets[packets.length - 1];
  if (first === undefined || last === undefined) throw new Error('a connection without packets');

  const firstClient = directed.find((d) => d.fromClient);
  const startSeen = directed[0]?.fromClient === true && isConnectionStart(first);
  if (!startSeen) {
    notes.push(`capture starts mid-connection: the first packet (frame ${first.frame}) is not the client's ${quic ? 'Initial' : 'SYN'}; timings left out`);
  }
  const origin = startSeen ? first.timeEpochMs : (firstClient?.packet.timeEpochMs ?? first.timeEpochMs);

  const finIndex = directed.findIndex((d) => !d.fromClient && d.packet.tlsHandshakeTypes.includes(TLS_FINISHED));
  const transfer = wireTransfer(directed);
  const responseIndex = directed.findIndex((d) => d.packet.frame === transfer.responseStartFrame);
  const firstServerIndex = directed.findIndex((d) => !d.fromClient && (quic || d.packet.payloadBytes > 0));
  const finPacket = finIndex >= 0 ? directed[finIndex]?.packet : undefined;
  const responsePacket = responseIndex >= 0 ? directed[responseIndex]?.packet : undefined;

  const handshakeWindow = startSeen && finIndex >= 0 ? directed.slice(0, finIndex + 1) : null;
  const sum = (list: readonly DirectedPacket[], fromClient: boolean, bytes: (p: WirePacket) => number): number => list.filter((d) => d.fromClient === fromClient).reduce((total, d) => total + bytes(d.packet), 0);
  const count = (list: readonly DirectedPacket[], fromClient: boolean): number => list.filter((d) => d.fromClient === fromClient).length;

  const serverCertificate = directed.some((d) => !d.fromClient && d.packet.tlsHandshakeTypes.includes(TLS_CERTIFICATE));
  const clientFirstFlightBytes = startSeen && firstServerIndex >= 0 ? sum(directed.slice(0, firstServerIndex), true, (p) => p.payloadBytes) : null;
  const serverFirstFlightBytes = handshakeWindow ? sum(handshakeWindow, false, (p) => p.payloadBytes) : null;
  const amplificationLimitBytes = quic && clientFirstFlightBytes !== null ? AMPLIFICATION_FACTOR * clientFirstFlightBytes : null;

  // Notes on what the wire shows.
  if (directed.every((d) => d.fromClient)) notes.push('the server never answered');
  if (startSeen && !quic) {
    const syns = directed.filter((d) => d.fromClient && isTcpSyn(d.packet)).length;
    if (syns > 1) notes.push(`the client sent its SYN ${syns} times (retransmitted)`);
  }
  if (startSeen && quic) {
    const beforeServer = firstServerIndex >= 0 ? directed.slice(0, firstServerIndex) : directed;
    const initials = beforeServer.filter((d) => d.fromClient && hasQuicInitialCrypto(d.packet)).length;
    if (initials > 1) notes.push(`the client sent ${initials} datagrams with Initial CRYPTO before the server answered (ClientHello retransmitted, or spread over datagrams)`);
  }
  if (directed.some((d) => !d.fromClient && d.packet.quicLongPacketTypes.includes('retry'))) notes.push('the server sent a Retry');
  const resets = directed.filter((d) => d.packet.tcpFlags?.rst === true && (finIndex < 0 || directed.indexOf(d) < finIndex));
  for (const reset of resets.slice(0, 1)) notes.push(`the ${reset.fromClient ? 'client' : 'server'} reset the connection (frame ${reset.packet.frame}) before the handshake completed`);
  if (finIndex < 0 && directed.some((d) => !d.fromClient)) {
    notes.push("the server's Finished was not seen (no key log, not decryptable, or the handshake did not complete)");
  }
  const undecryptable = packets.filter((p) => p.undecryptable);
  if (undecryptable.length > 0) notes.push(`${undecryptable.length} packet(s) tshark could not decrypt (frames ${frameList(undecryptable)})`);
  const undecryptableServer = directed.filter((d) => !d.fromClient && d.packet.undecryptable).map((d) => d.packet);
  const firstHidden = undecryptableServer[0];
  if (firstHidden !== undefined) {
    if (responsePacket === undefined) notes.push(`ttfbMs unknown: the response may be in a server packet tshark could not decrypt (frame ${firstHidden.frame})`);
    else if (firstHidden.frame < responsePacket.frame) notes.push(`ttfbMs may be late: an earlier server packet (frame ${firstHidden.frame}) could not be decrypted`);
  }

  return {
    transport,
    client,
    server,
    firstPacketEpochMs: origin,
    lastPacketEpochMs: last.timeEpochMs,
    packets: packets.length,
    frames: { first: first.frame, last: last.frame, serverFinished: finPacket?.frame ?? null, firstResponse: responsePacket?.frame ?? null },
    handshakeMs: startSeen && finPacket ? ms(finPacket.timeEpochMs - origin) : null,
    ttfbMs: startSeen && responsePacket ? ms(responsePacket.timeEpochMs - origin) : null,
    transfer,
    clientPacketsBeforeHandshake: handshakeWindow ? count(handshakeWindow, true) : null,
    clientIpBytesBeforeHandshake: handshakeWindow ? sum(handshakeWindow, true, (p) => p.ipBytes) : null,
    serverPacketsBeforeHandshake: handshakeWindow ? count(handshakeWindow, false) : null,
    serverIpBytesBeforeHandshake: handshakeWindow ? sum(handshakeWindow, false, (p) => p.ipBytes) : null,
    serverCertificateSent: serverCertificate ? true : finIndex >= 0 ? false : null,
    serverFirstFlightBytes,
    clientFirstFlightBytes,
    amplificationLimitBytes,
    exceedsAmplificationLimit: amplificationLimitBytes !== null && serverFirstFlightBytes !== null ? serverFirstFlightBytes > amplificationLimitBytes : null,
    handshakeRounds: handshakeWindow ? countHandshakeRounds(handshakeWindow) : null,
    undecryptablePackets: undecryptable.length,
    decryptedByHarness,
    notes,
  };
}

/**
 * Groups packets (in capture order, as readPackets returns them) into connections by 5-tuple
 * (the client is the side that is not one of `servers`) and analyzes each. Packets to or from no listed server are ignored. A 5-tuple
 * reused by a new connection (a new SYN after data or FIN/RST; a new ClientHello after the
 * server's Handshake packets) starts a new connection. Ordered by first packet. With the key
 * log tshark read, the server's QUIC 1-RTT packets tshark could not decrypt are decrypted here
 * (readUnreadServerPackets).
 */
export function analyzeConnections(packets: readonly WirePacket[], servers: readonly WireServer[], keylog?: KeyLog): WireConnection[] {
  const serverKeys = new Set(servers.map((s) => `${s.transport}|${canonicalIp(s.ip)}|${s.port}`));
  const isServer = (transport: string, endpoint: WireEndpoint): boolean => serverKeys.has(`${transport}|${canonicalIp(endpoint.ip)}|${endpoint.port}`);
  const open = new Map<string, { transport: 'tcp' | 'udp'; client: WireEndpoint; server: WireEndpoint; packets: DirectedPacket[] }>();
  const all: Array<{ transport: 'tcp' | 'udp'; client: WireEndpoint; server: WireEndpoint; packets: DirectedPacket[] }> = [];

  for (const packet of packets) {
    const toServer = isServer(packet.transport, packet.dst);
    const fromServer = isServer(packet.transport, packet.src);
    if (toServer === fromServer) continue; // neither side is a server (or both: ambiguous)
    const client = toServer ? packet.src : packet.dst;
    const server = toServer ? packet.dst : packet.src;
    const key = `${packet.transport}|${canonicalIp(client.ip)}|${client.port}|${canonicalIp(server.ip)}|${server.port}`;
    let connection = open.get(key);
    if (connection === undefined || (toServer && startsNewConnection(packet, connection.packets))) {
      connection = { transport: packet.transport, client: { ip: canonicalIp(client.ip), port: client.port }, server: { ip: canonicalIp(server.ip), port: server.port }, packets: [] };
      open.set(key, connection);
      all.push(connection);
    }
    connection.packets.push({ packet, fromClient: toServer });
  }
  return all
    .map((c) => {
      const connection = analyzeOne(c.transport, c.client, c.server, c.packets, keylog);
      connectionPackets.set(connection, c.packets);
      return connection;
    })
    .sort((a, b) => a.firstPacketEpochMs - b.firstPacketEpochMs);
}

// A connection's packets, for analyses of a scenario's own (capture/migration-wire.ts); kept
// beside the connection rather than in it, so a WireConnection stays a record of numbers.
const connectionPackets = new WeakMap<WireConnection, readonly DirectedPacket[]>();

/** The packets of a connection analyzeConnections made, in capture order (none for one made elsewhere). */
export function packetsOf(connection: WireConnection): readonly DirectedPacket[] {
  return connectionPackets.get(connection) ?? [];
}

/**
 * The connections whose first packet lies in [startEpochMs, endEpochMs], oldest first. A
 * measured sample is the last one (a resumed sample makes a priming connection first).
 */
export function connectionsInWindow(connections: readonly WireConnection[], startEpochMs: number, endEpochMs: number): WireConnection[] {
  return connections.filter((c) => c.firstPacketEpochMs >= startEpochMs && c.firstPacketEpochMs <= endEpochMs).sort((a, b) => a.firstPacketEpochMs - b.firstPacketEpochMs);
}
