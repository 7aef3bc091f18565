// The JSON the WebTransport message client prints (peers/webtransport/client.go), parsed
// strictly, and its messages as the accounting's input (measure/realtime-messages.ts).
import { z } from 'zod';
import type { ReceivedEcho, SentMessage } from '../../measure/realtime-messages.js';
import { messageLedgerShape, observedUntilMs } from '../message-ledger.js';

export const WEBTRANSPORT_MODES = ['datagram', 'stream-per-message', 'long-stream'] as const;
export type WebTransportMode = (typeof WEBTRANSPORT_MODES)[number];

const ms = z.number().finite().nonnegative();
const count = z.number().int().nonnegative();

export const clientReportSchema = z
  .object({
    implementation: z.literal('webtransport-go'),
    version: z.string().min(1),
    quicGoVersion: z.string().min(1),
    clockResolutionMs: z.number().positive(),
    mode: z.enum(WEBTRANSPORT_MODES),
    count: count.min(1),
    sizeBytes: count,
    ratePerSecond: z.number().positive(),
    drainTimeoutMs: count,
    /** QUIC handshake complete at the client; the session's CONNECT answered 2xx. */
    handshakeMs: ms.optional(),
    sessionEstablishedMs: ms.optional(),
    ...messageLedgerShape,
  })
  .strict();

export type WebTransportClientReport = z.infer<typeof clientReportSchema>;

/** The client's one JSON line (exit 0, or 1 with `error` set), or an error naming what is wrong. */
export function parseClientReport(stdout: string, exitCode: number | null): WebTransportClientReport {
  const lines = stdout.trim().split('\n');
  if (lines.length !== 1 || lines[0] === '') throw new Error(`webtransport client: expected one JSON line, got ${JSON.stringify(stdout.slice(0, 200))} (exit ${String(exitCode)})`);
  let json: unknown;
  try {
    json = JSON.parse(lines[0] as string);
  } catch {
    throw new Error(`webtransport client: not JSON: ${JSON.stringify(stdout.slice(0, 200))}`);
  }
  const parsed = clientReportSchema.safeParse(json);
  if (!parsed.success) throw new Error(`webtransport client: unexpected JSON: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const report = parsed.data;
  if ((exitCode === 0) !== (report.error === undefined)) throw new Error(`webtransport client: exit ${String(exitCode)} with error ${JSON.stringify(report.error ?? null)}`);
  return report;
}

/**
 * The report's sends and every echo it saw (first echoes and stray ones) for accountMessages,
 * and where its observation ended: the drain deadline, or earlier when every echo was in and
 * the client stopped (it drops echoes after the deadline).
 */
export function accountingInput(report: WebTransportClientReport): { sent: SentMessage[]; received: ReceivedEcho[]; deadlineMs: number } {
  return {
    deadlineMs: observedUntilMs(report),
    sent: report.messages.map(({ seq, sentMs }) => ({ seq, sentMs })),
    received: [...report.messages.flatMap(({ seq, receivedMs }) => (receivedMs === null ? [] : [{ seq, receivedMs }])), ...report.strayEchoes.map(({ seq, receivedMs }) => ({ seq, receivedMs }))],
  };
}
