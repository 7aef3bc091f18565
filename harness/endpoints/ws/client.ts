// The WebSocket message client: ws over a node:tls socket of ours (TLS 1.3 only, verified
// against the lab CA with the server name, key log kept), timed from the connect call:
// handshakeMs at TLS secureConnect, sessionMs when the upgrade is done. Every message is one
// binary WebSocket message on the one connection (long-stream mode).
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { connect, type TLSSocket } from 'node:tls';
import type { createConnection } from 'node:net';
import { WebSocket } from 'ws';
import type { EndpointInfo } from '../../results/schema.js';
import type { MessagesSpec, MessagesTimings } from '../types.js';
import type { KeylogWriter } from '../node/keylog-writer.js';
import { NodeMessagesClient } from '../node/messages-client.js';
import { MessageLedger, runMessageSchedule, type MessageSession } from '../node/messages.js';
import type { WorkerClientConfig } from '../node/netns-node-client.js';
import { labTlsClientOptions } from '../node/tls-options.js';
import { ECHO_PATH, WS_MAX_PAYLOAD_BYTES, WS_MODE_NOTE, WS_MODES } from './settings.js';

export const WS_VERSION = (createRequire(import.meta.url)('ws/package.json') as { version: string }).version;
/** After the drain: how long a clean close may take before the connection is dropped. */
const CLOSE_GRACE_MS = 1000;

export class WsClient extends NodeMessagesClient {
  readonly implementation = 'ws-client';
  readonly application = 'websocket';
  protected readonly modes = { modes: WS_MODES, note: WS_MODE_NOTE };

  protected async run(spec: MessagesSpec, keylog: KeylogWriter | undefined): Promise<MessagesTimings> {
    const { target } = spec;
    const originMs = performance.now();
    const ledger = new MessageLedger(spec.count, spec.messageBytes, originMs);
    let handshakeMs: number | undefined;
    const socketFactory = (): TLSSocket => {
      const socket = connect(labTlsClientOptions(this.tls, target, ['http/1.1']));
      socket.setNoDelay(true);
      if (keylog) socket.on('keylog', (line) => keylog.write(line));
      socket.once('secureConnect', () => (handshakeMs = ledger.since()));
      return socket;
    };
    const ws = new WebSocket(`wss://${target.serverName}:${target.port}${ECHO_PATH}`, {
      perMessageDeflate: false,
      maxPayload: WS_MAX_PAYLOAD_BYTES,
      createConnection: socketFactory as unknown as typeof createConnection,
    });
    let endedReason: string | null = null;
    const ended = new Promise<void>((resolve) => {
      ws.once('close', (code, reason) => {
        endedReason ??= `connection closed (${code}${reason.length > 0 ? ` ${reason.toString()}` : ''})`;
        resolve();
      });
      ws.on('error', (error) => {
        endedReason ??= error.message;
      });
    });
    const timeout = setTimeout(() => {
      endedReason ??= `not done within ${spec.timeoutMs} ms`;
      ws.terminate();
    }, spec.timeoutMs);
    try {
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        void ended.then(() => reject(new Error(`ws: no WebSocket session: ${handshakeMs === undefined ? 'TLS handshake failed: ' : ''}${endedReason ?? 'closed'}`)));
      });
      const sessionStartMs = performance.now();
      const sessionMs = ledger.since(sessionStartMs);
      ws.on('message', (data) => ledger.echo(data as Buffer));
      const session: MessageSession = {
        send: (seq, message) => ws.send(message, { binary: true }, (error) => error && ledger.error(`message ${seq}: ${error.message}`)),
        endedReason: () => endedReason,
        ended,
      };
      const drainDeadlineMs = await runMessageSchedule(spec, ledger, session, sessionStartMs);
      return ledger.timings(handshakeMs as number, sessionMs, drainDeadlineMs);
    } finally {
      clearTimeout(timeout);
      if (ws.readyState !== WebSocket.CLOSED) {
        ws.close(1000);
        const grace = setTimeout(() => ws.terminate(), CLOSE_GRACE_MS);
        await ended;
        clearTimeout(grace);
      }
    }
  }

  info(): EndpointInfo {
    return {
      implementation: this.implementation,
      version: WS_VERSION,
      settings: { node: process.versions.node, tls: 'TLSv1.3 only', alpn: 'http/1.1', perMessageDeflate: false, modes: WS_MODES.join(', '), modeNote: WS_MODE_NOTE },
    };
  }
}

/** The worker's twin (client-worker-main.ts) in the client namespace. */
export function workerClient(config: WorkerClientConfig): WsClient {
  return new WsClient(config.tls, config.keylogFile);
}
