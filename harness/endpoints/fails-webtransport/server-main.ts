// The WebTransport-over-HTTP/2 echo server process (@fails-components/webtransport's Http2Server,
// the lab's chain and key, TLS 1.3 only): sessions at /echo; every datagram and every
// bidirectional stream's bytes are sent back as they arrive (a stream's end ends its echo).
// Runs as its own process (in the server namespace in the lab); prints one JSON "ready" line.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { z } from 'zod';
import { Http2Server } from '@fails-components/webtransport';
import { ECHO_PATH } from './settings.js';

const config = z.object({ host: z.string(), port: z.number().int().min(0).max(65535), keyFile: z.string(), chainFile: z.string() }).parse(JSON.parse(process.argv[2] ?? '{}'));

// The package builds its node:http2 server itself and takes no TLS version: Node's default
// bounds are what its secure context gets.
tls.DEFAULT_MIN_VERSION = 'TLSv1.3';
tls.DEFAULT_MAX_VERSION = 'TLSv1.3';

const server = new Http2Server({
  port: config.port,
  host: config.host,
  // Only the HTTP/3 transport uses it (QUIC's retry tokens); required all the same.
  secret: randomBytes(16).toString('hex'),
  cert: readFileSync(config.chainFile, 'utf8'),
  privKey: readFileSync(config.keyFile, 'utf8'),
  defaultDatagramsReadableMode: 'bytes',
});

/** What the echo uses of the package's server-side session (its own typings leave it unresolved). */
interface EchoSession {
  ready: Promise<unknown>;
  closed: Promise<unknown>;
  datagrams: { readable: ReadableStream<Uint8Array>; createWritable(): WritableStream<Uint8Array> };
  incomingBidirectionalStreams: ReadableStream<{ readable: ReadableStream<Uint8Array>; writable: WritableStream<Uint8Array> }>;
}

function echo(session: EchoSession): void {
  void (async () => {
    const reader = session.datagrams.readable.getReader();
    const writer = session.datagrams.createWritable().getWriter();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      await writer.write(value);
    }
  })().catch(() => {});
  void (async () => {
    const reader = session.incomingBidirectionalStreams.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      value.readable.pipeTo(value.writable).catch(() => {});
    }
  })().catch(() => {});
  session.closed.catch(() => {});
}

server.startServer();
await server.ready;
const sessions = (server.sessionStream(ECHO_PATH) as unknown as ReadableStream<EchoSession>).getReader();
const address = server.address();
if (address === null) throw new Error('the server has no address after starting');
process.stdout.write(JSON.stringify({ event: 'ready', host: address.host, port: address.port }) + '\n');

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => process.exit(0));
}

for (;;) {
  const { done, value } = await sessions.read();
  if (done) break;
  value.ready.then(() => echo(value)).catch(() => {});
}
