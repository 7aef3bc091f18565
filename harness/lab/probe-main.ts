// The lab's own probes, run inside a namespace (`ip netns exec NS node --import tsx
// probe-main.ts '<config JSON>'`). stdout carries JSON lines only: a ready line from the
// servers, one result line at the end. Every mode ends by itself within its time bound.
//
//   udp-echo    echoes probe datagrams, stamping its receive and send times into them
//   udp-probe   sends `count` probes every `intervalMs`, waits at most `waitMs` after the last
//   tcp-sink    accepts one connection, counts its bytes (first and last byte times)
//   tcp-source  connects and sends until `maxBytes` or `maxMs`, whichever comes first
//
// Times are process.hrtime (CLOCK_MONOTONIC): one clock for every namespace of the host, so
// a send time stamped in one namespace and a receive time in another give a one-way delay.
import { createSocket, type RemoteInfo } from 'node:dgram';
import { createConnection, createServer, isIPv6, type Socket } from 'node:net';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';

const MAGIC = 0x514c5031; // "QLP1"
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
    finish({ event: 'result', mode: 'udp-probe', sent, received: replies.size, duplicates, sendSpanMs: nsToMs(lastNs - firstNs), probes });
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
  socket.bind(0, () => sendNext());
  // hard bound, whatever the timers do
  setTimeout(report, config.count * config.intervalMs + config.waitMs + 2000).unref();
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
  }
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  const parsed = probeConfigSchema.safeParse(JSON.parse(process.argv[2] ?? 'null'));
  if (!parsed.success) {
    process.stderr.write(`probe: bad config: ${parsed.error.message.replace(/\s+/g, ' ')}\n`);
    process.exit(2);
  }
  // timers are unref'd where they are bounds: keep the process for them
  const keepAlive = setInterval(() => undefined, 1000);
  process.on('exit', () => clearInterval(keepAlive));
  runProbe(parsed.data);
}
