// The result document: one per run, validated on write and on read.
// Changing a field's meaning requires a new schemaVersion (and a migration in migrate.ts).
import { z } from 'zod';
import { linkSchema } from './link.js';
import { targetSchema } from './target.js';
import { parametersOf, sameParameters, workloadSchema } from './workload.js';

export const SCHEMA_VERSION = 3;

/** What a metric's number means: reports and compare read units and directions from here. */
export const METRIC_UNITS = ['ms', 'bytes', 'bits/s', 'count', 'round trips', 'ratio'] as const;

/**
 * Where a metric's numbers come from (since schemaVersion 3): measured, and by which sources
 * (the per-case `timingSources` say which one each case's timings came from), or derived from
 * other metrics (or recorded figures, e.g. link.achieved.calibration.rttMedianMs), and how.
 */
export const metricProvenanceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('measured'), sources: z.array(z.string().min(1)).min(1) }).strict(),
  z.object({ kind: z.literal('derived'), from: z.array(z.string().min(1)).min(1), method: z.string().min(1) }).strict(),
]);

export const metricDefinitionSchema = z
  .object({
    name: z.string().min(1),
    unit: z.enum(METRIC_UNITS),
    description: z.string(),
    /** Which way is an improvement; "neither" for descriptive metrics (bytes of a flight). */
    better: z.enum(['lower', 'higher', 'neither']),
    provenance: metricProvenanceSchema,
  })
  .strict();

const isoTime = z.iso.datetime({ offset: true });

export const metricSummarySchema = z
  .object({
    n: z.number().int().nonnegative(),
    median: z.number(),
    p5: z.number(),
    p95: z.number(),
    mean: z.number(),
    stddev: z.number().nonnegative(),
    min: z.number(),
    max: z.number(),
  })
  .strict();

export const negotiatedSchema = z
  .object({
    /** ALPN as the client reported it (Chromium: Resource Timing's nextHopProtocol). */
    clientAlpn: z.string().optional(),
    /** ALPN the server chose, read from its EncryptedExtensions in the capture. */
    wireAlpn: z.string().optional(),
    /** The QUIC version of the client's long-header packets in the capture, as 8 hex digits ("0x00000001" is QUIC v1). */
    quicVersion: z.string().optional(),
  })
  .strict();

export const sampleSchema = z
  .object({
    index: z.number().int().nonnegative(),
    status: z.enum(['ok', 'failed']),
    error: z.string().optional(),
    startedAt: isoTime,
    metrics: z.record(z.string(), z.number()),
    /** Things worth a second look that did not fail the sample (e.g. two timing sources disagree). */
    flags: z.array(z.string()).optional(),
    /** Time series of the sample, e.g. bytesOverTime: [ms from the exchange's origin, cumulative body bytes], downsampled. */
    series: z.record(z.string(), z.array(z.tuple([z.number(), z.number()]))).optional(),
    /** What the sample's connection negotiated, as the client said and as the capture showed. */
    negotiated: negotiatedSchema.optional(),
  })
  .strict()
  .refine((s) => s.status === 'ok' || (s.error !== undefined && s.error.length > 0), {
    message: 'a failed sample must say why (error)',
  });

export const endpointInfoSchema = z
  .object({
    implementation: z.string().min(1),
    version: z.string().min(1),
    /** Settings that matter to the comparison (congestion controller, windows, buffers...). */
    settings: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  })
  .strict();

export const timingSourceSchema = z
  .object({
    source: z.string().min(1),
    resolutionMs: z.number().positive(),
  })
  .strict();

export const certificatesSchema = z
  .object({
    keyType: z.string(),
    keyBits: z.number().int().positive(),
    /** Certificates the server sends: leaf plus intermediates (the root is not sent). */
    chainLength: z.number().int().positive(),
    chainBytes: z.number().int().positive(),
    caFingerprintSha256: z.string(),
  })
  .strict();

export const caseSchema = z
  .object({
    id: z.string().min(1),
    /** 'tcp': SMB 3 over plain TCP (its own signing and encryption, no TLS). */
    protocol: z.enum(['quic', 'tcp-tls', 'tcp']),
    /** webtransport: WebTransport over HTTP/3 (protocol quic) or HTTP/2 (tcp-tls); websocket: WebSocket over TLS (since schemaVersion 3). */
    application: z.enum(['h3', 'h2', 'http/1.1', 'smb3', 'none', 'webtransport', 'websocket']),
    client: endpointInfoSchema,
    server: endpointInfoSchema,
    /** What the case asked for (since schemaVersion 3). */
    workload: workloadSchema,
    /** The workload as flat parameters (parametersOf), for case keys and reports; the same as schemaVersion 2 recorded. */
    parameters: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
    /** Set when the endpoints cannot do this variant: why; such a case has no samples. */
    unsupported: z.string().min(1).optional(),
    /** Set when its server or client is not installed on this host (a peer setup skipped): why; no samples. */
    unavailable: z.string().min(1).optional(),
    /** Scenarios with a pass/fail test per case (interop): passed, failed or unsupported, and why (scenario/verdict.ts). */
    verdict: z
      .discriminatedUnion('status', [
        z.object({ status: z.literal('passed') }).strict(),
        z.object({ status: z.literal('failed'), reason: z.string().min(1) }).strict(),
        z.object({ status: z.literal('unsupported'), reason: z.string().min(1) }).strict(),
        z.object({ status: z.literal('unavailable'), reason: z.string().min(1) }).strict(),
      ])
      .optional(),
    /** The server's own PKI, when it is not the run's (certificate sweep). */
    certificates: certificatesSchema.optional(),
    /** A competition's other flows (workload.flows after the first): each one's client and server as run. */
    companions: z.array(z.object({ flow: z.string().min(1), client: endpointInfoSchema, server: endpointInfoSchema }).strict()).optional(),
    /** A competition's message probe (workload.probe.messages): its realtime client and server as run. */
    messageProbe: z.object({ id: z.string().min(1), client: endpointInfoSchema, server: endpointInfoSchema }).strict().optional(),
    /** Where each metric's timings come from, and how fine they are. */
    timingSources: z.record(z.string(), timingSourceSchema),
    warmupSamples: z.number().int().nonnegative(),
    samples: z.array(sampleSchema),
    summary: z.record(z.string(), metricSummarySchema),
  })
  .strict()
  .refine((c) => sameParameters(c.parameters, parametersOf(c.workload)), {
    message: "parameters must be the workload's (parametersOf(workload))",
    path: ['parameters'],
  });

export const hostSchema = z
  .object({
    hostname: z.string(),
    os: z.string(),
    kernel: z.string(),
    cpu: z.string(),
    cores: z.number().int().positive(),
    memoryBytes: z.number().int().positive(),
    node: z.string(),
  })
  .strict();

export { linkSchema };

/** How a run was started, when not by hand: its campaign and what scheduled it (since schemaVersion 3, optional). */
export const triggerSchema = z
  .object({
    campaign: z.string().min(1),
    /** The campaign file as given. */
    campaignFile: z.string().min(1),
    /** 1-based position in the campaign's plan, of runCount. */
    runIndex: z.number().int().positive(),
    runCount: z.number().int().positive(),
    /** 1-based repetition of this scenario and link. */
    repetition: z.number().int().positive(),
    scheduledBy: z.enum(['manual', 'quic-lab-scheduler', 'systemd', 'cron', 'github-actions']),
    /** The schedule that fired, e.g. "every 6h" or a cron expression. */
    schedule: z.string().min(1).optional(),
  })
  .strict();

export const resultSchema = z
  .object({
    schemaVersion: z.literal(SCHEMA_VERSION),
    tool: z.object({ name: z.string(), version: z.string(), gitCommit: z.string().nullable() }).strict(),
    runId: z.string().min(1),
    scenario: z.string().min(1),
    startedAt: isoTime,
    finishedAt: isoTime,
    status: z.enum(['completed', 'aborted', 'failed']),
    /** Why a run ended early or failed as a whole; empty when completed. */
    errors: z.array(z.string()),
    options: z.object({ samples: z.number().int().positive(), warmup: z.number().int().nonnegative(), sampleTimeoutMs: z.number().positive() }).strict(),
    host: hostSchema,
    link: linkSchema,
    certificates: certificatesSchema,
    /** Every metric the samples carry (since schemaVersion 2). */
    metrics: z.array(metricDefinitionSchema),
    /** The metrics a summary shows first. */
    headline: z.array(z.string()),
    cases: z.array(caseSchema),
    trigger: triggerSchema.optional(),
    /** A remote server measured instead of the lab's (--target; since schemaVersion 3, optional): cases record it as their server. */
    target: targetSchema.optional(),
  })
  .strict();

export type MetricProvenance = z.infer<typeof metricProvenanceSchema>;
export type MetricDefinition = z.infer<typeof metricDefinitionSchema>;
export type MetricSummary = z.infer<typeof metricSummarySchema>;
export type Sample = z.infer<typeof sampleSchema>;
export type EndpointInfo = z.infer<typeof endpointInfoSchema>;
export type TimingSource = z.infer<typeof timingSourceSchema>;
export type ResultCase = z.infer<typeof caseSchema>;
export type HostInfo = z.infer<typeof hostSchema>;
export type { LinkInfo } from './link.js';
export type { Workload } from './workload.js';
export type CertificatesInfo = z.infer<typeof certificatesSchema>;
export type ResultDocument = z.infer<typeof resultSchema>;
export type RunTrigger = z.infer<typeof triggerSchema>;
export type { TargetInfo, PathMeasurement } from './target.js';
