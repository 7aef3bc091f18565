// The round trip and loss of a path to a remote target, measured before a run against it and
// recorded beside the emulated link's (for --via-lab: the path beyond the emulator, from the
// host to the target). TCP connects, since a target's TCP port answers where ICMP may not and
// no privilege is needed: each connect is one SYN / SYN-ACK round trip (the kernel completes
// it; nothing is sent after), and the socket is closed at once.
import { createConnection } from 'node:net';
import { z } from 'zod';
import { median } from './statistics.js';
import { jsonMain, runJsonInNetns } from '../process/netns-json.js';
import { projectPath } from '../project-root.js';
import type { PathMeasurement } from '../results/target.js';

/**
 * A connect that takes this long has had its SYN (or the SYN-ACK) retransmitted: Linux resends
 * a SYN after its initial RTO of 1 s (RFC 6298), so the time measures the retransmission
 * timer, not the path. Such a connect counts as lost, as does one that failed.
 */
export const LOST_AFTER_MS = 1000;
/** Bounds, so a probe cannot turn into traffic of its own. */
export const MAX_PATH_PROBES = 100;
export const MAX_PATH_PROBE_TIMEOUT_MS = 10_000;

/** As the result records it (results/target.ts). */
export type { PathMeasurement };

const pathProbeOptionsSchema = z
  .object({
    address: z.string().min(1),
    port: z.number().int().min(1).max(65535),
    count: z.number().int().min(1).max(MAX_PATH_PROBES),
    /** Per connect: a connect not established by then is given up (and counts as lost). */
    timeoutMs: z.number().positive().max(MAX_PATH_PROBE_TIMEOUT_MS),
    /** Run inside this network namespace (a child process); without it, in this process. */
    netns: z.string().min(1).optional(),
  })
  .strict();
export type PathProbeOptions = z.infer<typeof pathProbeOptionsSchema>;

/** One connect's time in ms, or null when it failed or timed out. */
export type ConnectOutcome = number | null;

/** The measurement from the connects' outcomes (pure: what the live part feeds it). */
export function summarizeConnects(address: string, port: number, outcomes: readonly ConnectOutcome[]): PathMeasurement {
  const samplesMs = outcomes.filter((ms): ms is number => ms !== null && ms < LOST_AFTER_MS);
  return {
    method: 'tcp-connect',
    address,
    port,
    attempts: outcomes.length,
    samplesMs,
    rttMedianMs: samplesMs.length > 0 ? median(samplesMs) : null,
    lossFraction: outcomes.length > 0 ? (outcomes.length - samplesMs.length) / outcomes.length : 0,
  };
}

/** One TCP connect, timed from connect() to established; closed at once. */
function timeConnect(address: string, port: number, timeoutMs: number): Promise<ConnectOutcome> {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const socket = createConnection({ host: address, port });
    const done = (outcome: ConnectOutcome): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    socket.once('connect', () => done(Number(process.hrtime.bigint() - started) / 1e6));
    socket.once('error', () => done(null));
  });
}

async function measureHere(options: PathProbeOptions): Promise<PathMeasurement> {
  const outcomes: ConnectOutcome[] = [];
  // Sequential: one connect in flight, so none queues behind another.
  for (let i = 0; i < options.count; i++) outcomes.push(await timeConnect(options.address, options.port, options.timeoutMs));
  return summarizeConnects(options.address, options.port, outcomes);
}

const pathMeasurementSchema = z.object({
  method: z.literal('tcp-connect'),
  address: z.string(),
  port: z.number(),
  attempts: z.number(),
  samplesMs: z.array(z.number()),
  rttMedianMs: z.number().nullable(),
  lossFraction: z.number(),
});

/** `count` sequential TCP connects to address:port, at most `timeoutMs` each (count x timeoutMs in all). */
export async function measurePath(options: PathProbeOptions): Promise<PathMeasurement> {
  const checked = pathProbeOptionsSchema.parse(options);
  if (checked.netns === undefined) return measureHere(checked);
  const { netns, ...here } = checked;
  return runJsonInNetns('path probe', projectPath('harness/measure/path-probe.ts'), here, netns, checked.count * checked.timeoutMs, (json) => pathMeasurementSchema.parse(json));
}

jsonMain(import.meta.url, 'path probe', pathProbeOptionsSchema.omit({ netns: true }), measureHere);
