// The SMB over QUIC stand-in's process (driven by quic-standin.ts): a @matrixai/quic server
// with the given ALPN list, certificate chain and key. It completes handshakes; with `bridge`
// it joins each stream a client opens to a new TCP connection to bridge.host:port (the lab's
// smbd: stream-bridge.ts), at most MAX_BRIDGES at a time, and refuses the rest; without it, it
// refuses every stream. One JSON line per event on stdout:
//   {"event":"ready","host","port"}              listening
//   {"event":"handshake","remoteHost","remotePort","alpn"}   a handshake completed
//   {"event":"stream-refused","streamId","reason"}  a client stream was cancelled
//   {"event":"stream-bridged","streamId"}         a client stream is being joined to TCP
//   {"event":"bridge-closed","streamId","toServerBytes","toClientBytes","endedBy","error"?}
// Stops on SIGTERM/SIGINT or when stdin closes.
import { randomBytes, createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Logger, { LogLevel } from '@matrixai/logger';
import { QUICServer, events } from '@matrixai/quic';
import { z } from 'zod';
import { bridgeStream } from './stream-bridge.js';

/** Streams bridged at once; more are refused (each holds a TCP connection to the server). */
const MAX_BRIDGES = 16;
let activeBridges = 0;

const configSchema = z.object({
  host: z.string(),
  port: z.number().int().min(0).max(65535),
  chainFile: z.string(),
  keyFile: z.string(),
  alpn: z.array(z.string().min(1)).min(1),
  idleTimeoutMs: z.number().int().positive(),
  bridge: z.object({ host: z.string(), port: z.number().int().min(1).max(65535) }).optional(),
});

const config = configSchema.parse(JSON.parse(process.argv[2] ?? '{}'));

function emit(message: object): void {
  process.stdout.write(JSON.stringify(message) + '\n');
}

// Retry tokens and connection ids are HMAC-SHA256 under a per-process key.
const tokenKey = randomBytes(32);
const toBuffer = (data: ArrayBuffer): Buffer => Buffer.from(data);
const server = new QUICServer({
  crypto: {
    key: tokenKey.buffer.slice(tokenKey.byteOffset, tokenKey.byteOffset + tokenKey.byteLength),
    ops: {
      async sign(key: ArrayBuffer, data: ArrayBuffer): Promise<ArrayBuffer> {
        const mac = createHmac('sha256', toBuffer(key)).update(toBuffer(data)).digest();
        return mac.buffer.slice(mac.byteOffset, mac.byteOffset + mac.byteLength);
      },
      async verify(key: ArrayBuffer, data: ArrayBuffer, signature: ArrayBuffer): Promise<boolean> {
        const mac = createHmac('sha256', toBuffer(key)).update(toBuffer(data)).digest();
        const given = toBuffer(signature);
        return given.length === mac.length && timingSafeEqual(given, mac);
      },
    },
  },
  config: {
    key: readFileSync(config.keyFile, 'utf8'),
    cert: readFileSync(config.chainFile, 'utf8'),
    applicationProtos: config.alpn,
    verifyPeer: false,
    maxIdleTimeout: config.idleTimeoutMs,
  },
  // The library logs every step at INFO to stderr by default.
  logger: new Logger('smb-quic-stand-in', LogLevel.WARN),
});

server.addEventListener(events.EventQUICServerConnection.name, (event: Event) => {
  const connection = (event as events.EventQUICServerConnection).detail;
  const native = (connection as unknown as { conn?: { applicationProto?: () => Uint8Array } }).conn;
  const proto = native?.applicationProto?.();
  emit({
    event: 'handshake',
    remoteHost: connection.remoteHost,
    remotePort: connection.remotePort,
    alpn: proto && proto.length > 0 ? Buffer.from(proto).toString('latin1') : null,
  });
  connection.addEventListener(events.EventQUICConnectionStream.name, (streamEvent: Event) => {
    const stream = (streamEvent as events.EventQUICConnectionStream).detail;
    const streamId = Number(stream.streamId);
    if (config.bridge === undefined || activeBridges >= MAX_BRIDGES) {
      const reason = config.bridge === undefined ? 'the stand-in answers no streams' : `${MAX_BRIDGES} streams are bridged already`;
      emit({ event: 'stream-refused', streamId, reason });
      stream.cancel(new Error(reason));
      return;
    }
    activeBridges++;
    emit({ event: 'stream-bridged', streamId });
    void bridgeStream(stream, config.bridge).then((summary) => {
      activeBridges--;
      emit({ event: 'bridge-closed', streamId, ...summary });
    });
  });
  // Errors end up on the connection's error event; a client going away is not ours to report.
  connection.addEventListener(events.EventQUICConnectionError.name, () => {});
});

let stopping: Promise<void> | undefined;
function stop(): Promise<void> {
  stopping ??= server
    .stop({ force: true })
    .catch((error: unknown) => {
      process.stderr.write(`stop failed: ${error instanceof Error ? error.message : String(error)}\n`);
    })
    .finally(() => process.exit(0));
  return stopping;
}
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
process.stdin.on('end', () => void stop());
process.stdin.resume();

await server.start({ host: config.host, port: config.port });
emit({ event: 'ready', host: server.host, port: server.port });
