// What the wire shows of a migration sample (scenarios/migration.ts): the path validation
// (QUIC PATH_CHALLENGE/PATH_RESPONSE), the longest gap in the body data, and for TCP the
// server's reset and the new connection. Pure: each of the sample's connections as its
// packets in capture order (wire-analysis.ts groups them), numbers out.
//
// The capture is on the client's side of the link, before the emulator's NAT: the client's
// own address and port never change in it, so a rebound QUIC connection stays one connection.
// A server packet's time is its arrival at the client, a client packet's its departure.
import type { DirectedPacket } from './wire-analysis.js';
import { HTTP2_DATA, HTTP2_REQUEST_STREAM, microsecondMs as ms, startsTcpResponse } from './wire-transfer.js';

/** RFC 9000 section 19.17-19.18. */
const PATH_CHALLENGE = 0x1a;
const PATH_RESPONSE = 0x1b;
/** QUIC: the first client-initiated bidirectional stream, which carries the request and its response. */
const QUIC_REQUEST_STREAM = 0;

/** One connection: its packets in capture order. */
export type ConnectionPackets = readonly DirectedPacket[];

const isResponseHeaders = (p: DirectedPacket): boolean => !p.fromClient && startsTcpResponse(p.packet);

/**
 * Server packets carrying body data. QUIC: STREAM frames of the request stream. TCP (TLS,
 * HTTP/2 or HTTP/1.1): every server packet with payload after the one completing the response
 * headers, and that one if it also completes a DATA frame (a TLS record is only decrypted
 * where it ends, so the payload itself is what the wire can time), up to the first reset:
 * what the server's old socket retransmits after it reached no client.
 */
export function bodyPackets(packets: ConnectionPackets): DirectedPacket[] {
  if (packets[0]?.packet.transport === 'udp') return packets.filter((p) => !p.fromClient && p.packet.quicStreamIds.includes(QUIC_REQUEST_STREAM));
  const headers = packets.findIndex(isResponseHeaders);
  if (headers < 0) return [];
  const reset = packets.findIndex((p) => p.packet.tcpFlags?.rst === true);
  const headersPacket = packets[headers] as DirectedPacket;
  const withData = headersPacket.packet.http2Frames.some((f) => f.type === HTTP2_DATA && f.streamId === HTTP2_REQUEST_STREAM);
  const after = packets.slice(headers + 1, reset < 0 ? undefined : reset);
  return [...(withData ? [headersPacket] : []), ...after.filter((p) => !p.fromClient && p.packet.payloadBytes > 0)];
}

/** The longest time between two body-carrying server packets, in time order, over the sample's connections; null with fewer than two. */
export function longestBodyGapMs(connections: readonly ConnectionPackets[]): number | null {
  const times = connections.flatMap((packets) => bodyPackets(packets).map((p) => p.packet.timeEpochMs)).sort((a, b) => a - b);
  if (times.length < 2) return null;
  let longest = 0;
  for (let i = 1; i < times.length; i++) longest = Math.max(longest, (times[i] as number) - (times[i - 1] as number));
  return ms(longest);
}

/** QUIC: PATH_CHALLENGE frames the server sent, and from the first one's arrival to the client's PATH_RESPONSE leaving (null when not seen). */
export function pathValidation(packets: ConnectionPackets): { challenges: number; responseMs: number | null } {
  const challenges = packets.filter((p) => !p.fromClient).reduce((n, p) => n + p.packet.quicFrameTypes.filter((type) => type === PATH_CHALLENGE).length, 0);
  const challenge = packets.findIndex((p) => !p.fromClient && p.packet.quicFrameTypes.includes(PATH_CHALLENGE));
  const response = challenge < 0 ? undefined : packets.slice(challenge + 1).find((p) => p.fromClient && p.packet.quicFrameTypes.includes(PATH_RESPONSE));
  const challengePacket = packets[challenge];
  return { challenges, responseMs: response && challengePacket ? ms(response.packet.timeEpochMs - challengePacket.packet.timeEpochMs) : null };
}

/**
 * TCP: the server's reset of the sample's first connection (from that connection's first
 * packet, the client's SYN); the wire time from the reset to the first body data of the
 * connection that came after it (the new connection with its Range request); and that new
 * connection's own part, from its SYN to that body data.
 */
export function resetAndResume(connections: readonly ConnectionPackets[]): { resetMs: number | null; resumeMs: number | null; reconnectMs: number | null; rangeStartBytes: number | null } {
  const [first, ...later] = connections;
  const reset = first?.find((p) => !p.fromClient && p.packet.tcpFlags?.rst === true);
  const start = first?.[0];
  if (reset === undefined || start === undefined) return { resetMs: null, resumeMs: null, reconnectMs: null, rangeStartBytes: null };
  const next = later.find((packets) => (packets[0]?.packet.timeEpochMs ?? -Infinity) >= reset.packet.timeEpochMs);
  const resumed = next === undefined ? undefined : bodyPackets(next)[0];
  const opened = next?.[0];
  // The new connection's request asks for the rest: "bytes=N-" (decrypted HTTP/2 headers).
  const range = /^bytes=(\d+)-/.exec(next?.find((p) => p.fromClient && p.packet.http2Range !== undefined)?.packet.http2Range ?? '');
  return {
    rangeStartBytes: range ? Number(range[1]) : null,
    resetMs: ms(reset.packet.timeEpochMs - start.packet.timeEpochMs),
    resumeMs: resumed ? ms(resumed.packet.timeEpochMs - reset.packet.timeEpochMs) : null,
    reconnectMs: resumed && opened ? ms(resumed.packet.timeEpochMs - opened.packet.timeEpochMs) : null,
  };
}

/** The migration sample's wire metrics, from its connections to its server, oldest first (absent where the wire cannot tell). */
export function migrationWireMetrics(connections: readonly ConnectionPackets[]): Record<string, number> {
  const metrics: Record<string, number> = {};
  const gap = longestBodyGapMs(connections);
  if (gap !== null) metrics.wireGapMs = gap;
  const first = connections[0];
  if (first === undefined || first.length === 0) return metrics;
  if (first[0]?.packet.transport === 'udp') {
    const { challenges, responseMs } = pathValidation(first);
    metrics.pathChallenges = challenges;
    if (responseMs !== null) metrics.pathValidationMs = responseMs;
  } else {
    const { resetMs, resumeMs, reconnectMs, rangeStartBytes } = resetAndResume(connections);
    if (rangeStartBytes !== null) metrics.wireRangeStartBytes = rangeStartBytes;
    if (resetMs !== null) metrics.wireResetMs = resetMs;
    if (resumeMs !== null) metrics.wireResumeMs = resumeMs;
    if (reconnectMs !== null) metrics.wireReconnectMs = reconnectMs;
  }
  return metrics;
}
