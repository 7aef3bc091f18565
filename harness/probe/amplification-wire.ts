// The anti-amplification limit as the wire shows it on the probe's cold QUIC handshake: how
// much the server sent before it stopped to wait for the client, and whether it sent more only
// after another client datagram. Pure: the connection's packets (capture order, taken where
// the probe's client runs) in, numbers out.
//
// The capture is on the client's side, so a client datagram in it left before any server
// datagram listed after it arrived, not necessarily before the server sent that one. Hence the
// wait is read from bytes, as RFC 9000 section 8.1 bounds them: a server may send 3 x what it
// received before it validates the client's address. When its UDP bytes pass 3 x the client's
// bytes sent before the server's first datagram, the server must have had a later client
// datagram first (a client datagram lies in between: it waited), or it broke the limit (none
// does). The pause around the wait is given too: on a link with a real RTT it is about one.
import type { DirectedPacket, WireConnection } from '../capture/wire-analysis.js';

/** RFC 9000 section 8.1. */
const AMPLIFICATION_FACTOR = 3;

export interface AmplificationObservation {
  observed: true;
  /** UDP payload bytes the client sent before the server's first datagram (its Initial: 1200 or more). */
  clientBytesBefore: number;
  /** 3 x clientBytesBefore. */
  limitBytes: number;
  /** UDP payload bytes and datagrams of the server before it waited for the client (all of its handshake flight when it did not wait). */
  serverBytesBeforeFirstWait: number;
  serverDatagramsBeforeFirstWait: number;
  /** The server's UDP payload bytes up to and including the datagram completing its Finished; null when that was not seen. */
  serverHandshakeBytes: number | null;
  /** The server sent more only after another client datagram: the limit cost a round trip. */
  waitedForClient: boolean;
  /** At the client: from the server's last datagram before the wait to its first after it. */
  waitMs: number | null;
  /** The server sent past the limit with no client datagram in between: it does not keep to RFC 9000 section 8.1. */
  limitIgnored: boolean;
  /** Times the client waited for the server before it had the server's Finished (wire-analysis.ts countHandshakeRounds, at least 2 after a wait); null when the Finished was not read. */
  handshakeRoundTripsOnWire: number | null;
  /** From the client's first Initial to the server datagram completing the Finished, as captured. */
  handshakeMsOnWire: number | null;
  notes: string[];
}

export interface AmplificationNotObserved {
  observed: false;
  /** Why not: no capture tool, not root, the handshake was not in the capture... */
  reason: string;
}

export type AmplificationWire = AmplificationObservation | AmplificationNotObserved;

const round3 = (value: number): number => Math.round(value * 1000) / 1000;

export function observeAmplification(connection: WireConnection, packets: readonly DirectedPacket[]): AmplificationWire {
  const firstServer = packets.findIndex((d) => !d.fromClient);
  if (packets[0]?.fromClient !== true || !packets[0].packet.quicLongPacketTypes.includes('initial')) {
    return { observed: false, reason: "the capture does not start with the client's Initial" };
  }
  if (firstServer < 0) return { observed: false, reason: 'the server sent nothing on the captured connection' };
  const finished = connection.frames.serverFinished;
  const end = finished === null ? packets.length : packets.findIndex((d) => d.packet.frame === finished) + 1;
  const window = packets.slice(0, end > 0 ? end : packets.length);
  const notes = finished === null ? ["the server's Finished was not read (see the capture's notes): the whole connection was looked at, handshake round trips not counted"] : [];
  if (window.some((d) => !d.fromClient && d.packet.quicLongPacketTypes.includes('retry'))) notes.push('the server sent a Retry: its later flight counts against the second Initial as well');

  const clientBytesBefore = window.slice(0, firstServer).reduce((sum, d) => sum + d.packet.payloadBytes, 0);
  const limitBytes = AMPLIFICATION_FACTOR * clientBytesBefore;
  let serverBytes = 0;
  let serverDatagrams = 0;
  let lastServerAtMs: number | null = null;
  let clientSince = false;
  let limitIgnored = false;
  let wait: { bytes: number; datagrams: number; waitMs: number } | null = null;
  for (const { packet, fromClient } of window.slice(firstServer)) {
    if (fromClient) {
      clientSince = true;
      continue;
    }
    if (wait === null && !limitIgnored && serverBytes + packet.payloadBytes > limitBytes) {
      if (clientSince) wait = { bytes: serverBytes, datagrams: serverDatagrams, waitMs: round3(packet.timeEpochMs - (lastServerAtMs ?? packet.timeEpochMs)) };
      else limitIgnored = true;
    }
    serverBytes += packet.payloadBytes;
    serverDatagrams++;
    lastServerAtMs = packet.timeEpochMs;
  }
  // wire-analysis.ts counts a wait only when the server's bytes pass 3 x every client byte on
  // the wire before the pause, the client's ACKs of the server's first datagrams included. At a
  // sub-millisecond RTT those ACKs are captured before the rest of the server's burst arrives,
  // though the server sent the burst without them, and the count stays at 1. A flight past
  // 3 x the client's first flight proves the wait, so it is at least 2 then.
  const rounds = connection.handshakeRounds === null ? null : Math.max(connection.handshakeRounds, wait !== null ? 2 : 1);
  if (rounds !== connection.handshakeRounds) notes.push(`the capture's round count (${connection.handshakeRounds}) credited the server with client datagrams it sent its first flight without: ${rounds} round trips`);
  if (limitIgnored) notes.push(`the server sent more than 3 x ${clientBytesBefore} = ${limitBytes} bytes before any further client datagram`);
  return {
    observed: true,
    clientBytesBefore,
    limitBytes,
    serverBytesBeforeFirstWait: wait?.bytes ?? serverBytes,
    serverDatagramsBeforeFirstWait: wait?.datagrams ?? serverDatagrams,
    serverHandshakeBytes: finished === null ? null : serverBytes,
    waitedForClient: wait !== null,
    waitMs: wait?.waitMs ?? null,
    limitIgnored,
    handshakeRoundTripsOnWire: rounds,
    handshakeMsOnWire: connection.handshakeMs,
    notes,
  };
}
