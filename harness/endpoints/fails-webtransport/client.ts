// The WebTransport-over-HTTP/2 message client: @fails-components/webtransport's WebTransport
// (reliable only) on the lab's TLS connection (lab-connection.ts), timed from the connect
// call: handshakeMs at TLS secureConnect, sessionMs when the CONNECT is answered (ready).
// Modes: a datagram each (over HTTP/2 a capsule: reliable, see DATAGRAM_NOTE), a
// bidirectional stream each (closed after the message; the echo read to its end), or all on
// one long bidirectional stream (echoes cut back into messages).
import { performance } from 'node:perf_hooks';
import type { EndpointInfo } from '../../results/schema.js';
import type { MessagesSpec, MessagesTimings } from '../types.js';
import type { KeylogWriter } from '../node/keylog-writer.js';
import { NodeMessagesClient } from '../node/messages-client.js';
import { MessageLedger, runMessageSchedule, StreamFramer, type MessageSession } from '../node/messages.js';
import type { WorkerClientConfig } from '../node/netns-node-client.js';
import { labHttp2WebTransport, type LabConnectionState, type LabHttp2WebTransport } from './lab-connection.js';
import { DATAGRAM_NOTE, ECHO_PATH, failsVersion, FAILS_MODES, HTTP3_NOTE } from './settings.js';

/** After the drain: how long a clean close may take. */
const CLOSE_GRACE_MS = 1000;

type Session = LabHttp2WebTransport;

/** Reads `readable` to its end, each chunk to `onChunk`; stops early past `maxBytes`. */
async function readAll(readable: ReadableStream<Uint8Array>, onChunk: (chunk: Uint8Array) => void, maxBytes = Infinity): Promise<void> {
  const reader = readable.getReader();
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    onChunk(value);
    bytes += value.byteLength;
    if (bytes > maxBytes) {
      await reader.cancel();
      return;
    }
  }
}

/** The mode's sender, its receiving side started. */
async function sender(session: Session, mode: MessagesSpec['mode'], sizeBytes: number, ledger: MessageLedger): Promise<(seq: number, message: Buffer) => void> {
  const failed = (what: string) => (error: unknown) => ledger.error(`${what}: ${error instanceof Error ? error.message : String(error)}`);
  switch (mode) {
    case 'datagram': {
      void readAll(session.datagrams.readable, (echo) => ledger.echo(echo)).catch(failed('reading datagrams'));
      const writer = session.datagrams.createWritable().getWriter();
      return (seq, message) => void writer.write(message).catch(failed(`datagram ${seq}`));
    }
    case 'stream-per-message':
      return (seq, message) =>
        void (async () => {
          // Past the session's stream limit a message waits for the server to raise it (as one
          // on the long stream waits for flow control) rather than being refused.
          const stream = await session.createBidirectionalStream({ sendGroup: null, waitUntilAvailable: true });
          const writer = stream.writable.getWriter();
          await writer.write(message);
          await writer.close();
          const parts: Uint8Array[] = [];
          await readAll(stream.readable, (chunk) => parts.push(chunk), sizeBytes);
          ledger.echo(Buffer.concat(parts));
        })().catch(failed(`message ${seq}`));
    case 'long-stream': {
      const stream = await session.createBidirectionalStream();
      const framer = new StreamFramer(sizeBytes);
      void readAll(stream.readable, (chunk) => framer.push(chunk).forEach((echo) => ledger.echo(echo))).catch(failed('reading the stream'));
      const writer = stream.writable.getWriter();
      // Writes queue in order behind the stream's flow control, never holding the schedule.
      return (seq, message) => void writer.write(message).catch(failed(`message ${seq}: writing the stream`));
    }
  }
}

export class FailsWebTransportClient extends NodeMessagesClient {
  readonly implementation = 'fails-webtransport-client';
  readonly application = 'webtransport';
  protected readonly modes = { modes: FAILS_MODES };

  protected async run(spec: MessagesSpec, keylog: KeylogWriter | undefined): Promise<MessagesTimings> {
    const { target } = spec;
    const state: LabConnectionState = {};
    const LabWebTransport = await labHttp2WebTransport();
    const originMs = performance.now();
    const ledger = new MessageLedger(spec.count, spec.messageBytes, originMs);
    const session = new LabWebTransport(
      `https://${target.serverName}:${target.port}${ECHO_PATH}`,
      { quicConnectTimeout: spec.timeoutMs, webTransportConnectTimeout: spec.timeoutMs },
      { tls: this.tls, target, state, ...(keylog ? { keylog } : {}) },
    );
    let endedReason: string | null = null;
    const ended = session.closed.then(
      (info) => void (endedReason ??= `session closed (${info.closeCode ?? 0}${info.reason ? ` ${info.reason}` : ''})`),
      (error: unknown) => void (endedReason ??= state.error ?? (error instanceof Error ? error.message : String(error))),
    );
    const timeout = setTimeout(() => {
      endedReason ??= `not done within ${spec.timeoutMs} ms`;
      state.error ??= endedReason;
      session.close();
    }, spec.timeoutMs);
    try {
      try {
        await session.ready;
      } catch (error) {
        throw new Error(`fails-webtransport: no WebTransport session: ${state.error ?? (error instanceof Error ? error.message : String(error))}`, { cause: error });
      }
      const sessionStartMs = performance.now();
      if (state.handshakeDoneMs === undefined) throw new Error('fails-webtransport: the session is up but its TLS handshake was never seen');
      const handshakeMs = ledger.since(state.handshakeDoneMs);
      const send = await sender(session, spec.mode, spec.messageBytes, ledger);
      const messageSession: MessageSession = { send, endedReason: () => endedReason, ended };
      const drainDeadlineMs = await runMessageSchedule(spec, ledger, messageSession, sessionStartMs);
      return ledger.timings(handshakeMs, ledger.since(sessionStartMs), drainDeadlineMs);
    } finally {
      clearTimeout(timeout);
      if (endedReason === null) {
        endedReason = 'closed by the client';
        session.close({ closeCode: 0, reason: 'done' });
      }
      const grace = new Promise((resolve) => setTimeout(resolve, CLOSE_GRACE_MS).unref());
      await Promise.race([ended, grace]);
    }
  }

  info(): EndpointInfo {
    return {
      implementation: this.implementation,
      version: failsVersion(),
      settings: { node: process.versions.node, transport: 'WebTransport over HTTP/2 (reliable only)', tls: 'TLSv1.3 only', alpn: 'h2', modes: FAILS_MODES.join(', '), datagrams: DATAGRAM_NOTE, http3: HTTP3_NOTE },
    };
  }
}

/** The worker's twin (client-worker-main.ts) in the client namespace. */
export function workerClient(config: WorkerClientConfig): FailsWebTransportClient {
  return new FailsWebTransportClient(config.tls, config.keylogFile);
}
