// A bulk TCP flow's goodput as the wire shows it, defined as the scenarios' wire goodput is:
// the payload of the data connection over the time from its first to its last
// payload-carrying packet, in one direction. Bytes are the sequence range the packets
// cover, so a retransmission counts once (a capture before the link sees lost packets and
// their retransmissions both).
import type { TcpSegment } from '../capture/tcp-segments.js';
import type { TcpReferenceWire } from '../results/link.js';

const SEQUENCE_SPACE = 2 ** 32;

/** Disjoint [start, end) byte ranges; add() says how many bytes were new. */
class ByteRanges {
  private ranges: Array<[number, number]> = [];

  add(start: number, end: number): number {
    if (end <= start) return 0;
    let added = end - start;
    let [mergedStart, mergedEnd] = [start, end];
    const kept: Array<[number, number]> = [];
    for (const [s, e] of this.ranges) {
      if (e < mergedStart || s > mergedEnd) {
        kept.push([s, e]);
        continue;
      }
      added -= Math.max(0, Math.min(e, end) - Math.max(s, start));
      mergedStart = Math.min(mergedStart, s);
      mergedEnd = Math.max(mergedEnd, e);
    }
    kept.push([mergedStart, mergedEnd]);
    this.ranges = kept.sort((a, b) => a[0] - b[0]);
    return added;
  }
}

/**
 * The flow of `segments` that carried the most payload in the direction `inDirection` picks,
 * measured on the wire; `skipBytes` at the start of its byte stream are not data (iperf3's
 * cookie). Null when fewer than two such packets were captured.
 */
export function bulkFlowOnWire(segments: readonly TcpSegment[], inDirection: (segment: TcpSegment) => boolean, skipBytes = 0): TcpReferenceWire | null {
  const directed = segments.filter(inDirection);
  const bytesByStream = new Map<number, number>();
  for (const s of directed) bytesByStream.set(s.stream, (bytesByStream.get(s.stream) ?? 0) + s.payloadBytes);
  const largest = [...bytesByStream].sort((a, b) => b[1] - a[1])[0];
  if (largest === undefined || largest[1] === 0) return null;
  const flow = directed.filter((s) => s.stream === largest[0]).sort((a, b) => a.timeEpochMs - b.timeEpochMs);
  // Offsets in the byte stream: from the SYN's sequence number + 1 when captured, else from the first payload.
  const syn = flow.find((s) => s.syn);
  const firstPayload = flow.find((s) => s.payloadBytes > 0) as TcpSegment;
  const base = syn !== undefined ? syn.seq + 1 : firstPayload.seq;
  let highest = 0;
  const ranges = new ByteRanges();
  let first: number | undefined;
  let last = 0;
  let packets = 0;
  let repeatedPackets = 0;
  let payloadBytes = 0;
  for (const s of flow) {
    if (s.payloadBytes === 0) continue;
    // Unwrap the 32-bit sequence number to the offset nearest the highest seen so far.
    const wrapped = (((s.seq - base) % SEQUENCE_SPACE) + SEQUENCE_SPACE) % SEQUENCE_SPACE;
    const offset = wrapped + Math.round((highest - wrapped) / SEQUENCE_SPACE) * SEQUENCE_SPACE;
    const end = offset + s.payloadBytes;
    if (end <= skipBytes) continue;
    highest = Math.max(highest, end);
    first ??= s.timeEpochMs;
    last = s.timeEpochMs;
    packets++;
    const added = ranges.add(Math.max(offset, skipBytes), end);
    if (added === 0) repeatedPackets++;
    payloadBytes += added;
  }
  const firstToLastMs = first === undefined ? 0 : last - first;
  if (firstToLastMs <= 0) return null;
  return {
    goodputBitsPerSecond: (payloadBytes * 8) / (firstToLastMs / 1000),
    payloadBytes,
    firstToLastMs: Number(firstToLastMs.toFixed(3)),
    packets,
    repeatedPackets,
  };
}
