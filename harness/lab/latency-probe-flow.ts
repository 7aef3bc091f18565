// A latency probe flow over the lab link: small UDP echoes at a steady rate (10 a second of
// 64 bytes by default) from the client namespace to an echo server in the server namespace,
// for a bounded time, run beside other traffic to see the queueing delay it causes. The
// pieces are calibration's (probe-main.ts udp-echo and udp-probe, calibrate.ts ProbeServer);
// the summary is measure/latency-probe.ts.
import { latencySummary, type LatencySummary } from '../measure/latency-probe.js';
import { ProbeServer } from './calibrate.js';
import type { Lab } from './lab.js';
import { PROBE_MIN_BYTES, udpProbeResultSchema, type UdpProbeResult } from './probe-main.js';

/** What the probe needs of the lab: its namespaces and the server's address. */
export interface ProbeLab {
  namespaces: Pick<Lab['namespaces'], 'client' | 'server'>;
  addresses: Pick<Lab['addresses'], 'serverIpv4'>;
}

export interface LatencyProbeOptions {
  /** Probes a second (default 10; at most 1000). */
  ratePerSecond?: number;
  /** How long to probe (at most 10 minutes); the count is rate x duration. */
  durationMs: number;
  /** UDP payload of each probe (default 64, at least 32). */
  payloadBytes?: number;
  /** How long a reply is waited for after the last probe (default 2000 ms); later ones count as lost. */
  waitMs?: number;
}

export interface LatencyProbeResult {
  ratePerSecond: number;
  payloadBytes: number;
  /** CLOCK_MONOTONIC ms of the first probe (the emulator's startMonotonicNs clock); null: none sent. */
  startedAtMs: number | null;
  sent: number;
  received: number;
  duplicates: number;
  /** Every probe in order: sent at sentMs after the first; rttMs (and one-way upMs, downMs) null when lost. */
  probes: UdpProbeResult['probes'];
  summary: LatencySummary;
}

const DEFAULT_RATE_PER_SECOND = 10;
const DEFAULT_PAYLOAD_BYTES = 64;
const DEFAULT_WAIT_MS = 2000;
/** The probe client's own hard bound (probe-main.ts) is count x interval + wait + 2 s; this covers it. */
const END_SLACK_MS = 5000;

function checked(name: string, value: number, min: number, max: number): number {
  if (!Number.isFinite(value) || value < min || value > max) throw new RangeError(`latency probe: ${name} must be within [${min}, ${max}], got ${value}`);
  return value;
}

export class LatencyProbeFlow {
  private constructor(
    private readonly echo: ProbeServer,
    private readonly client: ProbeServer,
    private readonly ratePerSecond: number,
    private readonly payloadBytes: number,
    private readonly boundMs: number,
  ) {}

  /** Starts the echo server and the prober; resolves once the first probe has gone. */
  static async start(lab: ProbeLab, options: LatencyProbeOptions): Promise<LatencyProbeFlow> {
    const ratePerSecond = checked('ratePerSecond', options.ratePerSecond ?? DEFAULT_RATE_PER_SECOND, 0.1, 1000);
    const durationMs = checked('durationMs', options.durationMs, 1, 600_000);
    const payloadBytes = checked('payloadBytes', options.payloadBytes ?? DEFAULT_PAYLOAD_BYTES, PROBE_MIN_BYTES, 1400);
    const waitMs = checked('waitMs', options.waitMs ?? DEFAULT_WAIT_MS, 0, 60_000);
    const intervalMs = 1000 / ratePerSecond;
    const count = Math.max(1, Math.round((durationMs * ratePerSecond) / 1000));
    const boundMs = count * intervalMs + waitMs + END_SLACK_MS;
    const echo = await ProbeServer.start(lab.namespaces.server, { mode: 'udp-echo', host: lab.addresses.serverIpv4, port: 0, lifetimeMs: boundMs + 10_000 });
    try {
      const client = await ProbeServer.start(lab.namespaces.client, { mode: 'udp-probe', host: lab.addresses.serverIpv4, port: echo.port, count, intervalMs, waitMs, payloadBytes });
      return new LatencyProbeFlow(echo, client, ratePerSecond, payloadBytes, boundMs);
    } catch (error) {
      await echo.stop();
      throw error;
    }
  }

  /** Waits for the probing to end by itself (bounded), then stops the echo server. */
  result(): Promise<LatencyProbeResult> {
    return this.end(this.boundMs);
  }

  /** Ends the probing now (the prober reports what it has), then stops the echo server. */
  stop(): Promise<LatencyProbeResult> {
    return this.end(0);
  }

  private async end(waitMs: number): Promise<LatencyProbeResult> {
    try {
      const line = await this.client.finish(waitMs);
      if (line === undefined) throw new Error(`latency probe: no result from the prober${this.client.proc.stderr() ? `: ${this.client.proc.stderr()}` : ''}`);
      const r = udpProbeResultSchema.parse(line);
      return {
        ratePerSecond: this.ratePerSecond,
        payloadBytes: this.payloadBytes,
        startedAtMs: r.startedAtMs,
        sent: r.sent,
        received: r.received,
        duplicates: r.duplicates,
        probes: r.probes,
        summary: latencySummary(r.probes.map((p) => p.rttMs)),
      };
    } finally {
      await this.echo.stop();
    }
  }
}

/** Probes for the whole duration and returns the result. */
export async function measureLatency(lab: ProbeLab, options: LatencyProbeOptions): Promise<LatencyProbeResult> {
  return (await LatencyProbeFlow.start(lab, options)).result();
}
