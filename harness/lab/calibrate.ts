// Calibration: what the lab's link actually does, measured with the harness's own probes
// (probe-main.ts) run inside the lab's namespaces, beside the emulator's exact counters.
//
//   round trip    UDP probes client -> echo server -> client: min, median, p95; the fraction
//                 without a reply; one-way delays per direction (one host clock)
//   rate          per direction with a configured rate: a paced UDP flood (probe-main.ts
//                 udp-flood -> udp-sink) for about a second at 1.25 x the configured rate
//                 (raised further by the configured loss, so that what survives the loss
//                 still overfills the rate queue); the receiver's delivered IP-level rate
//                 over first to last arrival is the link rate when the queue stayed full.
//                 A TCP transfer's goodput is an optional extra (tcpGoodput), off by default.
//                 Loss needs no correction there: both backends drop before the rate queue.
//   loss          per direction from the emulator's counters over the whole calibration
//                 window (reset before, read after; the flood's datagrams included):
//                 packets in/out and drops by cause
//
// Every step is bounded in packets and time, outages included (probes lost in one are fine;
// a flood hit by one ends on the receiver's idle or hard bound, its rate null, its delivered
// rate kept as measured, partial).
import { once } from 'node:events';
import { ManagedProcess, nodeScriptSpec, runCommand, type ProcessSpec } from '../process/managed-process.js';
import { summarize } from '../measure/statistics.js';
import { averageLossRate, roundTripMs, type DirectionConditions, type LinkConditions } from './conditions.js';
import type { DirectionStats, EmulatorStats } from './emulator-process.js';
import type { AchievedDirection, AchievedLink, DirectionCounters, FloodFigures } from '../results/link.js';
import type { Lab } from './lab.js';
import {
  FLOOD_MIN_BYTES,
  PROBE_MIN_BYTES,
  readyLineSchema,
  tcpSinkResultSchema,
  tcpSourceResultSchema,
  udpFloodResultSchema,
  udpProbeResultSchema,
  udpSinkResultSchema,
  type ProbeConfig,
  type TcpSinkResult,
  type UdpFloodResult,
  type UdpProbeResult,
  type UdpSinkResult,
} from './probe-main.js';
import { projectPath } from '../project-root.js';

const PROBE_PROGRAM = projectPath('harness/lab/probe-program.ts');
/** Allowance for starting Node (with tsx when the build is not current) inside a namespace. */
const STARTUP_MS = 10_000;
/** IPv4 + UDP headers. */
const UDP_IPV4_OVERHEAD_BYTES = 28;

export type Direction = 'up' | 'down';

// What a calibration records: the result schema's shapes (results/link.ts), so they cannot drift.
export type { AchievedDirection, AchievedLink, DirectionCounters, FloodFigures } from '../results/link.js';

export interface CalibrateOptions {
  /** Probe count (default 50, or 400 when loss is configured; fewer when a slow rate limits the pace). */
  probes?: number;
  /** Probe interval (default 10 ms, or 5 ms when loss is configured). */
  probeIntervalMs?: number;
  /** Longest the probes may take, sending (default 3000 ms). */
  probeBudgetMs?: number;
  /** Measure the rate of directions with one configured (default true). */
  measureRate?: boolean;
  /** Flood length (default 1 s; its byte budget is 1.2 x that at the flood's rate). */
  floodSeconds?: number;
  /** Also run a TCP transfer per direction for its goodput, a secondary figure (default false). */
  tcpGoodput?: boolean;
  /** TCP transfer length at the configured rate (default 2 s; the time bound adds room for round trips). */
  transferSeconds?: number;
  /** Progress messages. */
  log?: (message: string) => void;
}

// ---------------------------------------------------------------- probe processes

function probeSpec(name: string, netns: string, config: ProbeConfig): ProcessSpec {
  return nodeScriptSpec(name, PROBE_PROGRAM, config, netns);
}

/** The last line that is a JSON result ("event":"result"). */
function resultLineOf(lines: readonly string[]): unknown {
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i] as string;
    if (line.startsWith('{"event":"result"')) return JSON.parse(line);
  }
  return undefined;
}

/**
 * A probe server (udp-echo, tcp-sink or udp-sink) in a namespace, ready, with every output line
 * kept; or a udp-probe client, which reports ready as its first probe goes (latency-probe-flow.ts).
 */
export class ProbeServer {
  private constructor(
    readonly proc: ManagedProcess,
    readonly port: number,
    private readonly lines: string[],
  ) {}

  static async start(netns: string, config: Extract<ProbeConfig, { mode: 'udp-echo' | 'tcp-sink' | 'udp-sink' | 'udp-probe' }>): Promise<ProbeServer> {
    const proc = new ManagedProcess(probeSpec(`probe ${config.mode} in ${netns}`, netns, config));
    const lines: string[] = [];
    proc.onLine((line) => lines.push(line));
    try {
      const ready = readyLineSchema.parse(JSON.parse(await proc.waitForLine(/^\{"event":"ready"/, STARTUP_MS)));
      return new ProbeServer(proc, ready.port, lines);
    } catch (error) {
      await proc.stop(1000);
      throw error;
    }
  }

  /** Waits (at most timeoutMs) for the process to end by itself, then stops it (SIGTERM); returns its result line. */
  async finish(timeoutMs: number): Promise<unknown> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.proc.exited, new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
    await this.stop();
    return resultLineOf(this.lines);
  }

  async stop(): Promise<void> {
    await this.proc.stop(1000);
    // the last line may still be in the pipe when the process is gone
    const stdout = this.proc.child.stdout;
    if (stdout && !stdout.closed) await Promise.race([once(stdout, 'close'), new Promise((r) => setTimeout(r, 500).unref())]);
  }
}

async function runProbeClient(netns: string, config: Extract<ProbeConfig, { mode: 'udp-probe' | 'tcp-source' | 'udp-flood' }>, boundMs: number): Promise<unknown> {
  const result = await runCommand({ ...probeSpec(`probe ${config.mode} in ${netns}`, netns, config), timeoutMs: boundMs + STARTUP_MS });
  const parsed = resultLineOf(result.stdout.split('\n'));
  if (parsed === undefined) {
    const why = result.timedOut ? 'timed out' : `exit ${result.code ?? result.signal}`;
    throw new Error(`probe ${config.mode} in ${netns}: no result (${why}): ${result.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  }
  return parsed;
}

/** Sends UDP probes from `netns` to an echo server; bounded by count x interval + wait. */
export async function runUdpProbes(netns: string, config: Omit<Extract<ProbeConfig, { mode: 'udp-probe' }>, 'mode'>): Promise<UdpProbeResult> {
  const bound = config.count * config.intervalMs + config.waitMs + 2000;
  return udpProbeResultSchema.parse(await runProbeClient(netns, { mode: 'udp-probe', ...config }, bound));
}

export type TcpTransfer = {
  direction: Direction;
  bytes: number;
  durationMs: number | null;
  goodputBitsPerSecond: number | null;
  end: TcpSinkResult['end'];
  /** Bytes the emulator sent on in this direction during the transfer (null on netem). */
  wireBytes: number | null;
};

/** One TCP bulk transfer across the lab in `direction`, at most maxBytes and maxMs. */
export async function tcpTransfer(lab: Lab, direction: Direction, options: { maxBytes: number; maxMs: number }): Promise<TcpTransfer> {
  const [senderNs, receiverNs, receiverHost] = direction === 'up' ? [lab.namespaces.client, lab.namespaces.server, lab.addresses.serverIpv4] : [lab.namespaces.server, lab.namespaces.client, lab.addresses.clientIpv4];
  const sink = await ProbeServer.start(receiverNs, { mode: 'tcp-sink', host: receiverHost, port: 0, lifetimeMs: options.maxMs + 3000 });
  try {
    const before = await lab.linkStats();
    const source = tcpSourceResultSchema.parse(await runProbeClient(senderNs, { mode: 'tcp-source', host: receiverHost, port: sink.port, maxBytes: options.maxBytes, maxMs: options.maxMs }, options.maxMs));
    // without a connection (an outage, say) there is nothing to wait for
    const received = tcpSinkResultSchema.parse(await sink.finish(source.connected ? 3000 : 0));
    const after = await lab.linkStats();
    const durationMs = received.firstByteAtMs !== null && received.lastByteAtMs !== null ? received.lastByteAtMs - received.firstByteAtMs : null;
    const measuredBytes = received.bytes - received.firstChunkBytes;
    return {
      direction,
      bytes: received.bytes,
      durationMs,
      goodputBitsPerSecond: durationMs !== null && durationMs > 0 && measuredBytes > 0 ? (measuredBytes * 8 * 1000) / durationMs : null,
      end: received.end,
      wireBytes: before && after ? after[direction].bytesOut - before[direction].bytesOut : null,
    };
  } finally {
    await sink.stop();
  }
}

// ---------------------------------------------------------------- UDP flood

export type FloodPlan = {
  targetBitsPerSecond: number;
  /** Random plus burst loss configured in this direction (the saturation check's fallback without counters). */
  configuredLossRate: number;
  maxWireBytes: number;
  maxMs: number;
  payloadBytes: number;
  /** The receiver ends this long after the last arrival. */
  idleMs: number;
  /** How long to wait for the receiver after the sender is done (delay, queue drain, idle). */
  tailMs: number;
};

/** Over the configured rate, so the rate queue fills and stays full. */
const FLOOD_OVERDRIVE = 1.25;
/** Datagrams of up to 1200 payload bytes, fewer bytes on slow links so that a flood has at least this many. */
const FLOOD_MIN_DATAGRAMS = 30;
const FLOOD_MAX_PAYLOAD_BYTES = 1200;

/** The flood for one direction: 1.25 x the rate, divided by the configured loss's survival (loss comes before the rate queue). */
export function floodPlan(conditions: LinkConditions, direction: Direction, seconds = 1): FloodPlan | null {
  const d = conditions[direction];
  if (d.rateBitsPerSecond === null) return null;
  const loss = averageLossRate(d);
  const survival = 1 - Math.min(0.5, loss);
  const targetBitsPerSecond = (d.rateBitsPerSecond * FLOOD_OVERDRIVE) / survival;
  const maxWireBytes = Math.ceil((targetBitsPerSecond * seconds * 1.2) / 8);
  const wirePerDatagram = Math.min(FLOOD_MAX_PAYLOAD_BYTES + UDP_IPV4_OVERHEAD_BYTES, Math.max(FLOOD_MIN_BYTES + UDP_IPV4_OVERHEAD_BYTES, Math.floor((targetBitsPerSecond * seconds) / 8 / FLOOD_MIN_DATAGRAMS)));
  const serializationMs = ((wirePerDatagram * 8) / d.rateBitsPerSecond) * 1000;
  const idleMs = Math.max(300, 5 * serializationMs, 4 * d.jitterMs + 100);
  // what the sender puts in beyond the rate stays queued after it stops: at most the excess
  const drainMs = (((targetBitsPerSecond - d.rateBitsPerSecond) * seconds * 1.2) / d.rateBitsPerSecond) * 1000;
  const tailMs = d.delayMs + 2 * d.jitterMs + drainMs + idleMs + 500;
  return { targetBitsPerSecond, configuredLossRate: loss, maxWireBytes, maxMs: seconds * 1000, payloadBytes: wirePerDatagram - UDP_IPV4_OVERHEAD_BYTES, idleMs, tailMs };
}

export type UdpFlood = {
  direction: Direction;
  plan: FloodPlan;
  sent: UdpFloodResult;
  received: UdpSinkResult;
  /** Emulator counters of this direction over the flood (null on netem). */
  before: DirectionStats | null;
  after: DirectionStats | null;
};

/** One paced UDP flood across the lab in `direction`; bounded by the plan (outages included). */
export async function udpFlood(lab: Lab, direction: Direction, plan: FloodPlan): Promise<UdpFlood> {
  const [senderNs, receiverNs, receiverHost] = direction === 'up' ? [lab.namespaces.client, lab.namespaces.server, lab.addresses.serverIpv4] : [lab.namespaces.server, lab.namespaces.client, lab.addresses.clientIpv4];
  const sink = await ProbeServer.start(receiverNs, {
    mode: 'udp-sink',
    host: receiverHost,
    port: 0,
    idleMs: plan.idleMs,
    lifetimeMs: STARTUP_MS + plan.maxMs + plan.tailMs + 2000,
  });
  try {
    const before = await lab.linkStats();
    const sent = udpFloodResultSchema.parse(
      await runProbeClient(
        senderNs,
        { mode: 'udp-flood', host: receiverHost, port: sink.port, rateBitsPerSecond: plan.targetBitsPerSecond, payloadBytes: plan.payloadBytes, maxWireBytes: plan.maxWireBytes, maxMs: plan.maxMs },
        plan.maxMs + 2000,
      ),
    );
    // the sink ends by itself idleMs after the last arrival; otherwise (an outage) it is stopped
    const received = udpSinkResultSchema.parse(await sink.finish(plan.tailMs));
    const after = await lab.linkStats();
    return { direction, plan, sent, received, before: before?.[direction] ?? null, after: after?.[direction] ?? null };
  } finally {
    await sink.stop();
  }
}

/** The flood's figures and what they say about the link rate. */
function floodFigures(flood: UdpFlood): { figures: FloodFigures; delivered: number | null; rate: number | null; rateSource: AchievedDirection['rateSource'] } {
  const { plan, sent, received, before, after } = flood;
  const receivedWireBytes = received.payloadBytes + received.datagrams * UDP_IPV4_OVERHEAD_BYTES;
  const arrivalSpanMs = received.firstAtMs !== null && received.lastAtMs !== null ? received.lastAtMs - received.firstAtMs : null;
  const measuredWireBytes = receivedWireBytes - (received.datagrams > 0 ? received.firstPayloadBytes + UDP_IPV4_OVERHEAD_BYTES : 0);
  const delivered = arrivalSpanMs !== null && arrivalSpanMs > 0 && measuredWireBytes > 0 ? (measuredWireBytes * 8 * 1000) / arrivalSpanMs : null;
  const diff = (pick: (s: DirectionStats) => number): number | null => (before && after ? pick(after) - pick(before) : null);
  const packetsIn = diff((s) => s.packetsIn);
  const lossDrops = diff((s) => s.dropped.loss + s.dropped.burstLoss);
  const lossRate = packetsIn !== null && lossDrops !== null && packetsIn > 0 ? lossDrops / packetsIn : null;
  const outageDrops = diff((s) => s.dropped.outage);
  // what survived the loss, offered to the rate queue, against what came out of it
  const survived = 1 - (lossRate ?? plan.configuredLossRate);
  const offered = sent.sendSpanMs > 0 ? (sent.wireBytes * survived * 8 * 1000) / sent.sendSpanMs : null;
  const saturated = delivered !== null && offered !== null ? offered >= 1.05 * delivered : null;
  const figures: FloodFigures = {
    targetBitsPerSecond: plan.targetBitsPerSecond,
    maxWireBytes: plan.maxWireBytes,
    payloadBytes: plan.payloadBytes,
    sentDatagrams: sent.datagrams,
    sentWireBytes: sent.wireBytes,
    sendSpanMs: sent.sendSpanMs,
    sendEnd: sent.end,
    receivedDatagrams: received.datagrams,
    receivedWireBytes,
    arrivalSpanMs,
    sinkEnd: received.end,
    emulatorWireBytes: diff((s) => s.bytesOut),
    lossRate,
    queueOverflowDrops: diff((s) => s.dropped.queueOverflow),
    outageDrops,
    saturated,
  };
  // an outage during the flood leaves a gap in the arrivals: the delivered rate is partial, no link rate
  const usable = delivered !== null && saturated === true && (outageDrops ?? 0) === 0;
  return {
    figures,
    delivered,
    rate: usable ? delivered : null,
    rateSource: usable ? (before && after ? 'udp-flood-saturated' : 'udp-flood-assumed-saturated') : null,
  };
}

// ---------------------------------------------------------------- calibration

function lossConfigured(d: DirectionConditions): boolean {
  return d.lossRate > 0 || d.burstLoss !== null;
}

function counters(s: DirectionStats): DirectionCounters {
  return {
    packetsIn: s.packetsIn,
    packetsOut: s.packetsOut,
    bytesIn: s.bytesIn,
    bytesOut: s.bytesOut,
    dropped: { ...s.dropped },
    duplicated: s.duplicated,
    reordered: s.reordered,
    corrupted: s.corrupted,
  };
}

function achievedDirection(oneWayMs: number[], flood: UdpFlood | undefined, transfer: TcpTransfer | undefined, stats: DirectionStats | null): AchievedDirection {
  const delay = summarize(oneWayMs);
  const f = flood ? floodFigures(flood) : null;
  const c = stats ? counters(stats) : null;
  const totalDropped = c ? Object.values(c.dropped).reduce((sum, n) => sum + n, 0) : 0;
  return {
    delayMinMs: delay?.min ?? null,
    delayMedianMs: delay?.median ?? null,
    delayP95Ms: delay?.p95 ?? null,
    rateBitsPerSecond: f?.rate ?? null,
    rateSource: f?.rateSource ?? null,
    deliveredBitsPerSecond: f?.delivered ?? null,
    flood: f?.figures ?? null,
    goodputBitsPerSecond: transfer?.goodputBitsPerSecond ?? null,
    transferBytes: transfer?.bytes ?? null,
    transferMs: transfer?.durationMs ?? null,
    transferEnd: transfer?.end ?? null,
    lossRate: c && c.packetsIn > 0 ? (c.dropped.loss + c.dropped.burstLoss) / c.packetsIn : null,
    dropRate: c && c.packetsIn > 0 ? totalDropped / c.packetsIn : null,
    counters: c,
  };
}

/** The probe plan: count and interval, paced to use at most a quarter of the slowest configured rate. */
export function probePlan(conditions: LinkConditions, options: Pick<CalibrateOptions, 'probes' | 'probeIntervalMs' | 'probeBudgetMs'> = {}): { count: number; intervalMs: number; waitMs: number; payloadBytes: number } {
  const lossy = lossConfigured(conditions.up) || lossConfigured(conditions.down);
  const payloadBytes = PROBE_MIN_BYTES;
  const rates = [conditions.up.rateBitsPerSecond, conditions.down.rateBitsPerSecond].filter((r): r is number => r !== null);
  const slowest = rates.length > 0 ? Math.min(...rates) : Infinity;
  const pacedMs = (((payloadBytes + UDP_IPV4_OVERHEAD_BYTES) * 8) / (slowest / 4)) * 1000;
  const intervalMs = Math.max(options.probeIntervalMs ?? (lossy ? 5 : 10), pacedMs);
  const budgetMs = options.probeBudgetMs ?? 3000;
  const wanted = options.probes ?? (lossy ? 400 : 50);
  const count = Math.max(1, Math.min(wanted, Math.floor(budgetMs / intervalMs) + 1));
  const jitterMs = conditions.up.jitterMs + conditions.down.jitterMs;
  const waitMs = Math.min(5000, Math.max(500, 2 * (roundTripMs(conditions) + 2 * jitterMs) + 300));
  return { count, intervalMs, waitMs, payloadBytes };
}

/** Measures the achieved link; bounded in time (about probes + 2 x (flood + tail) + startup, plus the TCP transfers if asked). */
export async function calibrateLab(lab: Lab, options: CalibrateOptions = {}): Promise<AchievedLink> {
  const log = options.log ?? (() => undefined);
  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  const conditions = lab.conditions;
  const plan = probePlan(conditions, options);

  await lab.emulator?.resetStats();

  log(`calibration: ${plan.count} UDP probes every ${plan.intervalMs.toFixed(1)} ms`);
  const echo = await ProbeServer.start(lab.namespaces.server, {
    mode: 'udp-echo',
    host: lab.addresses.serverIpv4,
    port: 0,
    lifetimeMs: plan.count * plan.intervalMs + plan.waitMs + 2 * STARTUP_MS,
  });
  let probes: UdpProbeResult;
  try {
    probes = await runUdpProbes(lab.namespaces.client, { host: lab.addresses.serverIpv4, port: echo.port, ...plan });
  } finally {
    await echo.stop();
  }

  const floods: Partial<Record<Direction, UdpFlood>> = {};
  const transfers: Partial<Record<Direction, TcpTransfer>> = {};
  if (options.measureRate ?? true) {
    for (const direction of ['up', 'down'] as const) {
      const plan = floodPlan(conditions, direction, options.floodSeconds ?? 1);
      if (plan === null) continue;
      log(`calibration: UDP flood ${direction} at ${(plan.targetBitsPerSecond / 1e6).toFixed(3)} Mbit/s, ` + `${plan.payloadBytes}-byte datagrams, at most ${plan.maxWireBytes} bytes or ${plan.maxMs} ms`);
      floods[direction] = await udpFlood(lab, direction, plan);
    }
  }
  if ((options.measureRate ?? true) && options.tcpGoodput) {
    const seconds = options.transferSeconds ?? 2;
    for (const direction of ['up', 'down'] as const) {
      const rate = conditions[direction].rateBitsPerSecond;
      if (rate === null) continue;
      const maxBytes = Math.max(Math.round((rate * seconds) / 8), 4 * 1448);
      const maxMs = Math.min(15_000, seconds * 1000 + 500 + 3 * roundTripMs(conditions));
      log(`calibration: TCP ${direction}, at most ${maxBytes} bytes or ${maxMs} ms`);
      transfers[direction] = await tcpTransfer(lab, direction, { maxBytes, maxMs });
    }
  }

  const stats: EmulatorStats | null = await lab.linkStats();
  const answered = probes.probes.filter((p) => p.rttMs !== null);
  const rtt = summarize(answered.map((p) => p.rttMs as number));
  return {
    startedAt,
    durationMs: Date.now() - started,
    backend: lab.backend,
    probe: { ...plan, sent: probes.sent, received: probes.received, duplicates: probes.duplicates },
    rttMinMs: rtt?.min ?? null,
    rttMedianMs: rtt?.median ?? null,
    rttP95Ms: rtt?.p95 ?? null,
    probeLossRate: probes.sent > 0 ? 1 - probes.received / probes.sent : null,
    countersWindowMs: stats?.intervalMs ?? null,
    up: achievedDirection(
      answered.map((p) => p.upMs as number),
      floods.up,
      transfers.up,
      stats?.up ?? null,
    ),
    down: achievedDirection(
      answered.map((p) => p.downMs as number),
      floods.down,
      transfers.down,
      stats?.down ?? null,
    ),
  };
}

// ---------------------------------------------------------------- table

export type CalibrationRow = {
  quantity: string;
  configured: number | null;
  achieved: number | null;
  unit: 'ms' | '%' | 'Mbit/s';
};

/** A fraction in percent, free of binary noise (0.1 -> 10, not 10.000000000000002). */
function percent(fraction: number | null): number | null {
  return fraction === null ? null : Number((fraction * 100).toPrecision(12));
}

function mbit(bitsPerSecond: number | null): number | null {
  return bitsPerSecond === null ? null : Number((bitsPerSecond / 1e6).toPrecision(12));
}

/** Configured beside achieved, one row per quantity; rate rows only for directions with a rate. */
export function calibrationRows(configured: LinkConditions, achieved: AchievedLink): CalibrationRow[] {
  const rtt = roundTripMs(configured);
  const upLoss = averageLossRate(configured.up);
  const downLoss = averageLossRate(configured.down);
  const rows: CalibrationRow[] = [
    { quantity: 'round trip (min)', configured: rtt, achieved: achieved.rttMinMs, unit: 'ms' },
    { quantity: 'round trip (median)', configured: rtt, achieved: achieved.rttMedianMs, unit: 'ms' },
    { quantity: 'up delay (median)', configured: configured.up.delayMs, achieved: achieved.up.delayMedianMs, unit: 'ms' },
    { quantity: 'down delay (median)', configured: configured.down.delayMs, achieved: achieved.down.delayMedianMs, unit: 'ms' },
    { quantity: 'round-trip probe loss', configured: percent(1 - (1 - upLoss) * (1 - downLoss)), achieved: percent(achieved.probeLossRate), unit: '%' },
    { quantity: 'up loss', configured: percent(upLoss), achieved: percent(achieved.up.lossRate), unit: '%' },
    { quantity: 'down loss', configured: percent(downLoss), achieved: percent(achieved.down.lossRate), unit: '%' },
  ];
  for (const direction of ['up', 'down'] as const) {
    const rate = configured[direction].rateBitsPerSecond;
    if (rate !== null) rows.push({ quantity: `${direction} rate`, configured: mbit(rate), achieved: mbit(achieved[direction].rateBitsPerSecond), unit: 'Mbit/s' });
  }
  return rows;
}
