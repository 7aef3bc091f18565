// A remote target a run measured instead of the lab's own servers (--target): what was
// contacted (the URL, the one address its name resolved to, and how), what it said of itself
// before the run (Server, Alt-Svc), the byte budget, and its path's own round trip and loss.
import { z } from 'zod';

/** TCP connects timed before the run: one SYN/SYN-ACK round trip each; a connect that failed or needed a SYN retransmission counts as lost. */
export const pathMeasurementSchema = z
  .object({
    method: z.literal('tcp-connect'),
    address: z.string().min(1),
    port: z.number().int().min(1).max(65535),
    attempts: z.number().int().nonnegative(),
    samplesMs: z.array(z.number().nonnegative()),
    rttMedianMs: z.number().nonnegative().nullable(),
    lossFraction: z.number().min(0).max(1),
  })
  .strict();

export const targetSchema = z
  .object({
    /** The URL template as given, with {bytes}. */
    url: z.string().min(1),
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535),
    pathTemplate: z.string().min(1),
    /** The one address every packet went to. */
    address: z.string().min(1),
    resolvedBy: z.enum(['literal', '--resolve', 'dns']),
    /** "direct": the clients on this host, over its own network; "lab": through the lab's emulated link and out of the host (NAT). */
    via: z.enum(['direct', 'lab']),
    /** Response headers of one HTTPS GET before the run (null when absent). */
    server: z.string().nullable(),
    altSvc: z.string().nullable(),
    /** Body bytes the run's plan moves (every sample, warm-up included) and the bound it had to stay within. */
    plannedBodyBytes: z.number().int().nonnegative(),
    maxBytes: z.number().int().positive(),
    /** The path's own round trip and loss before the run: from this host to the target (with via "lab", the part beyond the emulated link). */
    path: pathMeasurementSchema.nullable(),
  })
  .strict();

export type PathMeasurement = z.infer<typeof pathMeasurementSchema>;
export type TargetInfo = z.infer<typeof targetSchema>;
