// undici's connector, ours: every connection is a fresh node:tls socket (TLS 1.3, lab CA,
// no session cache unless a ticket is given), timed from the connect call through TCP
// connect and the TLS handshake, with its key log lines and its session ticket kept.
import { performance } from 'node:perf_hooks';
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import type { buildConnector } from 'undici';
import type { KeylogWriter } from './keylog-writer.js';

/** One connection the connector made; times in ms from its own connect call. */
export interface TimedConnection {
  startMs: number;
  connectMs?: number;
  handshakeMs?: number;
  resumed?: boolean;
  alpn?: string;
  ticket?: Buffer;
  socket: TLSSocket;
}

export function timedTlsConnector(tlsOptions: ConnectionOptions, timeoutMs: number, keylog: KeylogWriter | undefined, connections: TimedConnection[]): buildConnector.connector {
  return (_options, callback) => {
    const startMs = performance.now();
    const tlsSocket = connect(tlsOptions);
    const record: TimedConnection = { startMs, socket: tlsSocket };
    connections.push(record);
    tlsSocket.setNoDelay(true);
    if (keylog) tlsSocket.on('keylog', (line) => keylog.write(line));
    tlsSocket.once('session', (data: Buffer) => {
      record.ticket = data;
    });
    tlsSocket.once('connect', () => {
      record.connectMs = performance.now() - startMs;
    });
    const onError = (error: Error): void => {
      clearTimeout(connectTimer);
      (callback as (e: Error | null, s: null) => void)(error, null);
    };
    // undici's request timeouts start after the connection: bound TCP connect + TLS here.
    const connectTimer = setTimeout(() => {
      const stage = record.connectMs === undefined ? 'TCP connection (SYN unanswered)' : 'TLS handshake';
      tlsSocket.destroy(new Error(`${stage} not done within ${timeoutMs} ms`));
    }, timeoutMs);
    tlsSocket.once('error', onError);
    tlsSocket.once('secureConnect', () => {
      clearTimeout(connectTimer);
      record.handshakeMs = performance.now() - startMs;
      record.resumed = tlsSocket.isSessionReused();
      const protocol = tlsSocket.alpnProtocol;
      if (typeof protocol === 'string') record.alpn = protocol;
      tlsSocket.off('error', onError);
      (callback as (e: Error | null, s: TLSSocket) => void)(null, tlsSocket);
    });
  };
}
