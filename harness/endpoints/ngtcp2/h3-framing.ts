// Where the body sits on an HTTP/3 request stream as ngtcp2's example programs write it, so
// the qlog's stream offsets (HEADERS and DATA frame headers included) become body bytes. The
// qlog has no HTTP/3 events; the layout follows from the stream's final size and the body
// size, and is used only when those leave a HEADERS frame of plausible size.
//
// A message is a HEADERS frame, then DATA frames: type (1 byte), length (varint), payload
// (RFC 9114 7.1). What the programs do (0.12, checked with gtlsclient's stream dump and the
// final sizes in the qlogs):
// - gtlsserver answers "/N" in DATA frames of 16 KiB payload, the last one shorter: its read
//   callback fills one 16 KiB buffer per call and nghttp3 makes a frame of each call. A 16384
//   length takes a 4-byte varint, so each full frame costs 5 bytes of framing.
// - gtlsclient sends --data as a single DATA frame: its read callback hands over the whole file.
// - gtlsserver answers a file (how the lab serves "/N" now: server.ts) the same way, in one
//   DATA frame; its dynamic filler (16 KiB frames) is what older runs and other servers' layouts
//   are matched against first.

/** gtlsserver's DATA frame payload (its dynamic-content buffer). */
export const GTLSSERVER_DATA_PAYLOAD_BYTES = 16 * 1024;

/**
 * A HEADERS frame longer than this is not believed: the lab's messages carry a handful of
 * fields (about 13-20 bytes with QPACK), so a larger remainder means the framing is not the
 * one assumed here.
 */
const MAX_PLAUSIBLE_HEADERS_FRAME_BYTES = 1024;
/** Type, a 1-byte length and QPACK's 2-byte prefix. */
const MIN_HEADERS_FRAME_BYTES = 4;

/** Length of a QUIC variable-length integer (RFC 9000 16). */
export function varintBytes(value: number): number {
  if (value < 2 ** 6) return 1;
  if (value < 2 ** 14) return 2;
  if (value < 2 ** 30) return 4;
  return 8;
}

function dataFrameHeaderBytes(payloadBytes: number): number {
  return 1 + varintBytes(payloadBytes);
}

/** HTTP/3 framing around `bodyBytes` when sent in DATA frames of `payloadBytes` (the last shorter). */
export function dataFramingBytes(bodyBytes: number, payloadBytes: number): number {
  const full = Math.floor(bodyBytes / payloadBytes);
  const rest = bodyBytes - full * payloadBytes;
  return full * dataFrameHeaderBytes(payloadBytes) + (rest > 0 ? dataFrameHeaderBytes(rest) : 0);
}

/** Turns stream offsets of one message into body bytes. */
export interface BodyOnStream {
  /** Stream offset of the body's first byte. */
  firstBodyOffset: number;
  /** Body bytes among the stream's first `streamBytes` bytes. */
  bodyBytesWithin(streamBytes: number): number;
  /**
   * True when the layout was recognised and the mapping is exact; false for the fallback,
   * which spreads the framing evenly (body = stream bytes x body / final size, off by at most
   * the framing, 0.03% of a large body; never more than the stream bytes) and takes the body
   * to start at offset 0.
   */
  exact: boolean;
}

/**
 * The body within a message stream of `streamBytes` (final size) carrying `bodyBytes` in DATA
 * frames of `payloadBytes` (gtlsclient's upload: pass bodyBytes, one frame).
 */
export function bodyOnStream(streamBytes: number, bodyBytes: number, payloadBytes: number): BodyOnStream {
  const headersBytes = bodyBytes > 0 ? streamBytes - bodyBytes - dataFramingBytes(bodyBytes, payloadBytes) : -1;
  if (headersBytes < MIN_HEADERS_FRAME_BYTES || headersBytes > MAX_PLAUSIBLE_HEADERS_FRAME_BYTES) {
    // A stream shorter than the body (an upload cut short) carries at most its own bytes.
    const carried = Math.min(bodyBytes, streamBytes);
    return {
      firstBodyOffset: 0,
      bodyBytesWithin: (n) => (streamBytes > 0 ? Math.floor((Math.min(n, streamBytes) * carried) / streamBytes) : 0),
      exact: false,
    };
  }
  const fullFrames = Math.floor(bodyBytes / payloadBytes);
  const fullHeader = dataFrameHeaderBytes(payloadBytes);
  const fullFrameBytes = fullHeader + payloadBytes;
  const rest = bodyBytes - fullFrames * payloadBytes;
  return {
    firstBodyOffset: headersBytes + (fullFrames > 0 ? fullHeader : dataFrameHeaderBytes(rest)),
    bodyBytesWithin(n: number): number {
      const framed = n - headersBytes;
      if (framed <= 0) return 0;
      if (framed < fullFrames * fullFrameBytes) {
        const frames = Math.floor(framed / fullFrameBytes);
        return frames * payloadBytes + Math.max(0, framed - frames * fullFrameBytes - fullHeader);
      }
      const inLast = framed - fullFrames * fullFrameBytes - (rest > 0 ? dataFrameHeaderBytes(rest) : 0);
      return fullFrames * payloadBytes + Math.max(0, Math.min(rest, inLast));
    },
    exact: true,
  };
}

/**
 * The body of a response from gtlsserver: 16 KiB frames (its dynamic filler) when that layout
 * fits, else one frame (a file it serves). Both agree up to 16 KiB, and a one-frame stream read
 * as 16 KiB frames leaves too short a HEADERS frame from 32 KiB on; in between the offsets
 * may be off by a few bytes of framing, never the body's size.
 */
export function responseBodyOnStream(streamBytes: number, bodyBytes: number): BodyOnStream {
  const framed = bodyOnStream(streamBytes, bodyBytes, GTLSSERVER_DATA_PAYLOAD_BYTES);
  if (framed.exact || bodyBytes === 0) return framed;
  const single = bodyOnStream(streamBytes, bodyBytes, bodyBytes);
  return single.exact ? single : framed;
}

/**
 * A stream-bytes series ([ms, stream bytes], from the qlog) as body bytes: points that add
 * no body byte (the HEADERS frame alone, a DATA frame header) are dropped, so each point
 * still marks new body bytes.
 */
export function bodyProgress(streamProgress: ReadonlyArray<readonly [number, number]>, body: BodyOnStream): Array<[number, number]> {
  const series: Array<[number, number]> = [];
  let previous = 0;
  for (const [ms, streamBytes] of streamProgress) {
    const bytes = body.bodyBytesWithin(streamBytes);
    if (bytes <= previous) continue;
    series.push([ms, bytes]);
    previous = bytes;
  }
  return series;
}
