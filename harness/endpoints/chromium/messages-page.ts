// What the Chromium client runs inside its page for the realtime scenario: a WebTransport
// session to the lab server's echo path, messages sent on schedule as datagrams, a
// bidirectional stream each, or all on one bidirectional stream, and every echo read back;
// and how the page's answer becomes MessagesTimings.
//
// Same contract as the webtransport-go client (peers/CONTRACT.md, "Not a contract peer"): a
// message is its sequence number (8 bytes, big-endian) then filler byte i = (seq + i) % 251
// (peers/webtransport/message.go); message i goes out at i/rate after the session is ready,
// whether or not earlier echoes came back; echoes are matched by sequence number, a second
// echo or an unknown number is a stray one; echoes are waited for until every message is in
// or the drain deadline after the last send. Every time is performance.now() in ms from just
// before the WebTransport constructor (Chromium coarsens it to 0.1 ms outside cross-origin
// isolation).
import { z } from 'zod';
import { ledgerTimings, messageLedgerShape } from '../message-ledger.js';
import { MESSAGE_BOUNDS, SEQ_BYTES } from '../message-bounds.js';
import type { MessagesSpec, MessagesTimings } from '../types.js';

/**
 * The message framing the page uses, a JavaScript expression (a plain string, as page.ts's:
 * tsx's transform could add helpers the page does not have): encode(seq, size) is message seq
 * of `size` bytes; decode(bytes, size) is `{ seq }` or `{ seq?, error }` for an echo that is
 * cut, merged, altered or beyond any sequence number.
 */
export const PAGE_MESSAGE_FRAMING = `({
  encode(seq, size) {
    const bytes = new Uint8Array(size);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(seq));
    for (let i = 8; i < size; i++) bytes[i] = (seq + i) % 251;
    return bytes;
  },
  decode(bytes, size) {
    if (bytes.length !== size) return { error: 'echo of ' + bytes.length + ' bytes, messages are ' + size };
    const big = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0);
    if (big > BigInt(Number.MAX_SAFE_INTEGER)) return { error: 'echo with sequence number ' + big + ', beyond any message' };
    const seq = Number(big);
    for (let i = 8; i < size; i++) {
      if (bytes[i] !== (seq + i) % 251) return { seq, error: 'echo of message ' + seq + ' differs at byte ' + i };
    }
    return { seq };
  },
})`;

export interface PageMessagesRun {
  url: string;
  mode: MessagesSpec['mode'];
  count: number;
  messageBytes: number;
  ratePerSecond: number;
  drainTimeoutMs: number;
  /** Give up when the session is not ready by then (from the constructor). */
  connectTimeoutMs: number;
}

/** Why these options cannot run (the page's bounds), or null. */
export function pageMessagesProblem(run: Omit<PageMessagesRun, 'url'>): string | null {
  const L = MESSAGE_BOUNDS;
  if (!Number.isInteger(run.count) || run.count < 1 || run.count > L.maxCount) return `count ${run.count}: 1 to ${L.maxCount}`;
  if (!Number.isInteger(run.messageBytes) || run.messageBytes < SEQ_BYTES || run.messageBytes > L.maxSizeBytes) return `message size ${run.messageBytes} bytes: ${SEQ_BYTES} to ${L.maxSizeBytes}`;
  if (!(run.ratePerSecond > 0 && run.ratePerSecond <= L.maxRatePerSecond)) return `rate ${run.ratePerSecond}/s: above 0, at most ${L.maxRatePerSecond}`;
  if ((run.count - 1) / run.ratePerSecond > L.maxSendSeconds) return `${run.count} messages at ${run.ratePerSecond}/s take more than ${L.maxSendSeconds} s`;
  if (!Number.isInteger(run.drainTimeoutMs) || run.drainTimeoutMs < 0 || run.drainTimeoutMs > L.maxDrainMs) return `drain timeout ${run.drainTimeoutMs} ms: 0 to ${L.maxDrainMs}`;
  if (!(run.connectTimeoutMs >= 1)) return `connect timeout ${run.connectTimeoutMs} ms: at least 1`;
  return null;
}

/**
 * The page's run, a JavaScript expression for Runtime.evaluate that resolves with the page's
 * report (pageMessagesSchema). A session that is not ready, or that ends before the drain
 * deadline, is the report's `error` (with what was seen until then), never a throw.
 */
export function messagesPageScript(run: PageMessagesRun): string {
  const problem = pageMessagesProblem(run);
  if (problem !== null) throw new Error(`chromium: ${problem}`);
  const args = JSON.stringify({ ...run, maxErrorsKept: MESSAGE_BOUNDS.maxErrorsKept });
  return `(async ({ url, mode, count, messageBytes, ratePerSecond, drainTimeoutMs, connectTimeoutMs, maxErrorsKept }) => {
  const framing = ${PAGE_MESSAGE_FRAMING};
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const report = { facts: {}, messages: [], strayEchoes: [], errors: [], errorCount: 0, endMs: 0 };
  let closing = false;
  let delivered = 0;
  let allIn;
  const allInPromise = new Promise((r) => { allIn = r; });
  const error = (text) => {
    if (closing) return;
    report.errorCount++;
    if (report.errors.length < maxErrorsKept) report.errors.push(String(text));
  };
  const t0 = performance.now();
  const since = () => performance.now() - t0;
  const echo = (bytes) => {
    const at = since();
    if (closing || (report.drainDeadlineMs !== undefined && at > report.drainDeadlineMs)) return;
    const { seq, error: wrong } = framing.decode(bytes, messageBytes);
    if (wrong !== undefined) return error(wrong);
    // Messages are recorded in send order: a message's index is its sequence number.
    const message = report.messages[seq];
    if (message === undefined) return void report.strayEchoes.push({ seq, receivedMs: at, reason: 'unknown' });
    if (message.receivedMs !== null) return void report.strayEchoes.push({ seq, receivedMs: at, reason: 'duplicate' });
    message.receivedMs = at;
    if (++delivered === count) allIn();
  };
  let transport;
  try {
    transport = new WebTransport(url);
  } catch (e) {
    report.error = 'WebTransport not constructed: ' + e;
    report.endMs = since();
    return report;
  }
  let ended = null;
  const endedPromise = transport.closed.then(
    (info) => { ended = 'session closed by the server (code ' + info.closeCode + (info.reason ? ', ' + info.reason : '') + ')'; },
    (e) => { ended = 'session failed: ' + e; },
  );
  try {
    let timer;
    await Promise.race([
      transport.ready,
      new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('not ready within ' + connectTimeoutMs + ' ms')), connectTimeoutMs); }),
    ]).finally(() => clearTimeout(timer));
  } catch (e) {
    report.error = 'WebTransport session not established: ' + (e && e.message ? e.message : e);
    report.endMs = since();
    try { transport.close(); } catch {}
    return report;
  }
  const start = performance.now();
  report.sessionMs = start - t0;
  report.facts = {
    reliability: transport.reliability ?? null,
    congestionControl: transport.congestionControl ?? null,
    protocol: transport.protocol ?? null,
    maxDatagramBytes: transport.datagrams.maxDatagramSize ?? null,
    getStats: typeof transport.getStats === 'function',
  };
  if (mode === 'datagram' && messageBytes > transport.datagrams.maxDatagramSize) {
    report.error = 'messages of ' + messageBytes + ' bytes exceed the largest datagram, ' + transport.datagrams.maxDatagramSize + ' bytes';
    report.endMs = since();
    transport.close();
    return report;
  }
  const readAll = async (readable, onChunk) => {
    const reader = readable.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        onChunk(value);
      }
    } catch (e) {
      error('reading: ' + e);
    }
  };
  let send;
  if (mode === 'datagram') {
    void readAll(transport.datagrams.readable, echo);
    const writer = transport.datagrams.writable.getWriter();
    send = (i) => writer.write(framing.encode(i, messageBytes)).catch((e) => error('datagram ' + i + ': ' + e));
  } else if (mode === 'stream-per-message') {
    send = (i) => void (async () => {
      try {
        const stream = await transport.createBidirectionalStream();
        const writer = stream.writable.getWriter();
        writer.write(framing.encode(i, messageBytes)).catch((e) => error('message ' + i + ': writing: ' + e));
        writer.close().catch(() => {});
        // The echo until the server's FIN, at most one byte more than a message.
        const chunks = [];
        let length = 0;
        const reader = stream.readable.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          chunks.push(value);
          length += value.length;
          if (length > messageBytes) break;
        }
        const bytes = new Uint8Array(length);
        let at = 0;
        for (const chunk of chunks) { bytes.set(chunk, at); at += chunk.length; }
        echo(bytes);
      } catch (e) {
        error('message ' + i + ': ' + e);
      }
    })();
  } else {
    let stream;
    try {
      stream = await transport.createBidirectionalStream();
    } catch (e) {
      report.error = 'opening the stream: ' + e;
      report.endMs = since();
      transport.close();
      return report;
    }
    // Echoes arrive as a byte stream: cut it into messages.
    let pending = new Uint8Array(0);
    void readAll(stream.readable, (chunk) => {
      const joined = new Uint8Array(pending.length + chunk.length);
      joined.set(pending);
      joined.set(chunk, pending.length);
      let at = 0;
      for (; joined.length - at >= messageBytes; at += messageBytes) echo(joined.subarray(at, at + messageBytes));
      pending = joined.slice(at);
    });
    // Writes queue in order behind one another (as on any one stream) but never hold the
    // schedule: sentMs is when the page handed the message over.
    const writer = stream.writable.getWriter();
    send = (i) => writer.write(framing.encode(i, messageBytes)).catch((e) => error('message ' + i + ': writing the stream: ' + e));
  }
  const intervalMs = 1000 / ratePerSecond;
  let last = start;
  for (let i = 0; i < count; i++) {
    // Never early: a timer may fire a little before its time on performance.now()'s clock.
    for (let wait; (wait = start + i * intervalMs - performance.now()) > 0; ) await sleep(wait);
    if (ended !== null) {
      report.error = ended + ' after ' + i + ' of ' + count + ' messages';
      break;
    }
    last = performance.now();
    report.messages.push({ seq: i, sentMs: last - t0, receivedMs: null });
    send(i);
  }
  if (report.error === undefined) {
    report.lastSendMs = last - t0;
    report.drainDeadlineMs = report.lastSendMs + drainTimeoutMs;
    // Timers may fire a little early on performance.now()'s clock: wait again for what is left.
    let done = false;
    void Promise.race([allInPromise, endedPromise]).then(() => { done = true; });
    for (let left; !done && (left = report.drainDeadlineMs - since()) > 0; ) {
      let timer;
      await Promise.race([allInPromise, endedPromise, new Promise((r) => { timer = setTimeout(r, Math.max(1, left)); })]);
      clearTimeout(timer);
    }
    if (ended !== null && delivered < count) report.error = ended + ' while waiting for echoes';
  }
  closing = true;
  report.endMs = since();
  try { transport.close({ closeCode: 0, reason: 'done' }); } catch {}
  return report;
})(${args})`;
}

/** What the page's script resolves with: the ledger (message-ledger.ts), the session's time and what it found of WebTransport. */
export const pageMessagesSchema = z
  .object({
    facts: z
      .object({ reliability: z.string().nullable(), congestionControl: z.string().nullable(), protocol: z.string().nullable(), maxDatagramBytes: z.number().int().nonnegative().nullable(), getStats: z.boolean() })
      .strict()
      .partial(),
    sessionMs: z.number().finite().nonnegative().optional(),
    ...messageLedgerShape,
  })
  .strict();
export type PageMessagesReport = z.infer<typeof pageMessagesSchema>;

/** The page's answer, checked, or an error naming what is wrong with it. */
export function parsePageMessages(value: unknown): PageMessagesReport {
  const parsed = pageMessagesSchema.safeParse(value);
  if (!parsed.success) throw new Error(`chromium: the WebTransport page answered unexpected JSON: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/**
 * The page's report as MessagesTimings for `asked` messages; throws with the page's error when
 * the session never came up or ended early. The page sees no QUIC handshake: `handshakeMs`
 * (asked only of a successful run) is the browser's own account of it (net-log.ts).
 */
export function pageMessagesTimings(report: PageMessagesReport, asked: number, handshakeMs: () => number): MessagesTimings {
  return ledgerTimings('chromium', report, asked, () => ({ handshakeMs: handshakeMs(), sessionMs: report.sessionMs }));
}

/** The timing source of every messages metric: the page's clock. */
export const PAGE_CLOCK = { source: 'chromium page: performance.now() from just before the WebTransport constructor', resolutionMs: 0.1 } as const;
/** handshakeMs's: the browser's net log (net-log.ts), on the QUIC connection's clock. */
export const NET_LOG_CLOCK = { source: "chromium net log: sent_time_us of the session's first packet (Initial) and of its first 1-RTT packet", resolutionMs: 0.001 } as const;

/** What the page found of this Chromium's WebTransport in its last session, as flat info settings. */
export function webTransportSettings(facts: PageMessagesReport['facts']): Record<string, string | number | boolean | null> {
  return {
    webTransportReliability: facts.reliability ?? null,
    webTransportCongestionControl: facts.congestionControl ?? null,
    webTransportMaxDatagramBytes: facts.maxDatagramBytes ?? null,
    webTransportGetStats: facts.getStats ?? null,
  };
}
