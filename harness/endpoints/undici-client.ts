// HTTP/1.1 and HTTP/2 over TCP+TLS 1.3 with undici: one fresh connection per exchange, timed
// from the connect call through TCP connect, TLS, response headers and the last body byte.
// Its connector is our own node:tls connect, so the session (resumption) and the key log
// are in our hands and nothing is cached between exchanges.
import { Client, type buildConnector } from 'undici';
import { createRequire } from 'node:module';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { connect, type TLSSocket } from 'node:tls';
import type { EndpointInfo } from '../results/schema.js';
import { KeylogWriter } from './keylog-writer.js';
import { NODE_SOCKET_EVENTS } from './node-tls-client.js';
import { labTlsClientOptions } from './tls-options.js';
import { checkSessionOutcome, type ClientEndpoint, type ExchangeTimings, type RequestSpec, type SessionMode, type TlsMaterial } from './types.js';

const UNDICI_VERSION = (createRequire(import.meta.url)('undici/package.json') as { version: string }).version;

export interface UndiciClientOptions {
  /** Append TLS secrets here (NSS key log format) so a capture can be decrypted. */
  keylogFile?: string;
}

export class UndiciClient implements ClientEndpoint {
  readonly implementation = 'undici';
  readonly protocol = 'tcp-tls';
  // Node's TLS has no client API for TLS 1.3 early data, so there is no 0-RTT over TCP here.
  readonly sessionModes: readonly SessionMode[] = ['cold', 'resumed'];
  readonly timingSources = {
    connectMs: NODE_SOCKET_EVENTS,
    handshakeMs: NODE_SOCKET_EVENTS,
    ttfbMs: NODE_SOCKET_EVENTS,
    totalMs: NODE_SOCKET_EVENTS,
  };
  private readonly keylog: KeylogWriter | undefined;

  constructor(
    private readonly tls: TlsMaterial,
    readonly application: 'h2' | 'http/1.1',
    options: UndiciClientOptions = {},
  ) {
    this.keylog = options.keylogFile !== undefined ? new KeylogWriter(options.keylogFile) : undefined;
  }

  async prepare(): Promise<void> {}

  async exchange(spec: RequestSpec): Promise<ExchangeTimings> {
    const mode = spec.session ?? 'cold';
    if (!this.sessionModes.includes(mode)) throw new Error(`undici: session mode "${mode}" is not possible: Node's TLS offers no TLS 1.3 early data`);
    let session: Buffer | undefined;
    // One deadline for the whole exchange, priming connection included.
    const deadline = Date.now() + spec.timeoutMs;
    if (mode === 'resumed') {
      // The ticket comes from a priming connection made for this exchange alone.
      session = (await this.exchangeOnce(spec, undefined, true)).ticket;
      if (session === undefined) throw new Error('the priming connection got no session ticket from the server');
    }
    const { timings } = await this.exchangeOnce({ ...spec, timeoutMs: Math.max(1, deadline - Date.now()) }, session, false);
    checkSessionOutcome(mode, timings);
    return timings;
  }

  private async exchangeOnce(spec: RequestSpec, session: Buffer | undefined, wantTicket: boolean): Promise<{ timings: ExchangeTimings; ticket?: Buffer }> {
    const alpn = this.application === 'h2' ? ['h2'] : ['http/1.1'];
    const tlsOptions = { ...labTlsClientOptions(this.tls, spec.target, alpn), ...(session !== undefined ? { session } : {}) };
    let startMs = 0;
    let connectMs: number | undefined;
    let handshakeMs: number | undefined;
    let resumed: boolean | undefined;
    let negotiated: string | undefined;
    let ticket: Buffer | undefined;
    let socket: TLSSocket | undefined;
    const connector: buildConnector.connector = (_options, callback) => {
      startMs = performance.now();
      const tlsSocket = connect(tlsOptions);
      socket = tlsSocket;
      tlsSocket.setNoDelay(true);
      if (this.keylog) tlsSocket.on('keylog', (line) => this.keylog?.write(line));
      tlsSocket.once('session', (data: Buffer) => {
        ticket = data;
      });
      tlsSocket.once('connect', () => {
        connectMs = performance.now() - startMs;
      });
      const onError = (error: Error): void => {
        clearTimeout(connectTimer);
        (callback as (e: Error | null, s: null) => void)(error, null);
      };
      // undici's request timeouts start after the connection: bound TCP connect + TLS here.
      const connectTimer = setTimeout(() => {
        const stage = connectMs === undefined ? 'TCP connection (SYN unanswered)' : 'TLS handshake';
        tlsSocket.destroy(new Error(`${stage} not done within ${spec.timeoutMs} ms`));
      }, spec.timeoutMs);
      tlsSocket.once('error', onError);
      tlsSocket.once('secureConnect', () => {
        clearTimeout(connectTimer);
        handshakeMs = performance.now() - startMs;
        resumed = tlsSocket.isSessionReused();
        const protocol = tlsSocket.alpnProtocol;
        negotiated = typeof protocol === 'string' ? protocol : undefined;
        tlsSocket.off('error', onError);
        (callback as (e: Error | null, s: TLSSocket) => void)(null, tlsSocket);
      });
    };
    const origin = `https://${spec.target.host.includes(':') ? `[${spec.target.host}]` : spec.target.host}:${spec.target.port}`;
    const client = new Client(origin, {
      connect: connector,
      allowH2: this.application === 'h2',
      pipelining: 1,
      headersTimeout: spec.timeoutMs,
      bodyTimeout: spec.timeoutMs,
    });
    const abort = AbortSignal.timeout(spec.timeoutMs);
    try {
      const response = await client.request({
        path: spec.path,
        method: 'GET',
        headers: { host: `${spec.target.serverName}:${spec.target.port}` },
        signal: abort,
      });
      const ttfbMs = performance.now() - startMs;
      let bodyBytes = 0;
      for await (const chunk of response.body) bodyBytes += (chunk as Buffer).length;
      const totalMs = performance.now() - startMs;
      if (response.statusCode !== 200) throw new Error(`HTTP status ${response.statusCode} for ${spec.path}`);
      if (handshakeMs === undefined) throw new Error('response without a timed TLS handshake');
      if (negotiated !== this.application) throw new Error(`negotiated ALPN ${negotiated ?? 'none'}, wanted ${this.application}`);
      // TLS 1.3 tickets come after the handshake; the server sends them with its first flight
      // of data, so they are normally here already.
      if (wantTicket && ticket === undefined && socket) await once(socket, 'session', { signal: abort }).catch(() => {});
      await this.keylog?.flush();
      const timings: ExchangeTimings = {
        ...(connectMs !== undefined ? { connectMs } : {}),
        handshakeMs,
        ttfbMs,
        totalMs,
        bodyBytes,
        alpn: negotiated,
        resumed: resumed === true,
        earlyDataAccepted: false,
      };
      return { timings, ...(ticket !== undefined ? { ticket } : {}) };
    } catch (error) {
      if (abort.aborted) {
        const stage = connectMs === undefined ? 'TCP connection (SYN unanswered)' : handshakeMs === undefined ? 'TLS handshake' : 'response';
        throw new Error(`${stage} not done within ${spec.timeoutMs} ms`);
      }
      throw error;
    } finally {
      await client.destroy();
    }
  }

  info(): EndpointInfo {
    return {
      implementation: this.implementation,
      version: UNDICI_VERSION,
      settings: {
        tls: 'TLSv1.3 only',
        openssl: process.versions.openssl ?? null,
        node: process.versions.node,
        sessionTickets: 'per exchange, from a priming connection, never cached',
        earlyData: 'not available (Node has no TLS 1.3 early data API)',
      },
    };
  }
}
