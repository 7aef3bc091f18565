// Many objects at once with undici, the way a page loads them: HTTP/2 multiplexes them on one
// connection (undici runs only `pipelining` requests at a time, so it is raised to the batch),
// HTTP/1.1 spreads them over a pool of connections, one request at a time on each.
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { Client, Pool, type Dispatcher } from 'undici';
import { BodyCheck } from '../../files/body-check.js';
import type { KeylogWriter } from '../node/keylog-writer.js';
import { timedTlsConnector, type TimedConnection } from '../node/timed-tls-connector.js';
import { labTlsClientOptions } from '../node/tls-options.js';
import type { BatchSpec, BatchTimings, TlsMaterial } from '../types.js';

const DEFAULT_HTTP1_CONNECTIONS = 6;

export async function undiciBatch(tls: TlsMaterial, application: 'h2' | 'http/1.1', spec: BatchSpec, options: { keylog?: KeylogWriter; h2WindowBytes: number }): Promise<BatchTimings> {
  const tlsOptions = labTlsClientOptions(tls, spec.target, [application]);
  const connections: TimedConnection[] = [];
  const connect = timedTlsConnector(tlsOptions, spec.timeoutMs, options.keylog, connections);
  const origin = `https://${spec.target.host.includes(':') ? `[${spec.target.host}]` : spec.target.host}:${spec.target.port}`;
  const timeouts = { headersTimeout: spec.timeoutMs, bodyTimeout: spec.timeoutMs };
  const dispatcher: Dispatcher =
    application === 'h2'
      ? new Client(origin, {
          connect,
          allowH2: true,
          pipelining: Math.max(1, spec.paths.length),
          initialWindowSize: options.h2WindowBytes,
          connectionWindowSize: options.h2WindowBytes,
          ...timeouts,
        })
      : new Pool(origin, { connect, connections: spec.connections ?? DEFAULT_HTTP1_CONNECTIONS, pipelining: 1, ...timeouts });
  const signal = AbortSignal.timeout(spec.timeoutMs);
  const startMs = performance.now();
  const host = `${spec.target.serverName}:${spec.target.port}`;
  try {
    const objects = await Promise.all(
      spec.paths.map(async (path, index) => {
        const response = await dispatcher.request({ path, method: 'GET', headers: { host }, signal });
        // Each object checked against the lab's pattern as it arrives.
        const check = new BodyCheck();
        response.body.on('data', (chunk: Buffer) => check.update(chunk));
        await once(response.body, 'end');
        const completedMs = performance.now() - startMs;
        if (response.statusCode !== 200) throw new Error(`HTTP status ${response.statusCode} for GET ${path}`);
        const verifiedBytes = check.intact(`object ${index + 1}'s body`);
        return { path, bytes: check.result().bytes, completedMs, verifiedBytes };
      }),
    );
    const first = connections[0];
    if (first?.handshakeMs === undefined) throw new Error('no timed TLS handshake');
    const wrong = connections.find((c) => c.alpn !== application);
    if (wrong) throw new Error(`negotiated ALPN ${wrong.alpn ?? 'none'}, wanted ${application}`);
    await options.keylog?.flush();
    return {
      handshakeMs: first.startMs + first.handshakeMs - startMs,
      objects,
      totalMs: Math.max(...objects.map((o) => o.completedMs)),
      connections: connections.length,
    };
  } catch (error) {
    if (signal.aborted) throw new Error(`not all of ${spec.paths.length} objects within ${spec.timeoutMs} ms`, { cause: error });
    throw error;
  } finally {
    await dispatcher.destroy();
  }
}
