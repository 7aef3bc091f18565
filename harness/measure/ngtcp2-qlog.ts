// ngtcp2's qlog (JSON-SEQ, qlog 0.3 draft) -> typed events -> the timings of one exchange.
// Pure: text in, numbers out, so it is unit-tested on fixture files.
//
// ngtcp2 0.12 writes event times as whole milliseconds relative to the connection's start,
// so every timing here has a resolution of 1 ms (a difference of two truncated times is off
// by less than 1 ms either way).

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

/** Parses a JSON-SEQ qlog. A truncated last record (process killed mid-write) is dropped. */
export function parseQlog(text: string): QlogTrace {
  const records = text.split('\x1e').map((r) => r.trim()).filter((r) => r.length > 0);
  let vantagePoint: string | null = null;
  const events: QlogEvent[] = [];
  records.forEach((recordText, index) => {
    let record: unknown;
    try {
      record = JSON.parse(recordText);
    } catch (error) {
      if (index === records.length - 1) return;
      throw new Error(`qlog record ${index + 1} is not JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (!isObject(record)) return;
    if (isObject(record.trace)) {
      const vantage = record.trace.vantage_point;
      if (isObject(vantage)) vantagePoint = stringField(vantage, 'type') ?? null;
      return;
    }
    const event = parseEvent(record);
    if (event) events.push(event);
  });
  return { vantagePoint, events };
}

/** Tracks which byte ranges of a stream have arrived, to find when it is complete. */
class StreamReassembly {
  private contiguousEnd = 0;
  private pending: Array<[number, number]> = [];
  finalSize: number | null = null;

  add(offset: number, length: number, fin: boolean): void {
    if (fin) this.finalSize = offset + length;
    if (length === 0) return;
    this.pending.push([offset, offset + length]);
    this.pending.sort((a, b) => a[0] - b[0]);
    const rest: Array<[number, number]> = [];
    for (const [start, end] of this.pending) {
      if (start <= this.contiguousEnd) this.contiguousEnd = Math.max(this.contiguousEnd, end);
      else rest.push([start, end]);
    }
    this.pending = rest;
  }

  get complete(): boolean {
    return this.finalSize !== null && this.contiguousEnd >= this.finalSize;
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
   * counts protocol round trips only: ngtcp2 0.12 then paces its Finished and the request by
   * the initial RTT (see clientFinishedSentMs).
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

const TLS_ALERTS: Record<number, string> = {
  10: 'unexpected_message',
  20: 'bad_record_mac',
  40: 'handshake_failure',
  42: 'bad_certificate',
  43: 'unsupported_certificate',
  44: 'certificate_revoked',
  45: 'certificate_expired',
  46: 'certificate_unknown',
  47: 'illegal_parameter',
  48: 'unknown_ca',
  49: 'access_denied',
  50: 'decode_error',
  51: 'decrypt_error',
  70: 'protocol_version',
  80: 'internal_error',
  109: 'missing_extension',
  112: 'unrecognized_name',
  116: 'certificate_required',
  120: 'no_application_protocol',
};

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
