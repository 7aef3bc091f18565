// One QUIC stream joined to one TCP connection, bytes copied both ways unchanged: how the SMB
// over QUIC stand-in lets a real SMB server (the lab's smbd on TCP 445) answer what a client
// sends on a QUIC stream. The framing needs no translation: SMB over QUIC carries the same framed
// SMB2 messages as Direct TCP (negotiate-exchange.ts).
//
// Bounded: each direction holds at most one chunk in flight. QUIC -> TCP reads the next chunk
// only once the socket took the last one (write() under its high-water mark, else after
// 'drain'); TCP -> QUIC reads the socket in paused mode (its async iterator) and the next chunk
// only once the stream's writer took the last one.
//
// Closed together: the client's FIN half-closes the TCP connection (the SMB server then ends
// it); the server's end finishes the stream (FIN) and stops reading it; an error or reset on
// either side destroys the socket and resets the stream. The returned promise settles when both
// directions are done, with what went through.
import { createConnection } from 'node:net';
import type { ReadableStream, WritableStream } from 'node:stream/web';

export interface BridgeTarget {
  host: string;
  port: number;
}

export interface BridgeSummary {
  /** Bytes the QUIC client sent that were written to the TCP server. */
  toServerBytes: number;
  /** Bytes the TCP server sent that were written to the QUIC stream. */
  toClientBytes: number;
  /** Which side ended the exchange first: the client's FIN, the server's end, or an error. */
  endedBy: 'client' | 'server' | 'error';
  error?: string;
}

export interface BridgeableStream {
  readable: ReadableStream<Uint8Array>;
  writable: WritableStream<Uint8Array>;
}

export const BRIDGE_CONNECT_TIMEOUT_MS = 5000;

const describe = (error: unknown): string => (error instanceof Error ? error.message || error.name : String(error));

export async function bridgeStream(stream: BridgeableStream, target: BridgeTarget, connectTimeoutMs = BRIDGE_CONNECT_TIMEOUT_MS): Promise<BridgeSummary> {
  const reader = stream.readable.getReader();
  const writer = stream.writable.getWriter();
  const socket = createConnection({ host: target.host, port: target.port });
  socket.setNoDelay(true);
  let toServerBytes = 0;
  let toClientBytes = 0;
  let endedBy: BridgeSummary['endedBy'] | undefined;
  let error: string | undefined;
  let upstreamDone = false;

  const fail = (why: string): void => {
    if (error !== undefined) return;
    error = why;
    endedBy ??= 'error';
    socket.destroy();
    reader.cancel(why).catch(() => {});
    writer.abort(why).catch(() => {});
  };
  // A socket that closes (or errors) while a write waits for 'drain' must not leave it waiting.
  const socketGone = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', (e) => fail(`TCP ${target.host}:${target.port}: ${describe(e)}`));

  const connected = new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => {
      fail(`TCP ${target.host}:${target.port}: no connection within ${connectTimeoutMs} ms`);
      resolve(false);
    }, connectTimeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(true);
    });
    void socketGone.then(() => {
      clearTimeout(timer);
      resolve(false);
    });
  });

  // QUIC -> TCP
  const upstream = (async () => {
    if (!(await connected)) return;
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) {
        endedBy ??= 'client';
        socket.end();
        return;
      }
      toServerBytes += chunk.value.length;
      if (!socket.write(chunk.value)) await Promise.race([new Promise((resolve) => socket.once('drain', resolve)), socketGone]);
      if (socket.destroyed) return;
    }
  })()
    .catch((e: unknown) => fail(`QUIC stream (from the client): ${describe(e)}`))
    .finally(() => {
      upstreamDone = true;
    });

  // TCP -> QUIC
  const downstream = (async () => {
    if (!(await connected)) return;
    for await (const chunk of socket as AsyncIterable<Buffer>) {
      await writer.write(chunk);
      toClientBytes += chunk.length;
    }
    if (error !== undefined) return;
    endedBy ??= 'server';
    // Everything was written; the FIN is moot when the client already stopped reading
    // (STOP_SENDING after it had its answer), which closes the writable under us.
    await writer.close().catch(() => {});
    // The server is done with this connection: so is the stream.
    if (!upstreamDone) await reader.cancel('the SMB server closed the connection').catch(() => {});
  })().catch((e: unknown) => fail(`QUIC stream (to the client): ${describe(e)}`));

  await Promise.all([upstream, downstream]);
  socket.destroy();
  reader.releaseLock();
  writer.releaseLock();
  return { toServerBytes, toClientBytes, endedBy: endedBy ?? 'error', ...(error !== undefined ? { error } : {}) };
}
