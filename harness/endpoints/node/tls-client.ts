// The bare TCP+TLS 1.3 handshake with node:tls: TCP connect, then TLS, then close.
import { connect } from 'node:tls';
import { performance } from 'node:perf_hooks';
import type { EndpointInfo, TimingSource } from '../../results/schema.js';
import { labTlsClientOptions } from './tls-options.js';
import type { ExchangeClient, ExchangeTimings, RequestSpec, SessionMode, TlsMaterial } from '../types.js';
import type { WorkerClientConfig } from './netns-node-client.js';

/**
 * performance.now() is finer than a microsecond, but a socket or TLS event is seen only when
 * the event loop gets to it, and the client's own work (building the ClientHello, verifying the
 * chain) falls inside the interval: against the packet capture such timings run 0.5-1.5 ms
 * long on this hardware, so they are counted as good to a millisecond.
 */
export const NODE_SOCKET_EVENTS: TimingSource = { source: 'node-socket-events', resolutionMs: 1 };

export class NodeTlsClient implements ExchangeClient {
  readonly implementation = 'node-tls';
  readonly protocol = 'tcp-tls';
  readonly application = 'none';
  readonly sessionModes: readonly SessionMode[] = ['cold'];
  readonly timingSources = { connectMs: NODE_SOCKET_EVENTS, handshakeMs: NODE_SOCKET_EVENTS };

  constructor(private readonly tls: TlsMaterial) {}

  async prepare(): Promise<void> {}

  exchange(spec: RequestSpec): Promise<ExchangeTimings> {
    if ((spec.session ?? 'cold') !== 'cold') return Promise.reject(new Error(`node-tls: only cold handshakes, not "${spec.session}"`));
    return new Promise((resolve, reject) => {
      const startMs = performance.now();
      let connectMs: number | undefined;
      const socket = connect(labTlsClientOptions(this.tls, spec.target, ['h2', 'http/1.1']));
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`TLS handshake not done after ${spec.timeoutMs} ms`));
      }, spec.timeoutMs);
      socket.once('connect', () => {
        connectMs = performance.now() - startMs;
      });
      socket.once('secureConnect', () => {
        const handshakeMs = performance.now() - startMs;
        clearTimeout(timer);
        const alpn = socket.alpnProtocol;
        socket.end();
        resolve({
          ...(connectMs !== undefined ? { connectMs } : {}),
          handshakeMs,
          ...(typeof alpn === 'string' ? { alpn } : {}),
        });
      });
      socket.once('error', (error: Error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(error);
      });
    });
  }

  info(): EndpointInfo {
    return {
      implementation: this.implementation,
      version: process.versions.node,
      settings: { tls: 'TLSv1.3 only', openssl: process.versions.openssl ?? null, sessionResumption: false },
    };
  }
}

/** The client a worker in the client namespace builds (see netns-node-client.ts). */
export function workerClient(config: WorkerClientConfig): NodeTlsClient {
  return new NodeTlsClient(config.tls);
}
