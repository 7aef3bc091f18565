// The lab's own probes, run inside a namespace as a program of their own (probe-program.ts,
// `ip netns exec NS node ... '<config JSON>'`). stdout carries JSON lines only: a ready line from the
// servers, one result line at the end. Every mode ends by itself within its time bound.
//
//   udp-echo    echoes probe datagrams, stamping its receive and send times into them
//   udp-probe   sends `count` probes every `intervalMs`, waits at most `waitMs` after the last;
//               a ready line (its own port) as the first probe goes, so a caller can start other
//               traffic once probing runs; SIGTERM ends it early with what it has
//   tcp-sink    accepts one connection, counts its bytes (first and last byte times)
//   tcp-source  connects and sends until `maxBytes` or `maxMs`, whichever comes first
//   udp-flood   paced datagrams (magic, sequence number, send time) at `rateBitsPerSecond`
//               counted at IP level (payload + IP and UDP headers), until `maxWireBytes` or
//               `maxMs`, whichever comes first; sends in small bursts on a ~1 ms timer tick
//   udp-sink    counts flood datagrams and bytes (first and last arrival); ends `idleMs` after
//               the last arrival, at `lifetimeMs` whatever arrived, or on SIGTERM
//
// Times are process.hrtime (CLOCK_MONOTONIC): one clock for every namespace of the host, so
// a send time stamped in one namespace and a receive time in another give a one-way delay.
import { createSocket, type RemoteInfo } from 'node:dgram';
import { createConnection, createServer, isIPv6, type Socket } from 'node:net';
import { z } from 'zod';

const MAGIC = 0x514c5031; // "QLP1"
const FLOOD_MAGIC = 0x514c4631; // "QLF1"
/** Flood datagrams: magic u32, seq u32, send ns u64. */
export const FLOOD_MIN_BYTES = 16;
/** IP + UDP header bytes per datagram, by address family (no IP options, no extension headers). */
export const UDP_HEADER_BYTES = { udp4: 28, udp6: 48 } as const;
/** magic u32, seq u32, client send ns u64, server receive ns u64, server send ns u64 */
export const PROBE_MIN_BYTES = 32;

const host = z.string().min(1);
const port = z.number().int().min(0).max(65535);
const bound = (max: number) => z.number().positive().max(max);

export const probeConfigSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('udp-echo'), host, port, lifetimeMs: bound(600_000) }).strict(),
  z
    .object({
      mode: z.literal('udp-probe'),
      host,
      port: port.min(1),
      count: z.number().int().min(1).max(100_000),
      intervalMs: z.number().min(0.1).max(10_000),
      waitMs: z.number().min(0).max(60_000),
      payloadBytes: z.number().int().min(PROBE_MIN_BYTES).max(1400),
    })
    .strict(),
  z.object({ mode: z.literal('tcp-sink'), host, port, lifetimeMs: bound(600_000) }).strict(),
  z.object({ mode: z.literal('tcp-source'), host, port: port.min(1), maxBytes: z.number().int().positive(), maxMs: bound(600_000) }).strict(),
  z
    .object({
      mode: z.literal('udp-flood'),
      host,
      port: port.min(1),
      /** IP-level bits per second (payload plus IP and UDP headers). */
      rateBitsPerSecond: z.number().positive().max(10e9),
      payloadBytes: z.number().int().min(FLOOD_MIN_BYTES).max(1400),
      /** Budget in IP-level bytes. */
      maxWireBytes: z
        .number()
        .int()
        .positive()
        .max(2 ** 40),
      maxMs: bound(60_000),
    })
    .strict(),
  z.object({ mode: z.literal('udp-sink'), host, port, idleMs: z.number().positive().max(60_000), lifetimeMs: bound(600_000) }).strict(),
]);
export type ProbeConfig = z.infer<typeof probeConfigSchema>;

export const readyLineSchema = z.object({ event: z.literal('ready'), port });

export const probeReplySchema = z.object({
  seq: z.number().int(),
  /** Send time relative to the first probe's. */
  sentMs: z.number(),
  rttMs: z.number().nullable(),
  /** One way, client to echo server (shared host clock). */
  upMs: z.number().nullable(),
  /** One way, echo server to client. */
  downMs: z.number().nullable(),
});
export const udpProbeResultSchema = z.object({
  event: z.literal('result'),
  mode: z.literal('udp-probe'),
  sent: z.number().int(),
  received: z.number().int(),
  duplicates: z.number().int(),
  /** First send to last send. */
  sendSpanMs: z.number(),
  /** hrtime ms (CLOCK_MONOTONIC, as the emulator's startMonotonicNs) of the first send; null: none sent. */
  startedAtMs: z.number().nullable(),
  probes: z.array(probeReplySchema),
});
export type UdpProbeResult = z.infer<typeof udpProbeResultSchema>;

export const tcpSinkResultSchema = z.object({
  event: z.literal('result'),
  mode: z.literal('tcp-sink'),
  bytes: z.number().int(),
  /** hrtime ms of the first and last data events (null: no data). */
  firstByteAtMs: z.number().nullable(),
  lastByteAtMs: z.number().nullable(),
  /** Bytes delivered by the first data event (they arrived before the measured interval). */
  firstChunkBytes: z.number().int(),
  end: z.enum(['fin', 'reset', 'timeout', 'no-connection']),
});
export type TcpSinkResult = z.infer<typeof tcpSinkResultSchema>;

export const tcpSourceResultSchema = z.object({
  event: z.literal('result'),
  mode: z.literal('tcp-source'),
  bytesWritten: z.number().int(),
  connected: z.boolean(),
  end: z.enum(['complete', 'deadline', 'error']),
  error: z.string().nullable(),
});
export type TcpSourceResult = z.infer<typeof tcpSourceResultSchema>;

export const udpFloodResultSchema = z.object({
  event: z.literal('result'),
  mode: z.literal('udp-flood'),
  datagrams: z.number().int(),
  /** UDP payload bytes sent, and the same with IP and UDP headers. */
  payloadBytes: z.number().int(),
  wireBytes: z.number().int(),
  /** First send to last send. */
  sendSpanMs: z.number(),
  /** Sends the socket refused (ENOBUFS and the like): not on the wire. */
  sendErrors: z.number().int(),
  end: z.enum(['budget', 'duration']),
});
export type UdpFloodResult = z.infer<typeof udpFloodResultSchema>;

export const udpSinkResultSchema = z.object({
  event: z.literal('result'),
  mode: z.literal('udp-sink'),
  /** Distinct flood datagrams received (duplicates counted apart). */
  datagrams: z.number().int(),
  duplicates: z.number().int(),
  /** UDP payload bytes of the distinct datagrams. */
  payloadBytes: z.number().int(),
  /** Payload bytes of the first arrival (it arrived before the measured interval). */
  firstPayloadBytes: z.number().int(),
  /** hrtime ms of the first and last arrivals (null: nothing arrived). */
  firstAtMs: z.number().nullable(),
  lastAtMs: z.number().nullable(),
  /** Highest sequence number seen (null: nothing arrived). */
  maxSeq: z.number().int().nullable(),
  /** Arrivals with a lower sequence number than one before them. */
  reordered: z.number().int(),
  /** idle: idleMs after the last arrival; lifetime: the hard bound; stopped: SIGTERM. */
  end: z.enum(['idle', 'lifetime', 'stopped']),
});
export type UdpSinkResult = z.infer<typeof udpSinkResultSchema>;

const nowNs = (): bigint => process.hrtime.bigint();
const nsToMs = (ns: bigint): number => Number(ns) / 1e6;

function emit(line: object): void {
  process.stdout.write(JSON.stringify(line) + '\n');
}

/** Writes the last line and exits once stdout has taken it. */
function finish(line: object): void {
  process.stdout.write(JSON.stringify(line) + '\n', () => process.exit(0));
}

function udpType(address: string): 'udp4' | 'udp6' {
  return isIPv6(address) ? 'udp6' : 'udp4';
}

function udpEcho(config: Extract<ProbeConfig, { mode: 'udp-echo' }>): void {
  const socket = createSocket(udpType(config.host));
  socket.on('message', (msg: Buffer, from: RemoteInfo) => {
    const receivedNs = nowNs();
    if (msg.length < PROBE_MIN_BYTES || msg.readUInt32BE(0) !== MAGIC) return;
    msg.writeBigUInt64BE(receivedNs, 16);
    msg.writeBigUInt64BE(nowNs(), 24);
    socket.send(msg, from.port, from.address);
  });
  socket.bind(config.port, config.host, () => emit({ event: 'ready', port: socket.address().port }));
  setTimeout(() => process.exit(0), config.lifetimeMs).unref();
}

function udpProbe(config: Extract<ProbeConfig, { mode: 'udp-probe' }>): void {
  const socket = createSocket(udpType(config.host));
  const sentNs: Array<bigint | undefined> = new Array<bigint | undefined>(config.count);
  const replies = new Map<number, { rttMs: number; upMs: number; downMs: number }>();
  let duplicates = 0;
  let sent = 0;
  let firstNs = 0n;
  let lastNs = 0n;
  let done = false;

  const report = (): void => {
    if (done) return;
    done = true;
    const probes = [];
    for (let seq = 0; seq < sent; seq++) {
      const reply = replies.get(seq);
      probes.push({
        seq,
        sentMs: nsToMs((sentNs[seq] ?? firstNs) - firstNs),
        rttMs: reply?.rttMs ?? null,
        upMs: reply?.upMs ?? null,
        downMs: reply?.downMs ?? null,
      });
    }
    finish({ event: 'result', mode: 'udp-probe', sent, received: replies.size, duplicates, sendSpanMs: nsToMs(lastNs - firstNs), startedAtMs: sent > 0 ? nsToMs(firstNs) : null, probes });
  };

  socket.on('message', (msg: Buffer) => {
    const receivedNs = nowNs();
    if (msg.length < PROBE_MIN_BYTES || msg.readUInt32BE(0) !== MAGIC) return;
    const seq = msg.readUInt32BE(4);
    const sentAt = sentNs[seq];
    if (sentAt === undefined || msg.readBigUInt64BE(8) !== sentAt) return;
    if (replies.has(seq)) {
      duplicates++;
      return;
    }
    const serverReceivedNs = msg.readBigUInt64BE(16);
    const serverSentNs = msg.readBigUInt64BE(24);
    replies.set(seq, {
      rttMs: nsToMs(receivedNs - sentAt - (serverSentNs - serverReceivedNs)),
      upMs: nsToMs(serverReceivedNs - sentAt),
      downMs: nsToMs(receivedNs - serverSentNs),
    });
    if (sent === config.count && replies.size === config.count) report();
  });

  const payload = Buffer.alloc(config.payloadBytes);
  payload.writeUInt32BE(MAGIC, 0);
  const intervalNs = BigInt(Math.round(config.intervalMs * 1e6));
  const sendNext = (): void => {
    if (done) return;
    const seq = sent;
    payload.writeUInt32BE(seq, 4);
    const at = nowNs();
    payload.writeBigUInt64BE(at, 8);
    sentNs[seq] = at;
    if (seq === 0) firstNs = at;
    lastNs = at;
    sent++;
    socket.send(payload, config.port, config.host);
    if (sent < config.count) {
      // an absolute schedule: a late timer does not push every later probe back
      const dueNs = firstNs + intervalNs * BigInt(sent);
      setTimeout(sendNext, Math.max(0, nsToMs(dueNs - nowNs())));
    } else {
      setTimeout(report, config.waitMs);
    }
  };
  socket.bind(0, () => {
    emit({ event: 'ready', port: socket.address().port });
    sendNext();
  });
  // hard bound, whatever the timers do
  setTimeout(report, config.count * config.intervalMs + config.waitMs + 2000).unref();
  process.once('SIGTERM', report); // stopped early: still say what came back
}

function tcpSink(config: Extract<ProbeConfig, { mode: 'tcp-sink' }>): void {
  let bytes = 0;
  let firstByteAtMs: number | null = null;
  let lastByteAtMs: number | null = null;
  let firstChunkBytes = 0;
  let connection: Socket | undefined;
  const report = (end: TcpSinkResult['end']): void => {
    connection?.destroy();
    finish({ event: 'result', mode: 'tcp-sink', bytes, firstByteAtMs, lastByteAtMs, firstChunkBytes, end });
  };
  const server = createServer((socket) => {
    if (connection) {
      socket.destroy();
      return;
    }
    connection = socket;
    server.close();
    socket.on('data', (chunk: Buffer) => {
      const at = nsToMs(nowNs());
      if (firstByteAtMs === null) {
        firstByteAtMs = at;
        firstChunkBytes = chunk.length;
      }
      lastByteAtMs = at;
      bytes += chunk.length;
    });
    socket.on('end', () => report('fin'));
    socket.on('error', () => report('reset'));
  });
  server.listen(config.port, config.host, () => {
    const address = server.address();
    emit({ event: 'ready', port: typeof address === 'object' && address ? address.port : 0 });
  });
  const stop = (): void => report(connection ? 'timeout' : 'no-connection');
  setTimeout(stop, config.lifetimeMs).unref();
  process.once('SIGTERM', stop); // stopped early: still say what arrived
}

function tcpSource(config: Extract<ProbeConfig, { mode: 'tcp-source' }>): void {
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  let bytesWritten = 0;
  let connected = false;
  let done = false;
  const report = (end: TcpSourceResult['end'], error: string | null): void => {
    if (done) return;
    done = true;
    socket.destroy();
    finish({ event: 'result', mode: 'tcp-source', bytesWritten, connected, end, error });
  };
  const socket = createConnection({ host: config.host, port: config.port });
  const pump = (): void => {
    while (bytesWritten < config.maxBytes && !done) {
      const size = Math.min(chunk.length, config.maxBytes - bytesWritten);
      bytesWritten += size;
      if (!socket.write(size === chunk.length ? chunk : chunk.subarray(0, size))) {
        socket.once('drain', pump);
        return;
      }
    }
    // all written: a clean end, then wait for the peer to close
    if (!done) socket.end();
  };
  socket.on('connect', () => {
    connected = true;
    pump();
  });
  socket.on('error', (error) => report('error', error.message));
  socket.on('close', () => report(bytesWritten >= config.maxBytes ? 'complete' : 'error', bytesWritten >= config.maxBytes ? null : 'closed early'));
  // at the deadline, reset: buffered data must not keep flowing after the bound
  setTimeout(() => report('deadline', null), config.maxMs).unref();
}

function udpFlood(config: Extract<ProbeConfig, { mode: 'udp-flood' }>): void {
  const type = udpType(config.host);
  const socket = createSocket(type);
  const wirePerDatagram = config.payloadBytes + UDP_HEADER_BYTES[type];
  const maxDatagrams = Math.max(1, Math.floor(config.maxWireBytes / wirePerDatagram));
  const perMs = config.rateBitsPerSecond / 8 / wirePerDatagram / 1000;
  /** At most this many datagrams in one tick: a late timer catches up, but not in one burst. */
  const burstCap = Math.max(4, Math.ceil(perMs * 4));
  const template = Buffer.alloc(config.payloadBytes);
  template.writeUInt32BE(FLOOD_MAGIC, 0);
  let sent = 0;
  let sendErrors = 0;
  let inFlight = 0;
  let firstNs = 0n;
  let lastNs = 0n;
  let done = false;
  let end: UdpFloodResult['end'] = 'budget';

  const report = (): void => {
    if (done) return;
    done = true;
    const datagrams = sent - sendErrors;
    const result: UdpFloodResult = {
      event: 'result',
      mode: 'udp-flood',
      datagrams,
      payloadBytes: datagrams * config.payloadBytes,
      wireBytes: datagrams * wirePerDatagram,
      sendSpanMs: nsToMs(lastNs - firstNs),
      sendErrors,
      end,
    };
    finish(result);
  };
  const sentOne = (error: Error | null): void => {
    if (error) sendErrors++;
    inFlight--;
    if (sent >= maxDatagrams && inFlight === 0) report();
  };
  const tick = (): void => {
    if (done) return;
    const now = nowNs();
    if (sent === 0) firstNs = now;
    const elapsedMs = nsToMs(now - firstNs);
    if (elapsedMs >= config.maxMs) {
      end = 'duration';
      if (inFlight === 0) report();
      return;
    }
    // datagrams due by now on an absolute schedule (the first one at once)
    const due = Math.min(maxDatagrams, Math.floor(elapsedMs * perMs) + 1);
    for (let n = 0; sent < due && n < burstCap; n++) {
      // a buffer per datagram: a queued send still refers to its buffer
      const payload = Buffer.from(template);
      payload.writeUInt32BE(sent, 4);
      lastNs = nowNs();
      payload.writeBigUInt64BE(lastNs, 8);
      sent++;
      inFlight++;
      socket.send(payload, config.port, config.host, sentOne);
    }
    if (sent < maxDatagrams) setTimeout(tick, 1);
  };
  socket.bind(0, () => tick());
  // hard bound, whatever the timers and callbacks do
  setTimeout(() => {
    end = 'duration';
    report();
  }, config.maxMs + 2000).unref();
}

function udpSink(config: Extract<ProbeConfig, { mode: 'udp-sink' }>): void {
  const socket = createSocket(udpType(config.host));
  const seen = new Set<number>();
  let duplicates = 0;
  let payloadBytes = 0;
  let firstPayloadBytes = 0;
  let firstAtMs: number | null = null;
  let lastAtMs: number | null = null;
  let maxSeq: number | null = null;
  let reordered = 0;
  let idleTimer: NodeJS.Timeout | undefined;
  let done = false;
  const report = (end: UdpSinkResult['end']): void => {
    if (done) return;
    done = true;
    socket.close();
    const result: UdpSinkResult = {
      event: 'result',
      mode: 'udp-sink',
      datagrams: seen.size,
      duplicates,
      payloadBytes,
      firstPayloadBytes,
      firstAtMs,
      lastAtMs,
      maxSeq,
      reordered,
      end,
    };
    finish(result);
  };
  socket.on('message', (msg: Buffer) => {
    const at = nsToMs(nowNs());
    if (done || msg.length < FLOOD_MIN_BYTES || msg.readUInt32BE(0) !== FLOOD_MAGIC) return;
    const seq = msg.readUInt32BE(4);
    if (seen.has(seq)) {
      duplicates++;
      return;
    }
    seen.add(seq);
    if (firstAtMs === null) {
      firstAtMs = at;
      firstPayloadBytes = msg.length;
    }
    lastAtMs = at;
    payloadBytes += msg.length;
    if (maxSeq !== null && seq < maxSeq) reordered++;
    maxSeq = maxSeq === null ? seq : Math.max(maxSeq, seq);
    if (idleTimer) idleTimer.refresh();
    else idleTimer = setTimeout(() => report('idle'), config.idleMs);
  });
  socket.bind(config.port, config.host, () => emit({ event: 'ready', port: socket.address().port }));
  setTimeout(() => report('lifetime'), config.lifetimeMs).unref();
  process.once('SIGTERM', () => report('stopped')); // stopped early: still say what arrived
}

export function runProbe(config: ProbeConfig): void {
  switch (config.mode) {
    case 'udp-echo':
      return udpEcho(config);
    case 'udp-probe':
      return udpProbe(config);
    case 'tcp-sink':
      return tcpSink(config);
    case 'tcp-source':
      return tcpSource(config);
    case 'udp-flood':
      return udpFlood(config);
    case 'udp-sink':
      return udpSink(config);
  }
}
