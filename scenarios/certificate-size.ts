// certificate-size: the server's certificate chain (key type x intermediates) against the
// QUIC anti-amplification limit. Before the client's address is validated a QUIC server may
// send at most three times the bytes it received (RFC 9000 8.1): about 3600 bytes for one
// padded Initial. A flight larger than that waits a round trip for the client's next packet.
// TCP+TLS has no such limit (its first flight is bounded by the initial congestion window).
import { KEY_TYPES } from '../harness/pki/generate.js';
import type { CaseDefinition, ScenarioDefinition } from '../harness/scenario/types.js';
import { checkedExchangeMetrics } from './exchange-metrics.js';
import { VERIFIED_BODY_BYTES } from './integrity.js';
import { HANDSHAKE_METRICS } from './handshake.js';

const SMALL_BODY_BYTES = 1000;
const INTERMEDIATES = [0, 1, 2, 3] as const;

const SWEEP_METRIC_NAMES = ['handshakeMs', 'handshakeRoundTrips', 'serverFirstFlightBytes', 'clientFirstFlightBytes', 'amplificationLimitExceeded', 'wireHandshakeRounds', 'wireHandshakeMs', 'ttfbMs'];

export const CERTIFICATE_SIZE_CASES: readonly CaseDefinition[] = KEY_TYPES.flatMap((keyType) =>
  INTERMEDIATES.flatMap((intermediates): CaseDefinition[] => [
    {
      id: `quic-h3-${keyType}-i${intermediates}`,
      protocol: 'quic',
      application: 'h3',
      client: 'ngtcp2',
      server: 'ngtcp2',
      workload: { kind: 'handshake', bodyBytes: SMALL_BODY_BYTES, certificate: { keyType, intermediates } },
    },
    {
      id: `tcp-tls-h2-${keyType}-i${intermediates}`,
      protocol: 'tcp-tls',
      application: 'h2',
      client: 'undici',
      server: 'node',
      workload: { kind: 'handshake', bodyBytes: SMALL_BODY_BYTES, certificate: { keyType, intermediates } },
    },
  ]),
);

export const certificateSize: ScenarioDefinition = {
  name: 'certificate-size',
  abbreviation: 'CERT',
  description: 'Certificate key type (RSA-2048, RSA-4096, ECDSA P-256) x chain length (0-3 intermediates): when the QUIC server flight passes 3x the client Initial and costs a round trip, next to TCP+TLS',
  metrics: [
    ...HANDSHAKE_METRICS.filter((m) => SWEEP_METRIC_NAMES.includes(m.name)),
    { name: 'clientFirstFlightBytes', unit: 'bytes', description: 'capture: UDP (QUIC) or TCP payload bytes the client sent before the server answered' },
    { name: 'amplificationLimitExceeded', unit: 'count', better: 'lower', description: 'QUIC, capture: 1 when the server flight is larger than 3x the client first flight (RFC 9000 8.1)' },
    { name: 'wireHandshakeRounds', unit: 'count', better: 'lower', description: 'capture: times the client had to send before the server could finish its flight' },
    VERIFIED_BODY_BYTES,
  ],
  headline: ['handshakeMs', 'handshakeRoundTrips', 'serverFirstFlightBytes', 'clientFirstFlightBytes', 'amplificationLimitExceeded', 'wireHandshakeRounds'],
  defaults: { samples: 10, warmup: 1, sampleTimeoutMs: 10_000 },
  cases: CERTIFICATE_SIZE_CASES,
  wireTruth: true,
  measure: ({ client, target, timeoutMs, bodyPath }) => checkedExchangeMetrics(client, { target, path: bodyPath(SMALL_BODY_BYTES), timeoutMs }, SMALL_BODY_BYTES),
};
