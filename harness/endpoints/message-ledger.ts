// What every realtime message client reports of its run (the webtransport-go program's JSON,
// the Chromium page's answer): each message sent with its first echo, the stray echoes, the
// errors, the drain deadline; checked with zod, and turned into MessagesTimings the same way.
import { z } from 'zod';
import type { MessagesTimings } from './types.js';

const ms = z.number().finite().nonnegative();
const count = z.number().int().nonnegative();

/** The ledger's fields, to spread into a client's own strict zod object. Times in ms from the client's origin. */
export const messageLedgerShape = {
  lastSendMs: ms.optional(),
  drainDeadlineMs: ms.optional(),
  endMs: ms,
  messages: z.array(z.object({ seq: count, sentMs: ms, receivedMs: ms.nullable() }).strict()),
  strayEchoes: z.array(z.object({ seq: count, receivedMs: ms, reason: z.enum(['duplicate', 'unknown']) }).strict()),
  /** The first few of errorCount errors that did not end the run. */
  errors: z.array(z.string()),
  errorCount: count,
  /** Only when the run itself failed. */
  error: z.string().min(1).optional(),
};
export type MessageLedger = z.infer<z.ZodObject<typeof messageLedgerShape>>;

/**
 * Where the client's observation of echoes ended: the drain deadline, or earlier when every echo
 * was in and it stopped (it drops echoes after the deadline).
 */
export function observedUntilMs(ledger: MessageLedger): number {
  return Math.min(ledger.drainDeadlineMs ?? ledger.endMs, ledger.endMs);
}

/**
 * A successful run's ledger as MessagesTimings for `asked` messages, with its handshake and
 * session times (asked for only when the run succeeded); throws `who: error (...)` with what
 * was seen when the run failed, and when the ledger is not a whole run in order.
 */
export function ledgerTimings(who: string, ledger: MessageLedger, asked: number, session: () => { handshakeMs: number | undefined; sessionMs: number | undefined }): MessagesTimings {
  if (ledger.error !== undefined) {
    const echoed = ledger.messages.filter((m) => m.receivedMs !== null).length;
    throw new Error(`${who}: ${ledger.error} (${ledger.messages.length} of ${asked} messages sent, ${echoed} echoed)`);
  }
  const { handshakeMs, sessionMs } = session();
  if (handshakeMs === undefined || sessionMs === undefined) throw new Error(`${who}: no handshake or session time in a successful run`);
  if (ledger.messages.length !== asked) throw new Error(`${who}: ${ledger.messages.length} messages reported, ${asked} asked for`);
  ledger.messages.forEach((m, i) => {
    if (m.seq !== i) throw new Error(`${who}: message ${i} reported as seq ${m.seq}`);
  });
  const untold = ledger.errorCount - ledger.errors.length;
  return {
    handshakeMs,
    sessionMs,
    messages: ledger.messages.map(({ seq, sentMs, receivedMs }) => ({ seq, sentMs, receivedMs })),
    strayEchoes: ledger.strayEchoes.length,
    drainDeadlineMs: observedUntilMs(ledger),
    errors: untold > 0 ? [...ledger.errors, `and ${untold} more error(s)`] : [...ledger.errors],
  };
}
