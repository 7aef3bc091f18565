// handshake: a fresh connection per sample, timing the transport+TLS handshake and the
// first byte of a small GET. QUIC does both in one round trip; TCP+TLS 1.3 needs two.
import type { ScenarioDefinition } from '../harness/scenario/types.js';

const SMALL_BODY_BYTES = 1000;

export const handshake: ScenarioDefinition = {
  name: 'handshake',
  abbreviation: 'HS',
  description: 'Handshake time and time to first byte of a small GET on a fresh connection: TCP+TLS 1.3 with HTTP/2 vs QUIC with HTTP/3',
  metrics: [
    { name: 'handshakeMs', unit: 'ms', description: 'from the first packet (QUIC Initial) or connect call (TCP) to the completed TLS handshake' },
    { name: 'ttfbMs', unit: 'ms', description: 'from the same origin to the first byte of the response' },
    { name: 'totalMs', unit: 'ms', description: 'from the same origin to the last byte of the response body' },
    { name: 'connectMs', unit: 'ms', description: 'TCP only: until the TCP connection is established' },
    { name: 'clientFinishedSentMs', unit: 'ms', description: 'QUIC (ngtcp2) only: until the client sent its Finished, which ngtcp2 0.12 paces by its initial RTT' },
  ],
  defaults: { samples: 20, warmup: 2, sampleTimeoutMs: 10_000 },
  cases: [
    { id: 'tcp-tls-h2', protocol: 'tcp-tls', application: 'h2', client: 'undici', server: 'node', parameters: { bodyBytes: SMALL_BODY_BYTES } },
    { id: 'quic-h3', protocol: 'quic', application: 'h3', client: 'ngtcp2', server: 'ngtcp2', parameters: { bodyBytes: SMALL_BODY_BYTES } },
  ],
  async measure({ client, target, timeoutMs }) {
    const timings = await client.exchange({ target, path: `/${SMALL_BODY_BYTES}`, timeoutMs });
    if (timings.bodyBytes !== undefined && timings.bodyBytes !== SMALL_BODY_BYTES) {
      throw new Error(`received ${timings.bodyBytes} body bytes, expected ${SMALL_BODY_BYTES}`);
    }
    const { alpn: _alpn, extraMs, ...metrics } = timings;
    return { ...metrics, ...extraMs };
  },
};
