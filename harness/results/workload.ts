// What a case asked for, typed: the workload. The flat `parameters` a result also records (for
// case keys, reports and compare across schema versions) are derived from it by parametersOf,
// and equal what schemaVersion 2 recorded for the same case.
import { z } from 'zod';

type Parameters = Record<string, string | number | boolean>;

const bytes = z.number().int().positive();

/** A fresh connection and a small GET: session mode and, for the certificate sweep, the server's own certificate. */
export const handshakeWorkloadSchema = z
  .object({
    kind: z.literal('handshake'),
    bodyBytes: bytes,
    /** How the measured connection starts; absent when the scenario does not vary it (cold). */
    session: z.enum(['cold', 'resumed', 'early-data']).optional(),
    /** The server's own PKI (certificate sweep): key type and intermediate CAs between root and leaf. */
    certificate: z.object({ keyType: z.string().min(1), intermediates: z.number().int().nonnegative() }).strict().optional(),
  })
  .strict();

/** One body over one connection. */
export const transferWorkloadSchema = z
  .object({
    kind: z.literal('transfer'),
    bodyBytes: bytes,
    /** "down": the server sends the body (GET); "up": the client does (POST). Absent: down, not recorded (migration). */
    direction: z.enum(['down', 'up']).optional(),
    /** The named impairment the case adds to the run's link (loss recovery). */
    impairment: z.string().min(1).optional(),
    /** A NAT rebinding during the transfer (migration): a new client port or address, afterMs after the request. */
    rebind: z.object({ kind: z.enum(['port', 'address']), afterMs: z.number().nonnegative() }).strict().optional(),
  })
  .strict();

/** `objects` objects of `objectBytes` each, requested at once (a page load). */
export const batchWorkloadSchema = z
  .object({
    kind: z.literal('batch'),
    objects: z.number().int().positive(),
    objectBytes: bytes,
    /** Connections the client may open. */
    connections: z.number().int().positive().optional(),
  })
  .strict();

/** A file copy: SMB, or an SMB-style copy in equal reads over HTTP. */
export const copyWorkloadSchema = z
  .object({
    kind: z.literal('copy'),
    bodyBytes: bytes,
    direction: z.enum(['down', 'up']),
    /** SMB encryption required or off (SMB cases). */
    encryption: z.enum(['required', 'off']).optional(),
    /** Bytes per read, all outstanding at once (SMB-style cases). */
    readBytes: bytes.optional(),
  })
  .strict();

/** Small messages at a steady rate, each echoed by the server (the realtime scenario). */
export const messagesWorkloadSchema = z
  .object({
    kind: z.literal('messages'),
    /** Bytes of each message (its sequence number included). */
    messageBytes: bytes,
    ratePerSecond: z.number().positive(),
    /** Messages sent in one sample. */
    count: z.number().int().positive(),
    /** How messages travel: one unreliable datagram each, a stream each, or all on one long stream (WebSocket: its one connection). */
    mode: z.enum(['datagram', 'stream-per-message', 'long-stream']),
  })
  .strict();

/** One flow of a competition: a download by its own client from its own server, with its controller. */
export const competitionFlowSchema = z
  .object({
    /** Unique in the case, says what the flow is: "h3-ngtcp2", "iperf3-bbr". */
    id: z.string().min(1),
    protocol: z.enum(['quic', 'tcp-tls', 'tcp']),
    application: z.enum(['h3', 'h2', 'http/1.1', 'none']),
    client: z.string().min(1),
    server: z.string().min(1),
    /** The sender's congestion controller: iperf3's own (-C), else the run's (--cc, default cubic). */
    congestionControl: z.string().min(1),
    bodyBytes: bytes,
    /** When it starts after the first flow (a staggered flow joins later). */
    startAfterMs: z.number().nonnegative(),
  })
  .strict();

/**
 * A competition's second probe: a realtime session (a realtime case's client and server) sending
 * its messages from the idle time on, beside the UDP echoes: what the mix does to an
 * application's messages over that transport, not just to the queue.
 */
export const messageProbeSchema = z
  .object({
    /** The realtime case it runs: "wt-h3-datagram", "ws-long-stream". */
    id: z.string().min(1),
    protocol: z.enum(['quic', 'tcp-tls']),
    application: z.enum(['webtransport', 'websocket']),
    client: z.string().min(1),
    server: z.string().min(1),
    messages: messagesWorkloadSchema,
  })
  .strict();

/** Two or more downloads at once over the lab's bottleneck, with a latency probe beside them (the competition scenario). */
export const competitionWorkloadSchema = z
  .object({
    kind: z.literal('competition'),
    /** The first is the case's own client and server; the others are its companions. */
    flows: z.array(competitionFlowSchema).min(2).max(4),
    /** UDP echoes probing the queueing delay: probes a second, and the idle time probed before the first flow; optionally realtime messages too. */
    probe: z.object({ ratePerSecond: z.number().positive(), idleMs: z.number().nonnegative(), messages: messageProbeSchema.optional() }).strict(),
  })
  .strict()
  .refine((w) => new Set(w.flows.map((f) => f.id)).size === w.flows.length, { message: "a competition's flow ids must be unique", path: ['flows'] });

export const workloadSchema = z.discriminatedUnion('kind', [handshakeWorkloadSchema, transferWorkloadSchema, batchWorkloadSchema, copyWorkloadSchema, messagesWorkloadSchema, competitionWorkloadSchema]);

export type HandshakeWorkload = z.infer<typeof handshakeWorkloadSchema>;
export type TransferWorkload = z.infer<typeof transferWorkloadSchema>;
export type BatchWorkload = z.infer<typeof batchWorkloadSchema>;
export type CopyWorkload = z.infer<typeof copyWorkloadSchema>;
export type MessagesWorkload = z.infer<typeof messagesWorkloadSchema>;
export type CompetitionFlow = z.infer<typeof competitionFlowSchema>;
export type CompetitionWorkload = z.infer<typeof competitionWorkloadSchema>;
export type MessageProbe = z.infer<typeof messageProbeSchema>;
export type Workload = z.infer<typeof workloadSchema>;

/** The flat parameters a result records for `workload` (the same as schemaVersion 2 recorded). */
export function parametersOf(workload: Workload): Parameters {
  switch (workload.kind) {
    case 'handshake':
      return {
        bodyBytes: workload.bodyBytes,
        ...(workload.session !== undefined ? { session: workload.session } : {}),
        ...(workload.certificate !== undefined ? { keyType: workload.certificate.keyType, intermediates: workload.certificate.intermediates } : {}),
      };
    case 'transfer':
      return {
        bodyBytes: workload.bodyBytes,
        ...(workload.direction !== undefined ? { direction: workload.direction } : {}),
        ...(workload.impairment !== undefined ? { impairment: workload.impairment } : {}),
        ...(workload.rebind !== undefined ? { rebind: workload.rebind.kind, rebindAfterMs: workload.rebind.afterMs } : {}),
      };
    case 'batch':
      return { objects: workload.objects, objectBytes: workload.objectBytes, ...(workload.connections !== undefined ? { connections: workload.connections } : {}) };
    case 'copy':
      return {
        bodyBytes: workload.bodyBytes,
        direction: workload.direction,
        ...(workload.encryption !== undefined ? { encryption: workload.encryption } : {}),
        ...(workload.readBytes !== undefined ? { readBytes: workload.readBytes } : {}),
      };
    case 'messages':
      return { messageBytes: workload.messageBytes, ratePerSecond: workload.ratePerSecond, messages: workload.count, mode: workload.mode };
    case 'competition':
      return {
        flows: workload.flows.map((f) => `${f.id}:${f.congestionControl}`).join(' vs '),
        flowBytes: Math.max(...workload.flows.map((f) => f.bodyBytes)),
        staggerMs: Math.max(...workload.flows.map((f) => f.startAfterMs)),
        probeRatePerSecond: workload.probe.ratePerSecond,
        ...(workload.probe.messages !== undefined ? { messageProbe: workload.probe.messages.id } : {}),
      };
  }
}

/** Whether two flat parameter records hold the same names and values (in any order). */
export function sameParameters(a: Parameters, b: Parameters): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && b[key] === a[key]);
}

export class WorkloadError extends Error {}

/** The kind the parameter names say: messageBytes or mode -> messages, objects -> batch, encryption or reads -> copy, impairment, rebinding or direction -> transfer, else handshake. */
function kindOf(parameters: Parameters): Workload['kind'] {
  if ('messageBytes' in parameters || 'mode' in parameters) return 'messages';
  if ('objects' in parameters || 'objectBytes' in parameters) return 'batch';
  if ('encryption' in parameters || 'readBytes' in parameters) return 'copy';
  if ('impairment' in parameters || 'rebind' in parameters || 'rebindAfterMs' in parameters || 'direction' in parameters) return 'transfer';
  return 'handshake';
}

/**
 * The workload that recorded `parameters` (schemaVersion 2 and earlier; and, until scenarios
 * declare workloads, the harness's cases). Throws WorkloadError when the parameters are not
 * exactly what parametersOf gives for some workload: nothing is dropped or made up.
 */
export function workloadFromParameters(parameters: Parameters): Workload {
  // Competitions came with schemaVersion 3, which records every workload whole: their flat parameters are a summary only.
  if ('flows' in parameters) throw new WorkloadError(`parameters ${JSON.stringify(parameters)} are a competition's summary: a competition workload is recorded whole (schemaVersion 3), never rebuilt from parameters`);
  const kind = kindOf(parameters);
  const p = parameters;
  const rebind = p.rebind !== undefined || p.rebindAfterMs !== undefined ? { kind: p.rebind, afterMs: p.rebindAfterMs } : undefined;
  const certificate = p.keyType !== undefined || p.intermediates !== undefined ? { keyType: p.keyType, intermediates: p.intermediates } : undefined;
  const candidate =
    kind === 'messages'
      ? { kind, messageBytes: p.messageBytes, ratePerSecond: p.ratePerSecond, count: p.messages, mode: p.mode }
      : kind === 'batch'
      ? { kind, objects: p.objects, objectBytes: p.objectBytes, connections: p.connections }
      : kind === 'copy'
        ? { kind, bodyBytes: p.bodyBytes, direction: p.direction, encryption: p.encryption, readBytes: p.readBytes }
        : kind === 'transfer'
          ? { kind, bodyBytes: p.bodyBytes, direction: p.direction, impairment: p.impairment, rebind }
          : { kind, bodyBytes: p.bodyBytes, session: p.session, certificate };
  const defined = Object.fromEntries(Object.entries(candidate).filter(([, value]) => value !== undefined));
  const checked = workloadSchema.safeParse(defined);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    throw new WorkloadError(`parameters ${JSON.stringify(parameters)} are not a ${kind} workload (${where}${issue?.message ?? 'invalid'})`);
  }
  const back = parametersOf(checked.data);
  if (!sameParameters(back, parameters)) {
    const extra = Object.keys(parameters).filter((key) => !Object.hasOwn(back, key));
    throw new WorkloadError(`parameters ${JSON.stringify(parameters)} are not a ${kind} workload${extra.length > 0 ? ` (unknown: ${extra.join(', ')})` : ''}`);
  }
  return checked.data;
}
