// ngtcp2's qlog (JSON-SEQ, qlog 0.3 draft) -> typed events -> the timings of one exchange,
// a transfer's stream bytes over time, and the sender's loss recovery. Pure: records in,
// numbers out, so it is unit-tested on fixture files (files are streamed in by
// qlog-files.ts).
//
// ngtcp2 (0.12 and 1.x alike: same format, event and frame names) writes event times as whole
// milliseconds relative to the connection's start, so every timing here has a resolution of 1 ms (a difference of two truncated times is off
// by less than 1 ms either way).
import { TLS_ALERTS } from '../../measure/tls-alerts.js';

export interface QlogFrame {
  frameType: string;
  streamId?: number;
  offset?: number;
  length?: number;
  fin?: boolean;
  errorSpace?: string;
  errorCode?: number;
}

export interface QlogPacketEvent {
  kind: 'packet_sent' | 'packet_received';
  timeMs: number;
  /** "initial", "handshake", "0RTT", "1RTT", ... as ngtcp2 names them. */
  packetType: string;
  packetNumber: number | null;
  sizeBytes: number | null;
  frames: QlogFrame[];
}

export interface QlogOtherEvent {
  kind: 'other';
  timeMs: number;
  name: string;
}

export type QlogEvent = QlogPacketEvent | QlogOtherEvent;

export interface QlogTrace {
  /** "client" or "server". */
  vantagePoint: string | null;
  events: QlogEvent[];
}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function numberField(object: JsonObject, key: string): number | undefined {
  const value = object[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function stringField(object: JsonObject, key: string): string | undefined {
  const value = object[key];
  return typeof value === 'string' ? value : undefined;
}

function parseFrame(raw: unknown): QlogFrame | null {
  if (!isObject(raw)) return null;
  const frameType = stringField(raw, 'frame_type');
  if (frameType === undefined) return null;
  const frame: QlogFrame = { frameType };
  const streamId = numberField(raw, 'stream_id');
  if (streamId !== undefined) frame.streamId = streamId;
  const offset = numberField(raw, 'offset');
  if (offset !== undefined) frame.offset = offset;
  const length = numberField(raw, 'length');
  if (length !== undefined) frame.length = length;
  if (raw.fin === true) frame.fin = true;
  const errorSpace = stringField(raw, 'error_space');
  if (errorSpace !== undefined) frame.errorSpace = errorSpace;
  const errorCode = numberField(raw, 'error_code');
  if (errorCode !== undefined) frame.errorCode = errorCode;
  return frame;
}

function parseEvent(record: JsonObject): QlogEvent | null {
  const timeMs = numberField(record, 'time');
  const name = stringField(record, 'name');
  if (timeMs === undefined || name === undefined) return null;
  if (name !== 'transport:packet_sent' && name !== 'transport:packet_received') return { kind: 'other', timeMs, name };
  const data = isObject(record.data) ? record.data : {};
  const header = isObject(data.header) ? data.header : {};
  const raw = isObject(data.raw) ? data.raw : {};
  const frames = Array.isArray(data.frames) ? data.frames.map(parseFrame).filter((f): f is QlogFrame => f !== null) : [];
  return {
    kind: name === 'transport:packet_sent' ? 'packet_sent' : 'packet_received',
    timeMs,
    packetType: stringField(header, 'packet_type') ?? 'unknown',
    packetNumber: numberField(header, 'packet_number') ?? null,
    sizeBytes: numberField(raw, 'length') ?? null,
    frames,
  };
}

// ngtcp2 writes each record as `{"time":T,"name":"N",...}`. Records other than packets are
// kept by time and name only, read from that prefix without JSON.parse: they are half of a
// bulk transfer's records (recovery:metrics_updated after every packet).
const OTHER_RECORD_PREFIX = /^\{"time":(\d+),"name":"([^"]+)"/;

/**
 * ngtcp2 (1.11 and its master alike) builds a packet's record in one buffer: the packet's start
 * resets it and writes `{"time":T,"name":"transport:packet_sent","data":{"frames":[`, each frame
 * is appended, and the end appends the header and writes the whole buffer. A packet that
 * carries only PADDING (seen from a server under loss: a 1-RTT padding packet after a Handshake
 * packet in one datagram) has its frame appended without a start, so the record written is the
 * latest packet's record again, then a newline and the padding packet's frames, header and
 * length. This rebuilds that packet from the record: named "packet_sent" (only the sending path
 * pads) at the time of the latest record before it (it went out at or after it; ngtcp2's times
 * are whole milliseconds anyway). Null when `text` is not that shape.
 */
export function repairUnstartedPacket(text: string, lastPacketRecord: string | null, latestTimeMs: number): string | null {
  if (lastPacketRecord === null || !text.startsWith(lastPacketRecord)) return null;
  const rest = text.slice(lastPacketRecord.length).trim();
  if (!rest.startsWith('{"frame_type":')) return null;
  return `{"time":${latestTimeMs},"name":"transport:packet_sent","data":{"frames":[${rest}`;
}

/**
 * Builds a trace from JSON-SEQ records one at a time, so a large qlog can be streamed from
 * its file (qlog-files.ts) instead of held as one string. A truncated last
 * record (process killed mid-write) is dropped; ngtcp2's record of a packet that carries only
 * padding is rebuilt (repairUnstartedPacket); any other broken record is an error.
 */
export class QlogTraceBuilder {
  private vantagePoint: string | null = null;
  private readonly events: QlogEvent[] = [];
  private pending: string | null = null;
  private records = 0;
  /** The text of the latest packet record added: what ngtcp2 writes again before an unstarted packet. */
  private lastPacketRecord: string | null = null;
  /** Records rebuilt by repairUnstartedPacket. */
  repairedRecords = 0;

  /** One record: the text between two 0x1e separators. Blank text is ignored. */
  push(recordText: string): void {
    const text = recordText.trim();
    if (text.length === 0) return;
    if (this.pending !== null) this.add(this.pending, false);
    this.pending = text;
    this.records++;
  }

  finish(): QlogTrace {
    if (this.pending !== null) this.add(this.pending, true);
    this.pending = null;
    return { vantagePoint: this.vantagePoint, events: this.events };
  }

  private add(text: string, last: boolean): void {
    const prefix = OTHER_RECORD_PREFIX.exec(text);
    if (prefix && !prefix[2]?.startsWith('transport:packet_') && text.endsWith('}')) {
      this.events.push({ kind: 'other', timeMs: Number(prefix[1]), name: prefix[2] ?? '' });
      return;
    }
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch (error) {
      const repaired = repairUnstartedPacket(text, this.lastPacketRecord, this.events.at(-1)?.timeMs ?? 0);
      if (repaired !== null) {
        this.repairedRecords++;
        this.add(repaired, last);
        this.lastPacketRecord = text; // what ngtcp2's buffer holds now, should another follow
        return;
      }
      if (last) return;
      // `records` still counts up to the record being added (the next one is not counted yet).
      const shown = text.length > 300 ? `${text.slice(0, 300)}...` : text;
      throw new Error(`qlog record ${this.records} is not JSON: ${error instanceof Error ? error.message : String(error)}: ${shown}`, { cause: error });
    }
    if (!isObject(record)) return;
    if (isObject(record.trace)) {
      const vantage = record.trace.vantage_point;
      if (isObject(vantage)) this.vantagePoint = stringField(vantage, 'type') ?? null;
      return;
    }
    const event = parseEvent(record);
    if (event === null) return;
    this.events.push(event);
    if (event.kind !== 'other') this.lastPacketRecord = text;
  }
}

/** Parses a JSON-SEQ qlog held in memory (see QlogTraceBuilder). */
export function parseQlog(text: string): QlogTrace {
  const builder = new QlogTraceBuilder();
  for (const record of text.split('\x1e')) builder.push(record);
  return builder.finish();
}

/**
 * Byte ranges of one stream, kept merged and sorted: whole transfers add tens of thousands
 * of ranges, and the set stays as short as the holes in it (losses), not as the ranges added.
 */
export class RangeSet {
  /** Disjoint, non-adjacent [start, end) ranges in order. */
  private readonly ranges: Array<[number, number]> = [];

  /** Bytes of [start, end) already in the set. */
  overlap(start: number, end: number): number {
    let covered = 0;
    for (let i = this.firstEndingAfter(start); i < this.ranges.length; i++) {
      const [s, e] = this.ranges[i] as [number, number];
      if (s >= end) break;
      covered += Math.min(e, end) - Math.max(s, start);
    }
    return covered;
  }

  add(start: number, end: number): void {
    if (end <= start) return;
    const first = this.firstEndingAfter(start - 1); // also merges a range ending exactly at start
    let last = first;
    let newStart = start;
    let newEnd = end;
    while (last < this.ranges.length && (this.ranges[last] as [number, number])[0] <= end) {
      const [s, e] = this.ranges[last] as [number, number];
      newStart = Math.min(newStart, s);
      newEnd = Math.max(newEnd, e);
      last++;
    }
    this.ranges.splice(first, last - first, [newStart, newEnd]);
  }

  /** Where the bytes from 0 on are contiguous up to. */
  get contiguousEnd(): number {
    const head = this.ranges[0];
    return head !== undefined && head[0] === 0 ? head[1] : 0;
  }

  /** Index of the first range whose end is past `offset` (binary search). */
  private firstEndingAfter(offset: number): number {
    let low = 0;
    let high = this.ranges.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((this.ranges[mid] as [number, number])[1] <= offset) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}

/** Tracks which byte ranges of a stream have arrived, to find when it is complete. */
class StreamReassembly {
  private readonly received = new RangeSet();
  finalSize: number | null = null;

  add(offset: number, length: number, fin: boolean): void {
    if (fin) this.finalSize = offset + length;
    this.received.add(offset, offset + length);
  }

  get contiguousEnd(): number {
    return this.received.contiguousEnd;
  }

  get complete(): boolean {
    return this.finalSize !== null && this.received.contiguousEnd >= this.finalSize;
  }
}

export interface ConnectionCloseInfo {
  /** Who sent the CONNECTION_CLOSE. */
  by: 'local' | 'remote';
  timeMs: number;
  errorSpace: string;
  errorCode: number;
  /** Human-readable reason: TLS alerts are named. */
  reason: string;
}

/** Everything below is in ms from the client's first Initial packet sent. */
export interface ClientQlogTimings {
  /**
   * The client's TLS handshake completed: the packet that finished the server's Handshake
   * flight (its last Handshake packet with CRYPTO before the client sent its own Finished)
   * arrived. That is when the client's TLS stack has verified the server's Finished and
   * produced its own (RFC 9001 4.1.1), and what a TCP+TLS client's secureConnect marks. It
   * counts protocol round trips only: ngtcp2 0.12 then paced its Finished and the request by
   * the initial RTT (see clientFinishedSentMs); 1.x sends them at once.
   */
  handshakeMs: number | null;
  /** The client sent its Finished (first client Handshake packet carrying CRYPTO). */
  clientFinishedSentMs: number | null;
  /** The client received HANDSHAKE_DONE: the handshake is confirmed (RFC 9001 4.1.2). */
  handshakeConfirmedMs: number | null;
  /** First packet received carrying data of the request stream (the response HEADERS). */
  ttfbMs: number | null;
  /** The request stream's data is all in, up to its FIN. */
  totalMs: number | null;
  /** Final size of the request stream as received: HTTP/3 frames, so body plus framing. */
  responseStreamBytes: number | null;
  packetsSent: number;
  /** 0-RTT packets the client sent (early data: a resumed request before the handshake). */
  zeroRttPacketsSent: number;
  packetsReceived: number;
  packetsLost: number;
  close: ConnectionCloseInfo | null;
}

const TRANSPORT_ERRORS: Record<number, string> = {
  0x0: 'NO_ERROR',
  0x1: 'INTERNAL_ERROR',
  0x2: 'CONNECTION_REFUSED',
  0x3: 'FLOW_CONTROL_ERROR',
  0x7: 'FRAME_ENCODING_ERROR',
  0x8: 'TRANSPORT_PARAMETER_ERROR',
  0xa: 'PROTOCOL_VIOLATION',
  0xd: 'CRYPTO_BUFFER_EXCEEDED',
};

/** Names a CONNECTION_CLOSE code: 0x100-0x1ff carry a TLS alert (RFC 9001 4.8). */
export function describeCloseCode(errorSpace: string, errorCode: number): string {
  if (errorSpace === 'application') return `application error 0x${errorCode.toString(16)}`;
  if (errorCode >= 0x100 && errorCode <= 0x1ff) {
    const alert = errorCode - 0x100;
    return `TLS alert ${alert} (${TLS_ALERTS[alert] ?? 'unknown'})`;
  }
  return `transport error 0x${errorCode.toString(16)} (${TRANSPORT_ERRORS[errorCode] ?? 'unknown'})`;
}

/** HTTP/3 closes a finished connection with H3_NO_ERROR (0x100 in the application space). */
function isCleanClose(errorSpace: string, errorCode: number): boolean {
  return errorSpace === 'application' ? errorCode === 0x100 : errorCode === 0;
}

/**
 * Timings of one request on a fresh connection, from the client's qlog.
 * `requestStreamId` is the request's stream: 0 for the first client-initiated bidi stream.
 */
export function clientTimings(trace: QlogTrace, requestStreamId = 0): ClientQlogTimings {
  const packets = trace.events.filter((e): e is QlogPacketEvent => e.kind !== 'other');
  const firstInitial = packets.find((p) => p.kind === 'packet_sent' && p.packetType === 'initial');
  const result: ClientQlogTimings = {
    handshakeMs: null,
    clientFinishedSentMs: null,
    handshakeConfirmedMs: null,
    ttfbMs: null,
    totalMs: null,
    responseStreamBytes: null,
    packetsSent: packets.filter((p) => p.kind === 'packet_sent').length,
    zeroRttPacketsSent: packets.filter((p) => p.kind === 'packet_sent' && p.packetType === '0RTT').length,
    packetsReceived: packets.filter((p) => p.kind === 'packet_received').length,
    packetsLost: trace.events.filter((e) => e.kind === 'other' && e.name === 'recovery:packet_lost').length,
    close: null,
  };
  if (!firstInitial) return result;
  const origin = firstInitial.timeMs;
  const stream = new StreamReassembly();
  let lastServerHandshakeCryptoMs: number | null = null;

  for (const packet of packets) {
    const at = packet.timeMs - origin;
    if (packet.kind === 'packet_sent') {
      if (result.clientFinishedSentMs === null && packet.packetType === 'handshake' && packet.frames.some((f) => f.frameType === 'crypto')) {
        result.clientFinishedSentMs = at;
        result.handshakeMs = lastServerHandshakeCryptoMs;
      }
    } else {
      if (result.clientFinishedSentMs === null && packet.packetType === 'handshake' && packet.frames.some((f) => f.frameType === 'crypto')) {
        lastServerHandshakeCryptoMs = at;
      }
      if (result.handshakeConfirmedMs === null && packet.frames.some((f) => f.frameType === 'handshake_done')) {
        result.handshakeConfirmedMs = at;
      }
      for (const frame of packet.frames) {
        if (frame.frameType !== 'stream' || frame.streamId !== requestStreamId) continue;
        if (result.ttfbMs === null) result.ttfbMs = at;
        stream.add(frame.offset ?? 0, frame.length ?? 0, frame.fin === true);
      }
      if (result.totalMs === null && stream.complete) {
        result.totalMs = at;
        result.responseStreamBytes = stream.finalSize;
      }
    }
    if (result.close === null) {
      const close = packet.frames.find((f) => f.frameType === 'connection_close');
      if (close) {
        const errorSpace = close.errorSpace ?? 'transport';
        const errorCode = close.errorCode ?? 0;
        result.close = {
          by: packet.kind === 'packet_sent' ? 'local' : 'remote',
          timeMs: at,
          errorSpace,
          errorCode,
          reason: isCleanClose(errorSpace, errorCode) ? 'no error' : describeCloseCode(errorSpace, errorCode),
        };
      }
    }
  }
  return result;
}

// ---------------------------------------------------------------------------------------
// Transfers. Stream offsets here are HTTP/3 frames (HEADERS, DATA headers and body bytes):
// the qlog knows no HTTP/3. Mapping offsets to body bytes is the endpoints' business, since
// it depends on how each program frames its messages (h3-framing.ts).

/** How one stream's bytes moved, in ms from the client's first Initial sent. */
export interface StreamTransfer {
  /** First packet carrying bytes of the stream past `fromOffset` (received, or sent). */
  startMs: number | null;
  /**
   * Received: the stream is complete, every byte up to its FIN in (the last byte of the
   * response). Sent: the first packet received on the stream, the peer's answer.
   */
  endMs: number | null;
  /** Received: the stream's final size once complete. Sent: highest offset sent (FIN or not). */
  streamBytes: number | null;
  /**
   * With `progress`: [ms, stream bytes] where the bytes grew: received, the in-order bytes
   * (what the application can read); sent, the highest offset sent so far. At most one point
   * per ms (qlog times are whole ms): the value at the end of that ms.
   */
  progress?: Array<[number, number]>;
}

export interface StreamTransferOptions {
  /** Default 0: the first client-initiated bidirectional stream, the request's. */
  streamId?: number;
  /** The first offset that counts for startMs (e.g. past the HEADERS frame). Default 0. */
  fromOffset?: number;
  progress?: boolean;
}

function packetEvents(trace: QlogTrace): QlogPacketEvent[] {
  return trace.events.filter((e): e is QlogPacketEvent => e.kind !== 'other');
}

/** Time origin of every client timing: the first Initial sent. */
function clientOrigin(packets: readonly QlogPacketEvent[]): number | null {
  return packets.find((p) => p.kind === 'packet_sent' && p.packetType === 'initial')?.timeMs ?? null;
}

/** Appends [ms, bytes], or replaces the last point when it is of the same ms. */
function addPoint(series: Array<[number, number]>, ms: number, bytes: number): void {
  const last = series[series.length - 1];
  if (last !== undefined && last[0] === ms) last[1] = bytes;
  else series.push([ms, bytes]);
}

function streamFrames(packet: QlogPacketEvent, streamId: number): QlogFrame[] {
  return packet.frames.filter((f) => f.frameType === 'stream' && f.streamId === streamId);
}

/** A download as the receiver saw it: the response arriving on the request stream. */
export function receivedStreamTransfer(trace: QlogTrace, options: StreamTransferOptions = {}): StreamTransfer {
  const { streamId = 0, fromOffset = 0 } = options;
  const packets = packetEvents(trace);
  const origin = clientOrigin(packets);
  const result: StreamTransfer = { startMs: null, endMs: null, streamBytes: null, ...(options.progress ? { progress: [] } : {}) };
  if (origin === null) return result;
  const stream = new StreamReassembly();
  for (const packet of packets) {
    if (packet.kind !== 'packet_received') continue;
    const frames = streamFrames(packet, streamId);
    if (frames.length === 0) continue;
    const at = packet.timeMs - origin;
    const before = stream.contiguousEnd;
    for (const frame of frames) {
      const offset = frame.offset ?? 0;
      const length = frame.length ?? 0;
      if (result.startMs === null && offset + length > fromOffset) result.startMs = at;
      stream.add(offset, length, frame.fin === true);
    }
    if (result.progress && stream.contiguousEnd > before) addPoint(result.progress, at, stream.contiguousEnd);
    if (stream.complete) {
      result.endMs = at;
      result.streamBytes = stream.finalSize;
      break;
    }
  }
  return result;
}

/** An upload as the sender saw it: the request stream leaving, then the response's first packet. */
export function sentStreamTransfer(trace: QlogTrace, options: StreamTransferOptions = {}): StreamTransfer {
  const { streamId = 0, fromOffset = 0 } = options;
  const packets = packetEvents(trace);
  const origin = clientOrigin(packets);
  const result: StreamTransfer = { startMs: null, endMs: null, streamBytes: null, ...(options.progress ? { progress: [] } : {}) };
  if (origin === null) return result;
  let highest = 0;
  for (const packet of packets) {
    const frames = streamFrames(packet, streamId);
    if (frames.length === 0) continue;
    const at = packet.timeMs - origin;
    if (packet.kind === 'packet_received') {
      // The server answers only once it has the whole request body (gtlsserver without
      // --early-response), so its first bytes mark the upload's end.
      result.endMs = at;
      break;
    }
    const before = highest;
    for (const frame of frames) {
      const end = (frame.offset ?? 0) + (frame.length ?? 0);
      if (result.startMs === null && end > fromOffset) result.startMs = at;
      highest = Math.max(highest, end);
    }
    if (result.progress && highest > before) addPoint(result.progress, at, highest);
  }
  result.streamBytes = highest;
  return result;
}

/** Loss recovery as the sending side's qlog tells it (the server's for a download, the client's for an upload). */
export interface SenderRecovery {
  packetsSent: number;
  /** Packets the sender declared lost (recovery:packet_lost): by ack gaps or by time. */
  packetsLost: number;
  /** Distinct STREAM bytes sent, all streams. */
  streamBytesSent: number;
  /** STREAM bytes sent at offsets sent before (retransmissions, spurious ones and PTO probes included). */
  retransmittedStreamBytes: number;
  /** The same per stream id. */
  retransmittedStreamBytesByStream: Record<number, number>;
  /** Packets carrying at least one such byte: QUIC resends frames, not packets, so these are its retransmissions. */
  retransmittedPackets: number;
}

export function senderRecovery(trace: QlogTrace): SenderRecovery {
  const sent = new Map<number, RangeSet>();
  const result: SenderRecovery = {
    packetsSent: 0,
    packetsLost: 0,
    streamBytesSent: 0,
    retransmittedStreamBytes: 0,
    retransmittedStreamBytesByStream: {},
    retransmittedPackets: 0,
  };
  for (const event of trace.events) {
    if (event.kind === 'other') {
      if (event.name === 'recovery:packet_lost') result.packetsLost++;
      continue;
    }
    if (event.kind !== 'packet_sent') continue;
    result.packetsSent++;
    let retransmits = false;
    for (const frame of event.frames) {
      if (frame.frameType !== 'stream' || frame.streamId === undefined) continue;
      const start = frame.offset ?? 0;
      const end = start + (frame.length ?? 0);
      let ranges = sent.get(frame.streamId);
      if (ranges === undefined) sent.set(frame.streamId, (ranges = new RangeSet()));
      const again = ranges.overlap(start, end);
      if (again > 0) {
        retransmits = true;
        result.retransmittedStreamBytes += again;
        result.retransmittedStreamBytesByStream[frame.streamId] = (result.retransmittedStreamBytesByStream[frame.streamId] ?? 0) + again;
      }
      result.streamBytesSent += end - start - again;
      ranges.add(start, end);
    }
    if (retransmits) result.retransmittedPackets++;
  }
  return result;
}
