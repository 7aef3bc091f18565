// Accounting for a run of echoed real-time messages (the realtime scenario): which message
// came back and when, its round-trip time, duplicates and strangers, stalls and the
// delivered-over-time series. Pure: the clients' raw lists in, figures out.
import { percentileOfSorted } from './statistics.js';

export interface SentMessage {
  seq: number;
  sentMs: number;
}

/** One echo as the client saw it: any order, possibly a second echo of a message or a seq never sent. */
export interface ReceivedEcho {
  seq: number;
  receivedMs: number;
}

export interface MessageOutcome {
  seq: number;
  sentMs: number;
  /** Its first echo; null when none came by the deadline. */
  receivedMs: number | null;
  rttMs: number | null;
}

export interface RealtimeMessageStats {
  sentCount: number;
  deliveredCount: number;
  deliveredFraction: number;
  /** Echoes beyond a message's first: reported, never counted as deliveries. */
  duplicates: number;
  /** Echoes of a seq that was never sent. */
  unknown: number;
  /** Over the delivered messages; null when none was delivered. */
  rttP50Ms: number | null;
  rttP95Ms: number | null;
  rttP99Ms: number | null;
  rttMaxMs: number | null;
  /**
   * The longest stall. Every message is outstanding from its sentMs until its first echo (or,
   * when none came, until deadlineMs). A stall is a stretch of time in which at least one
   * message is outstanding and no message is delivered: between two consecutive delivery
   * instants a < b (a = -infinity before the first), the stall is b - max(a, s), where s is the
   * earliest sentMs of the messages outstanding just before b (sent before b, not delivered
   * before b); the stretch after the last delivery ends at deadlineMs (b = deadlineMs) when a
   * message is still outstanding then. No outstanding message in a stretch: no stall. One
   * message in flight alone stalls for its RTT; a lost message stalls the end of the run
   * until the deadline.
   */
  longestStallMs: number;
  /** The same, over the stalls that ended with a delivery (the stretch that runs to the deadline left out). */
  longestStallBeforeDeadlineMs: number;
  /** Per message, in seq order. */
  messages: MessageOutcome[];
  /** `[ms, deliveredCumulative]`: at the first send (0), at each delivery instant, and at the deadline. */
  deliveredOverTime: Array<[number, number]>;
  /** What the echoes got wrong, one line each (a duplicate, an unknown seq); empty when nothing did. */
  problems: string[];
}

/**
 * Accounts `received` against `sent`, the run's observation ending at `deadlineMs` (the
 * client's drain deadline, or its last instant when every echo came earlier). Inputs that no
 * correct client can report (a seq sent twice, an echo before its send or after the deadline,
 * a time that is not a finite number) throw: they are a bug upstream, not network behaviour.
 */
export function accountMessages(sent: readonly SentMessage[], received: readonly ReceivedEcho[], deadlineMs: number): RealtimeMessageStats {
  if (sent.length === 0) throw new RangeError('no messages were sent');
  checkTime('deadlineMs', deadlineMs);
  const bySeq = new Map<number, MessageOutcome>();
  for (const m of sent) {
    checkTime(`message ${m.seq}: sentMs`, m.sentMs);
    if (!Number.isSafeInteger(m.seq)) throw new RangeError(`seq must be an integer, got ${m.seq}`);
    if (bySeq.has(m.seq)) throw new RangeError(`message ${m.seq} was sent twice`);
    if (m.sentMs > deadlineMs) throw new RangeError(`message ${m.seq} was sent at ${m.sentMs} ms, after the deadline (${deadlineMs} ms)`);
    bySeq.set(m.seq, { seq: m.seq, sentMs: m.sentMs, receivedMs: null, rttMs: null });
  }

  // The earliest echo of a message is its delivery, whatever order the list is in.
  const echoes = [...received].sort((a, b) => a.receivedMs - b.receivedMs);
  const echoCounts = new Map<number, number>();
  const unknownSeqs: number[] = [];
  for (const echo of echoes) {
    checkTime(`echo of ${echo.seq}: receivedMs`, echo.receivedMs);
    if (echo.receivedMs > deadlineMs) throw new RangeError(`echo of ${echo.seq} at ${echo.receivedMs} ms, after the deadline (${deadlineMs} ms)`);
    const m = bySeq.get(echo.seq);
    if (m === undefined) {
      unknownSeqs.push(echo.seq);
      continue;
    }
    if (echo.receivedMs < m.sentMs) throw new RangeError(`echo of ${echo.seq} at ${echo.receivedMs} ms, before it was sent (${m.sentMs} ms)`);
    echoCounts.set(echo.seq, (echoCounts.get(echo.seq) ?? 0) + 1);
    if (m.receivedMs === null) {
      m.receivedMs = echo.receivedMs;
      m.rttMs = echo.receivedMs - m.sentMs;
    }
  }

  const messages = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  const problems: string[] = [];
  let duplicates = 0;
  for (const [seq, count] of [...echoCounts].sort((a, b) => a[0] - b[0])) {
    if (count < 2) continue;
    duplicates += count - 1;
    problems.push(`message ${seq} echoed ${count} times`);
  }
  for (const seq of unknownSeqs) problems.push(`echo of message ${seq}, which was never sent`);

  const rtts = messages.flatMap((m) => (m.rttMs === null ? [] : [m.rttMs])).sort((a, b) => a - b);
  const percentile = (p: number): number | null => (rtts.length === 0 ? null : percentileOfSorted(rtts, p));
  const stalls = stallsOf(messages, deadlineMs);
  return {
    sentCount: messages.length,
    deliveredCount: rtts.length,
    deliveredFraction: rtts.length / messages.length,
    duplicates,
    unknown: unknownSeqs.length,
    rttP50Ms: percentile(50),
    rttP95Ms: percentile(95),
    rttP99Ms: percentile(99),
    rttMaxMs: percentile(100),
    longestStallMs: Math.max(stalls.beforeDeadlineMs, stalls.toDeadlineMs),
    longestStallBeforeDeadlineMs: stalls.beforeDeadlineMs,
    messages,
    deliveredOverTime: deliveredOverTime(messages, deadlineMs),
    problems,
  };
}

function checkTime(what: string, ms: number): void {
  if (!Number.isFinite(ms)) throw new RangeError(`${what} must be a finite number of ms, got ${ms}`);
}

/**
 * The stalls as longestStallMs defines them: the longest that ended with a delivery, and the
 * one that ran to the deadline (0 when nothing was outstanding then). One pass: the messages
 * in send order, a pointer to the earliest one still outstanding (a message delivered before
 * b is delivered before every later b, so the pointer only moves forward).
 */
function stallsOf(messages: readonly MessageOutcome[], deadlineMs: number): { beforeDeadlineMs: number; toDeadlineMs: number } {
  const bySend = [...messages].sort((a, b) => a.sentMs - b.sentMs);
  const deliveries = [...new Set(messages.flatMap((m) => (m.receivedMs === null ? [] : [m.receivedMs])))].sort((a, b) => a - b);
  let oldest = 0;
  let previous = -Infinity;
  /** The stall ending at b: from max(previous delivery, earliest outstanding send) to b. */
  const stallUntil = (b: number): number => {
    while (oldest < bySend.length) {
      const m = bySend[oldest] as MessageOutcome;
      if (m.receivedMs === null || m.receivedMs >= b) break;
      oldest++;
    }
    const m = bySend[oldest];
    if (m === undefined || m.sentMs >= b) return 0;
    return b - Math.max(previous, m.sentMs);
  };
  let beforeDeadlineMs = 0;
  for (const b of deliveries) {
    beforeDeadlineMs = Math.max(beforeDeadlineMs, stallUntil(b));
    previous = b;
  }
  // After the last delivery only undelivered messages are outstanding: they stall to the deadline.
  const undelivered = bySend.slice(oldest).find((m) => m.receivedMs === null);
  const toDeadlineMs = undelivered === undefined ? 0 : deadlineMs - Math.max(previous, undelivered.sentMs);
  return { beforeDeadlineMs, toDeadlineMs };
}

function deliveredOverTime(messages: readonly MessageOutcome[], deadlineMs: number): Array<[number, number]> {
  const firstSentMs = messages.reduce((min, m) => Math.min(min, m.sentMs), Infinity);
  const series: Array<[number, number]> = [[firstSentMs, 0]];
  const deliveries = messages.flatMap((m) => (m.receivedMs === null ? [] : [m.receivedMs])).sort((a, b) => a - b);
  let count = 0;
  for (const at of deliveries) {
    count++;
    const last = series.at(-1) as [number, number];
    if (last[0] === at) last[1] = count;
    else series.push([at, count]);
  }
  series.push([deadlineMs, count]);
  return series;
}
