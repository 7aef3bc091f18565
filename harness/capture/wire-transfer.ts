// What the wire shows of the data a connection carried: where the request and the response
// start and end, and which packets carried data again. Pure, like wire-analysis.ts, which
// calls it for every connection.
//
// "Carries response data" is read the same way for every client, from the capture on the
// client's side:
// - QUIC: a server packet with a STREAM frame on a client-initiated bidirectional stream (the
//   request streams; the server's control and QPACK streams are unidirectional);
// - TCP: a server packet with payload, from the first segment of the TLS record that starts
//   the response (tshark lists a record's segments in the packet that completes it) to the last
//   payload before the client closes (its FIN, RST or TLS alert): a 16 KB record completes a
//   round trip after its first segment arrived in slow start, and its first segment is when the
//   response's first byte was on the wire.
import type { DirectedPacket } from './wire-analysis.js';
import type { WirePacket } from './tshark.js';

export interface WireTransfer {
  /** The first client packet carrying request bytes (ms since the epoch), null if not seen (or not decryptable on TCP). */
  requestStartEpochMs: number | null;
  /** The first server packet carrying response bytes. */
  responseStartEpochMs: number | null;
  responseStartFrame: number | null;
  /** The last server packet carrying response bytes. */
  responseEndEpochMs: number | null;
  /**
   * Per response, in the order the responses ended: when its last byte could be read (QUIC:
   * the last packet with its stream's data; HTTP/2: the packet completing its last DATA frame;
   * HTTP/1.1: the last server payload before the next response on the connection starts).
   * Empty when the responses cannot be told apart (no decryption).
   */
  responseEndsEpochMs: number[];
  /** Packets that carried data below the highest stream offset (QUIC) or sequence number (TCP) their sender had already delivered to the capture: repaired losses, spurious repeats and reordering. */
  serverRepeatedPackets: number;
  clientRepeatedPackets: number;
  /** The version of the client's first long-header packet (QUIC), null for TCP or unseen. */
  quicVersion: number | null;
  /** The protocol the server chose by ALPN (from its EncryptedExtensions, so only when decrypted). */
  alpn: string | null;
}

/** HTTP/2 frame types and the first client-initiated stream (RFC 9113). */
export const HTTP2_DATA = 0;
export const HTTP2_HEADERS = 1;
export const HTTP2_REQUEST_STREAM = 1;

/** Milliseconds rounded to the microsecond (capture times are), without float noise. */
export function microsecondMs(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** Client-initiated bidirectional streams carry requests and responses (RFC 9000 2.1). */
const isRequestStream = (streamId: number): boolean => streamId % 4 === 0;

function carriesQuicRequestData(p: WirePacket): boolean {
  return p.quicStreamRanges.some((r) => isRequestStream(r.streamId)) || p.quicStreamIds.some(isRequestStream);
}

/** The packet completing the PDU that starts the response (TCP): an HTTP/1.1 response or the HTTP/2 HEADERS of the first request. */
export function startsTcpResponse(p: WirePacket): boolean {
  return p.httpResponse || p.http2Frames.some((f) => f.type === HTTP2_HEADERS && f.streamId === HTTP2_REQUEST_STREAM);
}

function startsTcpRequest(p: WirePacket): boolean {
  return p.httpRequest || p.http2Frames.some((f) => f.type === HTTP2_HEADERS && f.streamId === HTTP2_REQUEST_STREAM);
}

/** The first packet of one side carrying bytes of the PDU completed in `completing` (itself when tshark lists no segments). */
function firstSegment(side: readonly DirectedPacket[], completing: DirectedPacket): DirectedPacket {
  const frames = new Set(completing.packet.reassembledFrames);
  return side.find((d) => frames.has(d.packet.frame)) ?? completing;
}

/**
 * Packets whose data starts below what their sender had already delivered: per TCP direction
 * the highest sequence number plus length seen; per QUIC stream the highest offset plus length.
 */
export function repeatedPackets(side: readonly DirectedPacket[]): number {
  let repeated = 0;
  let tcpHighest = -1;
  const streamHighest = new Map<number, number>();
  for (const { packet } of side) {
    if (packet.transport === 'tcp') {
      if (packet.tcpSeq === null || packet.payloadBytes === 0 || packet.tcpFlags?.syn === true) continue;
      if (packet.tcpSeq < tcpHighest) repeated++;
      tcpHighest = Math.max(tcpHighest, packet.tcpSeq + packet.payloadBytes);
      continue;
    }
    let again = false;
    for (const range of packet.quicStreamRanges) {
      const highest = streamHighest.get(range.streamId) ?? -1;
      const length = range.length ?? 0;
      if (range.offset < highest && (range.length === null || length > 0)) again = true;
      streamHighest.set(range.streamId, Math.max(highest, range.offset + length));
    }
    if (again) repeated++;
  }
  return repeated;
}

/** Each response's end, ordered (see WireTransfer.responseEndsEpochMs). */
function responseEnds(packets: readonly DirectedPacket[], server: readonly DirectedPacket[], quic: boolean, closeIndex: number): number[] {
  const last = new Map<number, number>();
  if (quic) {
    for (const { packet } of server) for (const r of packet.quicStreamRanges) if (isRequestStream(r.streamId)) last.set(r.streamId, packet.timeEpochMs);
    return [...last.values()].sort((a, b) => a - b);
  }
  const h2 = server.some((d) => d.packet.http2Frames.length > 0);
  if (h2) {
    for (const { packet } of server) for (const f of packet.http2Frames) if (f.type === HTTP2_DATA && f.streamId % 2 === 1) last.set(f.streamId, packet.timeEpochMs);
    return [...last.values()].sort((a, b) => a - b);
  }
  // HTTP/1.1, one response at a time: each ends before the next one's first segment.
  const usable = closeIndex < 0 ? packets : packets.slice(0, closeIndex);
  const starts = server.filter((d) => d.packet.httpResponse).map((d) => usable.indexOf(firstSegment(server, d)));
  const ends: number[] = [];
  starts.forEach((start, k) => {
    if (start < 0) return;
    const next = starts[k + 1] ?? usable.length;
    const end = usable.slice(start, next).findLast((d) => !d.fromClient && d.packet.payloadBytes > 0 && !d.packet.tlsAlert);
    if (end !== undefined) ends.push(end.packet.timeEpochMs);
  });
  return ends;
}

/** The client's close of a TCP connection: FIN, RST or a TLS alert (close_notify). */
function closesTcp(d: DirectedPacket): boolean {
  return d.fromClient && (d.packet.tcpFlags?.fin === true || d.packet.tcpFlags?.rst === true || d.packet.tlsAlert);
}

export function wireTransfer(packets: readonly DirectedPacket[]): WireTransfer {
  const quic = packets[0]?.packet.transport === 'udp';
  const server = packets.filter((d) => !d.fromClient);
  const client = packets.filter((d) => d.fromClient);
  let requestStart: DirectedPacket | undefined;
  let responseStart: DirectedPacket | undefined;
  let responseEnd: DirectedPacket | undefined;
  const closeIndex = quic ? -1 : packets.findIndex(closesTcp);
  if (quic) {
    requestStart = client.find((d) => carriesQuicRequestData(d.packet));
    responseStart = server.find((d) => carriesQuicRequestData(d.packet));
    responseEnd = server.findLast((d) => carriesQuicRequestData(d.packet));
  } else {
    const requestPdu = client.find((d) => startsTcpRequest(d.packet));
    requestStart = requestPdu && firstSegment(client, requestPdu);
    const responsePdu = server.find((d) => startsTcpResponse(d.packet));
    responseStart = responsePdu && firstSegment(server, responsePdu);
    if (responseStart !== undefined) {
      const beforeClose = closeIndex < 0 ? packets : packets.slice(0, closeIndex);
      responseEnd = beforeClose.findLast((d) => !d.fromClient && d.packet.payloadBytes > 0 && !d.packet.tlsAlert);
    }
  }
  const alpn = server.find((d) => d.packet.tlsAlpn !== undefined)?.packet.tlsAlpn?.[0] ?? null;
  return {
    requestStartEpochMs: requestStart?.packet.timeEpochMs ?? null,
    responseStartEpochMs: responseStart?.packet.timeEpochMs ?? null,
    responseStartFrame: responseStart?.packet.frame ?? null,
    responseEndEpochMs: responseEnd?.packet.timeEpochMs ?? null,
    responseEndsEpochMs: responseStart === undefined ? [] : responseEnds(packets, server, quic, closeIndex),
    serverRepeatedPackets: repeatedPackets(server),
    clientRepeatedPackets: repeatedPackets(client),
    quicVersion: quic ? (client.find((d) => d.packet.quicVersion !== undefined)?.packet.quicVersion ?? null) : null,
    alpn,
  };
}
