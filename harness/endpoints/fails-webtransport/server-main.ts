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

/** The package's default limit for a session's receive window (lib/http2/node/server.js:43). */
const SESSION_WINDOW_BYTES = 15 * 1024 * 1024;

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
  // The package's server receives a session's data into a window of
  // sessionFlowControlWindowSizeLimit (lib/http2/node/server.js:371) but announces
  // initialSessionFlowControlWindow (16 KB by default, line 62) in its SETTINGS, and on Node >=
  // 20 sends no WT_MAX_DATA at the start (lib/http2/session.js:111-126): the client stopped
  // after 16 KB, since the server only extends once half of its own 15 MB is read. The two
  // set equal, what it announces is what it keeps.
  initialSessionFlowControlWindow: SESSION_WINDOW_BYTES,
  sessionFlowControlWindowSizeLimit: SESSION_WINDOW_BYTES,
});

/** What the echo uses of the package's server-side session (its own typings leave it unresolved). */
interface EchoSession {
  ready: Promise<unknown>;
  closed: Promise<unknown>;
  datagrams: { readable: ReadableStream<Uint8Array>; createWritable(): WritableStream<Uint8Array> };
  incomingBidirectionalStreams: ReadableStream<EchoStream>;
}

/** A bidirectional stream as the package hands it over (lib/stream.js HttpWTStream), with its HTTP/2 stream (lib/http2/stream.js). */
interface EchoStream {
  readable: ReadableStream<Uint8Array>;
  writable: WritableStream<Uint8Array>;
  objint?: { outgoingClosed_?: boolean; closeOutgoing?: () => void };
}

/**
 * Tells the package that a stream the client opened is over once its echo ended too. Its HTTP/2
 * stream counts a closed stream towards the client's limit only when both of its sides are
 * closed (lib/http2/stream.js:232-245, then streamidmanager.js:190 raises the limit and sends
 * WT_MAX_STREAMS), but it marks its own side closed on a reset or STOP_SENDING only, never
 * after sending its FIN (drainWrites, stream.js:368-371): the limit stayed at the initial 100
 * streams a session. Called once the FIN was both received and sent (pipeTo resolved).
 */
function closedNormally(stream: EchoStream): void {
  const internal = stream.objint;
  if (internal?.closeOutgoing !== undefined && internal.outgoingClosed_ === false) internal.closeOutgoing();
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
      value.readable
        .pipeTo(value.writable)
        .then(() => closedNormally(value))
        .catch(() => {});
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
