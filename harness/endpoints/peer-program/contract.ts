// The JSON a peer program's client prints (peers/CONTRACT.md), parsed strictly: a line the
// contract does not describe is a clear error naming the peer, never a guessed metric.
import { z } from 'zod';
import type { BatchTimings, ExchangeTimings, PartialTransfer } from '../types.js';

const ms = z.number().finite().nonnegative();
const bytes = z.number().int().nonnegative();

const objectSchema = z.object({ path: z.string().min(1), bytes, verifiedBytes: bytes, completedMs: ms }).strict();

export const contractResultSchema = z
  .object({
    implementation: z.string().min(1),
    version: z.string().min(1),
    clockResolutionMs: z.number().positive(),
    handshakeMs: ms.optional(),
    ttfbMs: ms.optional(),
    bodyStartMs: ms.optional(),
    bodyEndMs: ms.optional(),
    totalMs: ms.optional(),
    bodyBytes: bytes.optional(),
    verifiedBodyBytes: bytes.optional(),
    uploadedBytes: bytes.optional(),
    status: z.number().int().min(100).max(599).optional(),
    alpn: z.string().min(1).optional(),
    quicVersion: z
      .string()
      .regex(/^0x[0-9a-f]{8}$/)
      .optional(),
    resumed: z.boolean().optional(),
    earlyDataAccepted: z.boolean().optional(),
    progress: z.array(z.tuple([ms, bytes])).optional(),
    objects: z.array(objectSchema).optional(),
    retransmittedPackets: bytes.optional(),
    retransmittedBytes: bytes.optional(),
    /** Additions (CONTRACT.md): packets the client's stack declared lost; when the client moved to a new path. */
    lostPackets: bytes.optional(),
    migratedAtMs: ms.optional(),
    /** Addition (CONTRACT.md): the server's HTTP/3 SETTINGS as [id, value] pairs; null: the client looked and none came. */
    h3Settings: z
      .array(z.tuple([bytes, bytes]))
      .nullable()
      .optional(),
    timingSource: z.string().min(1),
    error: z.string().min(1).optional(),
    partial: z.object({ bodyBytes: bytes, lastByteMs: ms.nullable(), failedAtMs: ms }).strict().optional(),
  })
  .strict();

export type ContractResult = z.infer<typeof contractResultSchema>;

/**
 * The client's one JSON line from its stdout and exit code: exit 0 with no `error`, or exit 1
 * with one. Anything else (no line, several, a field the contract lacks, exit 2) throws,
 * naming the peer and quoting what it printed.
 */
export function parseContractOutput(peer: string, stdout: string, exitCode: number | null): ContractResult {
  const lines = stdout.split('\n').filter((line) => line.trim() !== '');
  const quoted = JSON.stringify(stdout.trim().slice(0, 200));
  if (lines.length !== 1) throw new Error(`${peer} client: expected one JSON line on stdout, got ${lines.length} (exit ${String(exitCode)}): ${quoted}`);
  let json: unknown;
  try {
    json = JSON.parse(lines[0] as string);
  } catch {
    throw new Error(`${peer} client: its output is not JSON (exit ${String(exitCode)}): ${quoted}`);
  }
  const parsed = contractResultSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined ? '' : `${issue.path.join('.') || '(top)'}: ${issue.message}`;
    throw new Error(`${peer} client: its output does not follow peers/CONTRACT.md (${where}): ${quoted}`);
  }
  const result = parsed.data;
  if (exitCode === 0 && result.error !== undefined) throw new Error(`${peer} client: exit 0 with an error: ${result.error}`);
  if (exitCode === 1 && result.error === undefined) throw new Error(`${peer} client: exit 1 without an error in its output`);
  if (exitCode !== 0 && exitCode !== 1) throw new Error(`${peer} client: exit ${String(exitCode)}${result.error !== undefined ? `: ${result.error}` : ''}`);
  return result;
}

/** An exchange's timings from a successful result; throws when a metric every exchange has is missing. */
export function exchangeTimings(peer: string, r: ContractResult, upload: boolean): ExchangeTimings {
  if (r.handshakeMs === undefined || r.totalMs === undefined) throw new Error(`${peer} client: a completed exchange without handshakeMs or totalMs`);
  const timings: ExchangeTimings = { handshakeMs: r.handshakeMs, totalMs: r.totalMs };
  const copied = ['ttfbMs', 'bodyStartMs', 'bodyEndMs', 'verifiedBodyBytes', 'uploadedBytes', 'alpn', 'resumed', 'earlyDataAccepted', 'progress', 'retransmittedPackets', 'retransmittedBytes'] as const;
  for (const key of copied) if (r[key] !== undefined) Object.assign(timings, { [key]: r[key] });
  // An upload's bodyBytes is the request body; the contract's bodyBytes is the response's.
  if (upload) {
    if (r.uploadedBytes !== undefined) timings.bodyBytes = r.uploadedBytes;
  } else if (r.bodyBytes !== undefined) timings.bodyBytes = r.bodyBytes;
  if (r.migratedAtMs !== undefined) timings.extraMs = { migratedAtMs: r.migratedAtMs };
  return timings;
}

/** A batch's timings: one object per requested path, in order. */
export function batchTimings(peer: string, r: ContractResult, paths: readonly string[]): BatchTimings {
  const objects = r.objects ?? [];
  if (r.handshakeMs === undefined || r.totalMs === undefined) throw new Error(`${peer} client: a completed batch without handshakeMs or totalMs`);
  if (objects.length !== paths.length || objects.some((o, i) => o.path !== paths[i])) {
    throw new Error(`${peer} client: the batch's objects (${objects.map((o) => o.path).join(', ')}) are not the ${paths.length} paths asked for`);
  }
  return { handshakeMs: r.handshakeMs, objects: objects.map((o) => ({ ...o })), totalMs: r.totalMs, connections: 1 };
}

/** What a failed download had received, when the peer says. */
export function partialTransfer(r: ContractResult): PartialTransfer | null {
  return r.partial === undefined ? null : { ...r.partial };
}
