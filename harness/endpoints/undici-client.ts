// HTTP/1.1 and HTTP/2 over TCP+TLS 1.3 with undici: one fresh connection per exchange, timed
// from the connect call through TCP connect, TLS, response headers and the last body byte.
import { Client, buildConnector } from 'undici';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import type { TLSSocket } from 'node:tls';
import type { Socket } from 'node:net';
import type { EndpointInfo } from '../results/schema.js';
import { NODE_SOCKET_EVENTS } from './node-tls-client.js';
import { labTlsClientOptions } from './tls-options.js';
import type { ClientEndpoint, ExchangeTimings, RequestSpec, TlsMaterial } from './types.js';

const UNDICI_VERSION = (createRequire(import.meta.url)('undici/package.json') as { version: string }).version;

export class UndiciClient implements ClientEndpoint {
  readonly implementation = 'undici';
  readonly protocol = 'tcp-tls';
  readonly timingSources = {
    connectMs: NODE_SOCKET_EVENTS,
    handshakeMs: NODE_SOCKET_EVENTS,
    ttfbMs: NODE_SOCKET_EVENTS,
    totalMs: NODE_SOCKET_EVENTS,
  };

  constructor(
    private readonly tls: TlsMaterial,
    readonly application: 'h2' | 'http/1.1',
  ) {}

  async prepare(): Promise<void> {}

  async exchange(spec: RequestSpec): Promise<ExchangeTimings> {
    const alpn = this.application === 'h2' ? ['h2'] : ['http/1.1'];
    const tlsOptions = labTlsClientOptions(this.tls, spec.target, alpn);
    const baseConnector = buildConnector({
      ...tlsOptions,
      allowH2: this.application === 'h2',
      maxCachedSessions: 0,
      timeout: spec.timeoutMs,
    } as buildConnector.BuildOptions);
    let startMs = 0;
    let connectMs: number | undefined;
    let handshakeMs: number | undefined;
    let negotiated: string | undefined;
    const connector: buildConnector.connector = (options, callback) => {
      startMs = performance.now();
      // The connector returns its socket at run time though its type says void.
      const socket = baseConnector(options, (error, connected) => {
        if (!error) {
          handshakeMs = performance.now() - startMs;
          const protocol = (connected as TLSSocket).alpnProtocol;
          negotiated = typeof protocol === 'string' ? protocol : undefined;
        }
        // undici's callback types are a union of (error, null) and (null, socket).
        (callback as (e: Error | null, s: typeof connected) => void)(error, connected);
      }) as unknown as Socket | undefined;
      socket?.once('connect', () => {
        connectMs = performance.now() - startMs;
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
      return {
        ...(connectMs !== undefined ? { connectMs } : {}),
        handshakeMs,
        ttfbMs,
        totalMs,
        bodyBytes,
        alpn: negotiated,
      };
    } finally {
      await client.destroy();
    }
  }

  info(): EndpointInfo {
    return {
      implementation: this.implementation,
      version: UNDICI_VERSION,
      settings: { tls: 'TLSv1.3 only', openssl: process.versions.openssl ?? null, node: process.versions.node, sessionResumption: false },
    };
  }
}
