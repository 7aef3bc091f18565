// The userspace link emulator (native/link-emulator) as a typed child process: start it
// between two TUN devices in two namespaces, wait for its ready line, change the link at
// run time, read its statistics, stop it.
//
// Protocol (stdout is JSON lines only, stderr is human diagnostics):
//   ready:    {"event":"ready","pid":..,"seed":..,"client":{..},"server":{..},...} once both devices exist
//   commands: `set KEY=VALUE [KEY=VALUE...]`, `outage up|down|both MS`, `rebind port|address|reset`, `stats`,
//             `stats-reset`, `record start MS [MAX]`, `record stop`, `record series FROM COUNT`, `quit`, each sent as
//             "#ID COMMAND"; each gets exactly one reply line carrying "command" and "id":
//             {"event":"ok","command":..}, {"event":"stats","command":"stats",...},
//             {"event":"series","command":"record",...} (emulator-queue-series.ts) or
//             {"event":"error","command":..,"message":..}
//   async:    {"event":"rebind",...} when a rebind takes effect, {"event":"remap",...} when a flow
//             gets a new mapping after one (what the server saw of it before and after), {"event":"error","message":..}
//             without "command", and {"event":"stopped","reason":..,<stats>} on exit.
// The emulator brings both devices up itself (unless bringUp is false); addresses and
// routes are the caller's job, after start() resolves.

import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { makeOwnedTempDir } from '../files/owned-temp-dir.js';
import { dirname, join } from 'node:path';
import { isIP } from 'node:net';
import { z } from 'zod';
import { ManagedProcess } from '../process/managed-process.js';
import { emulatorStatsFields, emulatorStatsSchema, type DelayHistogram, type EmulatorStats } from '../results/link.js';
import { projectPath } from '../project-root.js';
import { EmulatorReplies } from './emulator-replies.js';
import { joinQueueSeriesPages, moreQueueSeriesPages, queueSeriesPageSchema, type QueueSeries, type QueueSeriesPage } from './emulator-queue-series.js';

export const EMULATOR_SOURCE_DIR = projectPath('native/link-emulator/');
export const EMULATOR_BINARY = join(EMULATOR_SOURCE_DIR, 'build', 'link-emulator');

export type Direction = 'up' | 'down';
export type DirectionOrBoth = Direction | 'both';
export type RebindKind = 'port' | 'address';

/** Gilbert-Elliott bursty loss, evaluated per packet: transition first, then loss by state. */
export interface GilbertElliottConfig {
  /** P(good -> bad) per packet. */
  pGoodToBad: number;
  /** P(bad -> good) per packet; the mean burst length is 1 / pBadToGood. */
  pBadToGood: number;
  /** Loss probability in the bad state (default 1). */
  lossRateBad?: number;
  /** Loss probability in the good state (default 0). */
  lossRateGood?: number;
  /** At most this many consecutive burst losses (0 or absent: unlimited). */
  maxBurstPackets?: number;
}

/** One direction of the link. Absent fields keep the emulator's current value (0 at start). */
export interface DirectionConfig {
  delayMs?: number;
  /** Uniform jitter in [-jitterMs, +jitterMs] around delayMs. */
  jitterMs?: number;
  /** Let jitter reorder packets (default false: a packet never leaves before the previous one). */
  jitterReorder?: boolean;
  /** Independent random loss, 0..1. */
  lossRate?: number;
  gilbertElliott?: GilbertElliottConfig;
  /** Probability that a packet skips the delay and overtakes those in flight, 0..1. */
  reorderRate?: number;
  duplicateRate?: number;
  /** Probability of flipping one bit after the IP header, 0..1. */
  corruptRate?: number;
  /** Serialization rate; 0 = unlimited. */
  rateBitsPerSecond?: number;
  /** Drop-tail limit of the serialization queue (only with a rate); 0 = none. */
  queuePackets?: number;
  queueBytes?: number;
}

export interface OutageSpec {
  /** Start, relative to the emulator's ready line. */
  startMs: number;
  durationMs: number;
  /** Repeat every periodMs (>= durationMs); absent: once. */
  periodMs?: number;
  /** With a period: number of repetitions (absent: forever). */
  count?: number;
  direction?: DirectionOrBoth;
}

export interface RebindSpec {
  /** When, relative to the emulator's ready line. */
  atMs: number;
  kind: RebindKind;
}

export interface EmulatorConfig {
  up?: DirectionConfig;
  down?: DirectionConfig;
  /** Seed of every random choice (safe integer); absent: the emulator picks one and reports it. */
  seed?: number;
  outages?: OutageSpec[];
  rebinds?: RebindSpec[];
  /** Addresses a client is moved to on an address rebind (IPv4 and/or IPv6), cycled in order and then back. */
  rebindAddresses?: string[];
  /** Busy-poll this long before each departure (0 = timerfd only). */
  spinUs?: number;
}

export interface EmulatorOptions {
  clientNetns: string;
  clientDev: string;
  serverNetns: string;
  serverDev: string;
  config?: EmulatorConfig;
  mtuBytes?: number;
  poolPackets?: number;
  txQueueLenPackets?: number;
  /** Bring both devices up (default true). */
  bringUp?: boolean;
  /** Run the emulator as SCHED_FIFO with this priority (1..99): fewer multi-ms scheduling stalls. */
  realtimePriority?: number;
  binaryPath?: string;
  readyTimeoutMs?: number;
  commandTimeoutMs?: number;
  /** SIGTERM, then SIGKILL after this long (default 2000 ms). */
  stopGraceMs?: number;
}

// ---------------------------------------------------------------- wire schemas

// The statistics line is the one a lab result records (results/link.ts).
const statsFields = emulatorStatsFields;
const statsSchema = emulatorStatsSchema;

const readySchema = z.object({
  event: z.literal('ready'),
  pid: z.number(),
  seed: z.number(),
  mtu: z.number(),
  poolPackets: z.number(),
  commands: z.boolean(),
  client: z.object({ netns: z.string(), dev: z.string(), ifindex: z.number() }),
  server: z.object({ netns: z.string(), dev: z.string(), ifindex: z.number() }),
  startMonotonicNs: z.number(),
});

const rebindEventSchema = z.object({
  event: z.literal('rebind'),
  kind: z.enum(['port', 'address']),
  reason: z.enum(['scheduled', 'command']),
  elapsedMs: z.number(),
  portRebinds: z.number(),
  addressRebinds: z.number(),
});

const endpointSchema = z.object({ address: z.string(), port: z.number() });

/** A flow's new mapping after a rebind: its own source, and the source the server saw before and sees from now on. */
const remapEventSchema = z.object({
  event: z.literal('remap'),
  protocol: z.enum(['udp', 'tcp']),
  elapsedMs: z.number(),
  client: endpointSchema,
  from: endpointSchema,
  to: endpointSchema,
});

const stoppedSchema = z.object({ event: z.literal('stopped'), reason: z.string(), ...statsFields });

export type { DelayHistogram, DirectionStats, EmulatorStats } from '../results/link.js';
export type { QueueSeries, QueueSeriesDirection } from './emulator-queue-series.js';
export type EmulatorReady = z.infer<typeof readySchema>;
export type RebindEvent = z.infer<typeof rebindEventSchema>;
export type RemapEvent = z.infer<typeof remapEventSchema>;

export type EmulatorEvent = { event: 'rebind'; data: RebindEvent } | { event: 'remap'; data: RemapEvent } | { event: 'error'; message: string } | { event: 'stopped'; reason: string; stats: EmulatorStats };

// ---------------------------------------------------------------- config text

function checkNumber(name: string, value: number, min: number, max: number): number {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new RangeError(`link emulator: ${name} must be within [${min}, ${max}], got ${value}`);
  }
  return value;
}

function checkInteger(name: string, value: number, min: number, max: number): number {
  checkNumber(name, value, min, max);
  if (!Number.isInteger(value)) throw new RangeError(`link emulator: ${name} must be an integer, got ${value}`);
  return value;
}

/** The largest values the emulator is given (its own parser takes more: native/link-emulator/config.c). */
export const EMULATOR_LIMITS = {
  /** Delays, jitter, outages and rebind times. */
  timeMs: 1e9,
  rateBitsPerSecond: 1e13,
  queuePackets: 2 ** 32,
  queueBytes: 2 ** 48,
} as const;

const MAX_MS = EMULATOR_LIMITS.timeMs;
/** The emulator's bounds on a queue recording (SERIES_MAX_SAMPLES, SERIES_PAGE_SAMPLES in native/link-emulator). */
const QUEUE_SERIES_MAX_SAMPLES = 1_000_000;
const QUEUE_SERIES_PAGE_SAMPLES = 2000;

/** Microseconds as the emulator reads them (rounded to whole ns). */
function micros(ms: number): string {
  return String(Math.round(ms * 1e6) / 1e3);
}

function millis(ms: number): string {
  return String(Math.round(ms * 1e6) / 1e6);
}

/** The `key=value` pairs for one direction (prefix "up.", "down." or "" for both). */
export function directionConfigLines(prefix: string, c: DirectionConfig): string[] {
  const lines: string[] = [];
  const add = (key: string, value: string): void => {
    lines.push(`${prefix}${key}=${value}`);
  };
  if (c.delayMs !== undefined) add('delay_us', micros(checkNumber('delayMs', c.delayMs, 0, MAX_MS)));
  if (c.jitterMs !== undefined) add('jitter_us', micros(checkNumber('jitterMs', c.jitterMs, 0, MAX_MS)));
  if (c.jitterReorder !== undefined) add('jitter_reorder', c.jitterReorder ? '1' : '0');
  if (c.lossRate !== undefined) add('loss', String(checkNumber('lossRate', c.lossRate, 0, 1)));
  if (c.gilbertElliott !== undefined) {
    const ge = c.gilbertElliott;
    add('ge_p', String(checkNumber('gilbertElliott.pGoodToBad', ge.pGoodToBad, 0, 1)));
    add('ge_r', String(checkNumber('gilbertElliott.pBadToGood', ge.pBadToGood, 0, 1)));
    add('ge_loss_bad', String(checkNumber('gilbertElliott.lossRateBad', ge.lossRateBad ?? 1, 0, 1)));
    add('ge_loss_good', String(checkNumber('gilbertElliott.lossRateGood', ge.lossRateGood ?? 0, 0, 1)));
    add('ge_max_burst', String(checkInteger('gilbertElliott.maxBurstPackets', ge.maxBurstPackets ?? 0, 0, 2 ** 32)));
  }
  if (c.reorderRate !== undefined) add('reorder', String(checkNumber('reorderRate', c.reorderRate, 0, 1)));
  if (c.duplicateRate !== undefined) add('duplicate', String(checkNumber('duplicateRate', c.duplicateRate, 0, 1)));
  if (c.corruptRate !== undefined) add('corrupt', String(checkNumber('corruptRate', c.corruptRate, 0, 1)));
  if (c.rateBitsPerSecond !== undefined) {
    add('rate_bps', String(checkInteger('rateBitsPerSecond', Math.round(c.rateBitsPerSecond), 0, EMULATOR_LIMITS.rateBitsPerSecond)));
  }
  if (c.queuePackets !== undefined) add('queue_packets', String(checkInteger('queuePackets', c.queuePackets, 0, EMULATOR_LIMITS.queuePackets)));
  if (c.queueBytes !== undefined) add('queue_bytes', String(checkInteger('queueBytes', c.queueBytes, 0, EMULATOR_LIMITS.queueBytes)));
  return lines;
}

function outageLine(o: OutageSpec): string {
  const prefix = o.direction === undefined || o.direction === 'both' ? '' : `${o.direction}.`;
  const fields = [millis(checkNumber('outage.startMs', o.startMs, 0, MAX_MS)), millis(checkNumber('outage.durationMs', o.durationMs, 0, MAX_MS))];
  if (o.periodMs !== undefined) {
    checkNumber('outage.periodMs', o.periodMs, o.durationMs, MAX_MS);
    fields.push(millis(o.periodMs));
    if (o.count !== undefined) fields.push(String(checkInteger('outage.count', o.count, 0, 2 ** 32)));
  } else if (o.count !== undefined) {
    throw new RangeError('link emulator: outage.count needs outage.periodMs');
  }
  return `${prefix}outage=${fields.join(',')}`;
}

/** The whole config file the emulator reads with --config. */
export function emulatorConfigText(config: EmulatorConfig): string {
  const lines: string[] = ['# QUIC lab link emulator config (generated)'];
  if (config.seed !== undefined) lines.push(`seed=${checkInteger('seed', config.seed, 0, Number.MAX_SAFE_INTEGER)}`);
  if (config.spinUs !== undefined) lines.push(`spin_us=${checkNumber('spinUs', config.spinUs, 0, 10_000)}`);
  if (config.up) lines.push(...directionConfigLines('up.', config.up));
  if (config.down) lines.push(...directionConfigLines('down.', config.down));
  for (const o of config.outages ?? []) lines.push(outageLine(o));
  for (const address of config.rebindAddresses ?? []) {
    if (isIP(address) === 0) throw new RangeError(`link emulator: bad rebind address ${address}`);
    lines.push(`rebind_address=${address}`);
  }
  for (const r of config.rebinds ?? []) {
    lines.push(`rebind=${millis(checkNumber('rebind.atMs', r.atMs, 0, MAX_MS))},${r.kind}`);
  }
  if ((config.rebinds ?? []).some((r) => r.kind === 'address') && (config.rebindAddresses ?? []).length === 0) {
    throw new RangeError('link emulator: an address rebind needs rebindAddresses');
  }
  return lines.join('\n') + '\n';
}

/** Upper bound (us) of the histogram bucket holding quantile q (0..1), or 0 when empty. */
export function histogramQuantileUpperUs(h: DelayHistogram, q: number): number {
  if (h.count === 0) return 0;
  const target = Math.max(1, Math.ceil(q * h.count));
  let seen = 0;
  for (let i = 0; i < h.bucketCountsLog2Us.length; i++) {
    seen += h.bucketCountsLog2Us[i] ?? 0;
    if (seen >= target) return i === 0 ? 1 : 2 ** i;
  }
  return h.maxNs / 1000;
}

// ---------------------------------------------------------------- build

/** Builds the binary with `make` (idempotent, quick when up to date). */
export function buildEmulator(timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('make', ['-s', '-C', EMULATOR_SOURCE_DIR], { timeout: timeoutMs, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`building the link emulator failed: ${(stderr || stdout || error.message).trim()}`));
      } else {
        resolve(EMULATOR_BINARY);
      }
    });
  });
}

// ---------------------------------------------------------------- the process

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export class EmulatorProcess {
  private readonly replies: EmulatorReplies;
  private readonly listeners = new Set<(event: EmulatorEvent) => void>();
  private finalStats: EmulatorStats | undefined;
  private stopping: Promise<EmulatorStats | undefined> | undefined;
  private readonly stopGraceMs: number;
  /** Rebinds the emulator reported, in order. */
  readonly rebindEvents: RebindEvent[] = [];
  /** New mappings of flows after a rebind, in order. */
  readonly remapEvents: RemapEvent[] = [];
  /** Errors the emulator reported outside a command reply. */
  readonly errors: string[] = [];

  private constructor(
    private readonly proc: ManagedProcess,
    readonly ready: EmulatorReady,
    options: EmulatorOptions,
  ) {
    this.replies = new EmulatorReplies(options.commandTimeoutMs ?? 5000);
    this.stopGraceMs = options.stopGraceMs ?? 2000;
    proc.onLine((line) => this.onLine(line));
    // a write after the process died must not crash the harness: the exit rejects pending commands
    proc.child.stdin?.on('error', () => undefined);
    void proc.exited.then((info) => {
      this.replies.rejectAll(new Error(`link emulator exited (code ${info.code}, signal ${info.signal})${this.stderrTail()}`));
    });
  }

  /** Starts the emulator and resolves once both devices exist (the ready line). */
  static async start(options: EmulatorOptions): Promise<EmulatorProcess> {
    const args = ['--client-netns', options.clientNetns, '--client-dev', options.clientDev, '--server-netns', options.serverNetns, '--server-dev', options.serverDev];
    if (options.mtuBytes !== undefined) args.push('--mtu', String(checkInteger('mtuBytes', options.mtuBytes, 576, 9000)));
    if (options.poolPackets !== undefined) {
      args.push('--pool-packets', String(checkInteger('poolPackets', options.poolPackets, 64, 4 * 1024 * 1024)));
    }
    if (options.txQueueLenPackets !== undefined) {
      args.push('--txqueuelen', String(checkInteger('txQueueLenPackets', options.txQueueLenPackets, 1, 1_000_000)));
    }
    if (options.bringUp === false) args.push('--no-up');
    if (options.realtimePriority !== undefined) {
      args.push('--realtime', String(checkInteger('realtimePriority', options.realtimePriority, 1, 99)));
    }

    const binary = options.binaryPath ?? EMULATOR_BINARY;
    if (!existsSync(binary)) {
      throw new Error(`link emulator not built (${binary}): run \`make -C ${EMULATOR_SOURCE_DIR}\` or npm run setup`);
    }
    const configText = emulatorConfigText(options.config ?? {});
    const dir = await makeOwnedTempDir('qlab-emulator-');
    try {
      const configPath = join(dir, 'link.conf');
      await writeFile(configPath, configText, { mode: 0o600 });
      args.push('--config', configPath);

      const proc = new ManagedProcess({
        name: `link-emulator ${options.clientNetns}<->${options.serverNetns}`,
        command: binary,
        args,
        cwd: dirname(binary),
      });
      // Keep every line from the start, so events right after the ready line are not lost.
      const early: string[] = [];
      const stopCollecting = proc.onLine((l) => early.push(l));
      let line: string;
      try {
        line = await proc.waitForLine(/^\{"event":"(ready|error)"/, options.readyTimeoutMs ?? 5000);
      } catch (error) {
        stopCollecting();
        await proc.stop(options.stopGraceMs ?? 2000);
        throw error;
      }
      stopCollecting();
      const parsed: unknown = JSON.parse(line);
      const ready = readySchema.safeParse(parsed);
      if (!ready.success) {
        await proc.stop(options.stopGraceMs ?? 2000);
        const message = isRecord(parsed) && typeof parsed.message === 'string' ? parsed.message : line;
        throw new Error(`link emulator failed to start: ${message}`);
      }
      const emulator = new EmulatorProcess(proc, ready.data, options);
      for (const l of early.slice(early.indexOf(line) + 1)) emulator.onLine(l);
      return emulator;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  get pid(): number {
    return this.ready.pid;
  }

  get running(): boolean {
    return this.proc.running;
  }

  /** Resolves once the emulator has exited, stopped or killed ("the link emulator exited with signal SIGKILL"). */
  get ended(): Promise<string> {
    return this.proc.exited.then((info) => `the link emulator exited ${info.signal !== null ? `with signal ${info.signal}` : `with code ${info.code}`}`);
  }

  get seed(): number {
    return this.ready.seed;
  }

  /** Replies that answered no waiting command (late after a timeout), dropped. */
  get staleReplies(): readonly string[] {
    return this.replies.stale;
  }

  /** Statistics from the emulator's exit line, once it has stopped. */
  get stoppedStats(): EmulatorStats | undefined {
    return this.finalStats;
  }

  onEvent(listener: (event: EmulatorEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Changes one direction (or both) at run time, all fields at once; unspecified fields keep their values. */
  async set(direction: DirectionOrBoth, config: DirectionConfig): Promise<void> {
    const prefix = direction === 'both' ? '' : `${direction}.`;
    const pairs = directionConfigLines(prefix, config);
    if (pairs.length > 0) await this.command(`set ${pairs.join(' ')}`, 'set');
  }

  /** Sends a raw `set KEY=VALUE [KEY=VALUE...]` (same keys as the config file; applied together or not at all). */
  async setRaw(keyValues: string): Promise<void> {
    if (/[\r\n]/.test(keyValues)) throw new Error('link emulator: a set command is one line');
    await this.command(`set ${keyValues}`, 'set');
  }

  /** Blackholes the direction(s) from now for durationMs. */
  async outage(direction: DirectionOrBoth, durationMs: number): Promise<void> {
    await this.command(`outage ${direction} ${millis(checkNumber('durationMs', durationMs, 0, MAX_MS))}`, 'outage');
  }

  /** Moves the client to a new source port or address from now on. */
  async rebind(kind: RebindKind): Promise<void> {
    await this.command(`rebind ${kind}`, 'rebind');
  }

  /** Undoes every rebind: the client's packets carry its own address and port again, as at start. */
  async restoreBinding(): Promise<void> {
    await this.command('rebind reset', 'rebind');
  }

  async stats(): Promise<EmulatorStats> {
    const reply = await this.command('stats', 'stats');
    return statsSchema.parse(reply);
  }

  /** Zeroes the counters and histograms (state such as queues and outages is kept). */
  async resetStats(): Promise<void> {
    await this.command('stats-reset', 'stats-reset');
  }

  /**
   * Starts sampling each direction's queue (and its drops by cause) every intervalMs, keeping at
   * most maxSamples (default 100 000, the oldest overwritten); the first sample is taken at once.
   * Refused while a recording runs.
   */
  async startQueueRecording(options: { intervalMs: number; maxSamples?: number }): Promise<void> {
    const interval = millis(checkNumber('intervalMs', options.intervalMs, 1, 60_000));
    const max = options.maxSamples === undefined ? '' : ` ${checkInteger('maxSamples', options.maxSamples, 1, QUEUE_SERIES_MAX_SAMPLES)}`;
    await this.command(`record start ${interval}${max}`, 'record');
  }

  /** Stops sampling; the samples stay until the next start. */
  async stopQueueRecording(): Promise<void> {
    await this.command('record stop', 'record');
  }

  /** Every sample of the last (or current) recording, fetched in pages of at most 2000 so the emulator is never busy long. */
  async queueSeries(): Promise<QueueSeries> {
    const pages: QueueSeriesPage[] = [];
    let from = 0;
    // bounded: each page but the last brings at least one sample, and the ring holds at most this many
    for (let i = 0; i <= QUEUE_SERIES_MAX_SAMPLES / QUEUE_SERIES_PAGE_SAMPLES + 1; i++) {
      const page = queueSeriesPageSchema.parse(await this.command(`record series ${from} ${QUEUE_SERIES_PAGE_SAMPLES}`, 'record'));
      pages.push(page);
      if (!moreQueueSeriesPages(page)) break;
      from = page.nextIndex;
    }
    return joinQueueSeriesPages(pages);
  }

  /** SIGTERM, then SIGKILL after the grace period; resolves with the final statistics if reported. */
  stop(): Promise<EmulatorStats | undefined> {
    this.stopping ??= (async () => {
      await this.proc.stop(this.stopGraceMs);
      // The exit line may still be in the pipe when the process is gone: read it out.
      const stdout = this.proc.child.stdout;
      if (this.finalStats === undefined && stdout && !stdout.closed) {
        await Promise.race([once(stdout, 'close'), new Promise((resolve) => setTimeout(resolve, 500).unref())]);
      }
      return this.finalStats;
    })();
    return this.stopping;
  }

  private command(line: string, command: string): Promise<Record<string, unknown>> {
    if (!this.proc.running) return Promise.reject(new Error('link emulator is not running'));
    const stdin = this.proc.child.stdin;
    if (!stdin || stdin.destroyed) return Promise.reject(new Error('link emulator: no command pipe'));
    return this.replies.request(line, command, (text) => stdin.write(text));
  }

  private onLine(line: string): void {
    if (!line.startsWith('{')) return; // stderr diagnostics
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      return;
    }
    if (!isRecord(parsed)) return;
    if (typeof parsed.command === 'string') {
      this.replies.reply(parsed, line);
      return;
    }
    switch (parsed.event) {
      case 'rebind': {
        const event = rebindEventSchema.safeParse(parsed);
        if (event.success) {
          this.rebindEvents.push(event.data);
          this.emit({ event: 'rebind', data: event.data });
        }
        break;
      }
      case 'remap': {
        const event = remapEventSchema.safeParse(parsed);
        if (event.success) {
          this.remapEvents.push(event.data);
          this.emit({ event: 'remap', data: event.data });
        }
        break;
      }
      case 'error': {
        const message = String(parsed.message);
        this.errors.push(message);
        this.emit({ event: 'error', message });
        break;
      }
      case 'stopped': {
        const stopped = stoppedSchema.safeParse(parsed);
        if (stopped.success) {
          const { event: _event, reason, ...stats } = stopped.data;
          this.finalStats = stats;
          this.emit({ event: 'stopped', reason, stats });
        }
        break;
      }
      default:
        break;
    }
  }

  private emit(event: EmulatorEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  private stderrTail(): string {
    const tail = this.proc.stderr();
    return tail ? `: ${tail.split('\n').slice(-3).join(' | ')}` : '';
  }
}
