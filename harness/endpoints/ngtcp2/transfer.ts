// The body of one gtlsclient exchange, from its qlog: when it started and ended, its bytes
// over time, and (uploads, where the client is the sender) its retransmissions. The qlog
// counts request-stream bytes, HTTP/3 framing included; every number here is body bytes
// (h3-framing.ts), as a TCP client would count them.
import { receivedStreamTransfer, senderRecovery, sentStreamTransfer, type QlogTrace } from './qlog.js';
import { bodyOnStream, bodyProgress, responseBodyOnStream } from './h3-framing.js';
import type { ExchangeTimings } from '../types.js';

export type TransferTimings = Pick<ExchangeTimings, 'bodyStartMs' | 'bodyEndMs' | 'uploadedBytes' | 'progress' | 'retransmittedPackets' | 'retransmittedBytes'>;

function present<K extends string>(key: K, value: number | null): Partial<Record<K, number>> {
  return value === null ? {} : ({ [key]: value } as Record<K, number>);
}

/**
 * A download: bodyStartMs is the first packet carrying a body byte (past the HEADERS frame
 * and the first DATA frame header: gtlsserver sends them together with body bytes, so this
 * is usually ttfbMs), bodyEndMs the packet that completed the response (totalMs). When the
 * stream's layout is not recognised, the body is taken to start with the stream (ttfbMs).
 * Retransmissions are the server's to tell (Ngtcp2Server.latestConnectionRecovery).
 */
export function downloadTransfer(trace: QlogTrace, options: { bodyBytes: number; responseStreamBytes: number | null; progress: boolean }): TransferTimings {
  if (options.bodyBytes === 0 || options.responseStreamBytes === null) return {};
  const body = responseBodyOnStream(options.responseStreamBytes, options.bodyBytes);
  const stream = receivedStreamTransfer(trace, { fromOffset: body.firstBodyOffset, progress: options.progress });
  return {
    ...present('bodyStartMs', stream.startMs),
    ...present('bodyEndMs', stream.endMs),
    ...(stream.progress ? { progress: bodyProgress(stream.progress, body) } : {}),
  };
}

/**
 * An upload (gtlsclient --data: one DATA frame after the request's HEADERS): bodyStartMs is
 * the first packet sent with a body byte, bodyEndMs the first response packet (gtlsserver
 * answers once it has the whole body), uploadedBytes the body bytes the qlog shows sent.
 */
export function uploadTransfer(trace: QlogTrace, options: { bodyBytes: number; progress: boolean }): TransferTimings {
  // The layout needs the request stream's final size, which only the whole trace tells: a
  // first pass finds it (a pass over a 100 MB upload's trace takes milliseconds).
  const streamBytes = sentStreamTransfer(trace).streamBytes ?? 0;
  const body = bodyOnStream(streamBytes, options.bodyBytes, options.bodyBytes);
  const stream = sentStreamTransfer(trace, { fromOffset: body.firstBodyOffset, progress: options.progress });
  const recovery = senderRecovery(trace);
  return {
    ...present('bodyStartMs', stream.startMs),
    ...present('bodyEndMs', stream.endMs),
    uploadedBytes: body.bodyBytesWithin(streamBytes),
    ...(stream.progress ? { progress: bodyProgress(stream.progress, body) } : {}),
    retransmittedPackets: recovery.retransmittedPackets,
    retransmittedBytes: recovery.retransmittedStreamBytes,
  };
}
