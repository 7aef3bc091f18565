// Echoed real-time messages for the Node clients (WebSocket, WebTransport over HTTP/2), the
// same as the Go WebTransport peer's (peers/webtransport/message.go, client.go): a message is
// its sequence number (8 bytes, big-endian) then filler that depends on it (byte i is
// (seq + i) % 251), so a cut, merged or altered echo is told apart from a delivered one.
// Message i is sent at i / rate after the session is up, whatever came back; echoes are
// matched by seq; a second echo or an unknown seq is stray; nothing counts after the deadline.
import { performance } from 'node:perf_hooks';
import { MESSAGE_BOUNDS, SEQ_BYTES } from '../message-bounds.js';
import type { MessagesSpec, MessagesTimings } from '../types.js';

/** Sequence numbers stay exact as JSON numbers. */
const MAX_SEQ = Number.MAX_SAFE_INTEGER;

export function encodeMessage(seq: number, sizeBytes: number): Buffer {
  const buf = Buffer.alloc(sizeBytes);
  buf.writeBigUInt64BE(BigInt(seq), 0);
  for (let i = SEQ_BYTES; i < sizeBytes; i++) buf[i] = (seq + i) % 251;
  return buf;
}

/** The sequence number of an echo of `sizeBytes`, or throws saying why it is not a message. */
export function decodeMessage(buf: Uint8Array, sizeBytes: number): number {
  if (buf.byteLength !== sizeBytes) throw new Error(`echo of ${buf.byteLength} bytes, messages are ${sizeBytes}`);
  const big = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).readBigUInt64BE(0);
  if (big > BigInt(MAX_SEQ)) throw new Error(`echo with sequence number ${big}, beyond any message`);
  const seq = Number(big);
  for (let i = SEQ_BYTES; i < sizeBytes; i++) {
    if (buf[i] !== (seq + i) % 251) throw new Error(`echo of message ${seq} differs at byte ${i}`);
  }
  return seq;
}

/** Throws (a bad-options error) unless the spec is within the clients' bounds. */
export function checkMessagesSpec(spec: MessagesSpec): void {
  const { maxCount, maxRatePerSecond, maxSendSeconds, maxDrainMs, maxSizeBytes } = MESSAGE_BOUNDS;
  const problems: string[] = [];
  if (!Number.isInteger(spec.count) || spec.count < 1 || spec.count > maxCount) problems.push(`count ${spec.count}: 1 to ${maxCount}`);
  if (!Number.isInteger(spec.messageBytes) || spec.messageBytes < SEQ_BYTES || spec.messageBytes > maxSizeBytes) problems.push(`messageBytes ${spec.messageBytes}: ${SEQ_BYTES} to ${maxSizeBytes}`);
  if (!(spec.ratePerSecond > 0 && spec.ratePerSecond <= maxRatePerSecond)) problems.push(`ratePerSecond ${spec.ratePerSecond}: above 0, at most ${maxRatePerSecond}`);
  else if ((spec.count - 1) / spec.ratePerSecond > maxSendSeconds) problems.push(`${spec.count} messages at ${spec.ratePerSecond}/s take more than ${maxSendSeconds} s`);
  if (!Number.isFinite(spec.drainTimeoutMs) || spec.drainTimeoutMs < 0 || spec.drainTimeoutMs > maxDrainMs) problems.push(`drainTimeoutMs ${spec.drainTimeoutMs}: 0 to ${maxDrainMs}`);
  if (problems.length === 0 && !(spec.timeoutMs > sendSpanMs(spec) + spec.drainTimeoutMs))
    problems.push(`timeoutMs ${spec.timeoutMs} leaves no time to connect: sends take ${sendSpanMs(spec)} ms and the drain ${spec.drainTimeoutMs} ms`);
  if (problems.length > 0) throw new RangeError(`bad messages spec: ${problems.join('; ')}`);
}

/** From the first send to the last. */
export function sendSpanMs(spec: Pick<MessagesSpec, 'count' | 'ratePerSecond'>): number {
  return ((spec.count - 1) / spec.ratePerSecond) * 1000;
}

/** Cuts a byte stream (one long stream's echoes) back into messages of `sizeBytes`. */
export class StreamFramer {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly sizeBytes: number) {}

  push(chunk: Uint8Array): Buffer[] {
    this.pending = this.pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.pending, chunk]);
    const out: Buffer[] = [];
    while (this.pending.length >= this.sizeBytes) {
      out.push(this.pending.subarray(0, this.sizeBytes));
      this.pending = this.pending.subarray(this.sizeBytes);
    }
    return out;
  }

  /** Bytes of a message not yet complete. */
  get pendingBytes(): number {
    return this.pending.length;
  }
}

/** Sends and echoes of one session; times in ms from `originMs` (a performance.now() instant). */
export class MessageLedger {
  private readonly messages: MessagesTimings['messages'] = [];
  private strayEchoes = 0;
  private readonly errors: string[] = [];
  private errorCount = 0;
  private delivered = 0;
  private closed = false;
  private resolveAllIn: () => void = () => {};
  /** Resolves once every one of `count` messages was echoed. */
  readonly allIn = new Promise<void>((resolve) => (this.resolveAllIn = resolve));

  constructor(
    private readonly count: number,
    private readonly sizeBytes: number,
    readonly originMs: number,
  ) {}

  /** ms from the origin, to the microsecond. */
  since(atMs: number = performance.now()): number {
    return Math.round((atMs - this.originMs) * 1000) / 1000;
  }

  /** Message `seq` (the next one: messages are sent in order) handed to the session now. */
  sent(seq: number, atMs: number = performance.now()): void {
    if (seq !== this.messages.length) throw new Error(`message ${seq} sent out of order (next is ${this.messages.length})`);
    this.messages.push({ seq, sentMs: this.since(atMs), receivedMs: null });
  }

  echo(data: Uint8Array, atMs: number = performance.now()): void {
    if (this.closed) return; // after the deadline: not delivered
    let seq: number;
    try {
      seq = decodeMessage(data, this.sizeBytes);
    } catch (error) {
      this.error(error instanceof Error ? error.message : String(error));
      return;
    }
    const message = this.messages[seq];
    if (message === undefined || message.receivedMs !== null) {
      this.strayEchoes++;
      return;
    }
    message.receivedMs = Math.max(message.sentMs, this.since(atMs));
    this.delivered++;
    if (this.delivered === this.count) this.resolveAllIn();
  }

  error(message: string): void {
    if (this.closed) return; // tearing down after the deadline is no error
    this.errorCount++;
    if (this.errors.length < MESSAGE_BOUNDS.maxErrorsKept) this.errors.push(message.replaceAll('\n', ' '));
  }

  get sentCount(): number {
    return this.messages.length;
  }

  /** Every one of `count` messages was echoed. */
  get complete(): boolean {
    return this.delivered === this.count;
  }

  /** The deadline passed: later echoes and errors are not counted. */
  close(): void {
    this.closed = true;
  }

  timings(handshakeMs: number, sessionMs: number, drainDeadlineMs: number): MessagesTimings {
    const more = this.errorCount - this.errors.length;
    return {
      handshakeMs,
      sessionMs,
      messages: this.messages.map((m) => ({ ...m })),
      strayEchoes: this.strayEchoes,
      drainDeadlineMs,
      errors: more > 0 ? [...this.errors, `and ${more} more errors`] : [...this.errors],
    };
  }
}

/** A session's sending side as the schedule sees it. */
export interface MessageSession {
  /** Hands message `seq` to the session without waiting (a failure is recorded, not thrown). */
  send(seq: number, message: Buffer): void;
  /** Why the session ended by itself, or null while it is up. */
  endedReason(): string | null;
  /** Resolves when the session ends by itself. */
  readonly ended: Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Until performance.now() reaches `atMs`: timers run on the event loop's millisecond clock, which can fire a fraction early. */
async function sleepUntil(atMs: number): Promise<void> {
  for (let left = atMs - performance.now(); left > 0; left = atMs - performance.now()) await sleep(Math.ceil(left));
}

/**
 * Sends message i at startMs + i / rate (performance.now() time), then waits for every echo
 * until drainTimeoutMs after the last send. A session that ends early stops the run: what was
 * sent stays listed (unanswered ones with receivedMs null), the end is an error, and the
 * observation ends there. Returns the drain deadline (ms from the ledger's origin).
 */
export async function runMessageSchedule(spec: Pick<MessagesSpec, 'count' | 'messageBytes' | 'ratePerSecond' | 'drainTimeoutMs'>, ledger: MessageLedger, session: MessageSession, startMs: number): Promise<number> {
  const intervalMs = 1000 / spec.ratePerSecond;
  let lastSendMs = startMs;
  for (let i = 0; i < spec.count; i++) {
    await sleepUntil(startMs + i * intervalMs);
    const reason = session.endedReason();
    if (reason !== null) {
      ledger.error(`session ended after ${i} of ${spec.count} messages: ${reason}`);
      const endMs = ledger.since();
      ledger.close();
      return endMs;
    }
    lastSendMs = performance.now();
    ledger.sent(i, lastSendMs);
    session.send(i, encodeMessage(i, spec.messageBytes));
  }
  const deadlineMs = lastSendMs + spec.drainTimeoutMs;
  let timer: NodeJS.Timeout | undefined;
  const drained = new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadlineMs - performance.now()))));
  await Promise.race([ledger.allIn, drained, session.ended]);
  clearTimeout(timer);
  const reason = session.endedReason();
  if (reason !== null && !ledger.complete) {
    ledger.error(`session ended while waiting for echoes: ${reason}`);
    const endMs = ledger.since();
    ledger.close();
    return Math.min(endMs, ledger.since(deadlineMs));
  }
  ledger.close();
  return ledger.since(deadlineMs);
}
