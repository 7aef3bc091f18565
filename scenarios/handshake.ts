// handshake: a fresh connection per sample, timing the transport+TLS handshake and the first
// byte of a small GET, cold, resumed and (QUIC) with the request as 0-RTT early data. QUIC
// needs one round trip before data flows, TCP+TLS 1.3 two; a packet capture checks both.
import type { SessionMode } from '../harness/endpoints/types.js';
import type { HandshakeWorkload } from '../harness/results/workload.js';
import { sessionOf, type CaseDefinition, type ScenarioDefinition } from '../harness/scenario/types.js';
import { checkedExchangeMetrics } from './exchange-metrics.js';
import { VERIFIED_BODY_BYTES } from './integrity.js';

const SMALL_BODY_BYTES = 1000;
const small = (session: SessionMode): HandshakeWorkload => ({ kind: 'handshake', bodyBytes: SMALL_BODY_BYTES, session });

const tcp = (application: 'h2' | 'http/1.1', short: string): CaseDefinition[] => [
  { id: `tcp-tls-${short}`, protocol: 'tcp-tls', application, client: 'undici', server: 'node', workload: small('cold') },
  { id: `tcp-tls-${short}-resumed`, protocol: 'tcp-tls', application, client: 'undici', server: 'node', workload: small('resumed') },
  {
    id: `tcp-tls-${short}-0rtt`,
    protocol: 'tcp-tls',
    application,
    client: 'undici',
    server: 'node',
    workload: small('early-data'),
    unsupported: "TLS 1.3 early data over TCP (with or without TCP Fast Open): Node's TLS has no early-data API, so neither undici nor the Node server can send or accept 0-RTT",
  },
];

export const HANDSHAKE_CASES: readonly CaseDefinition[] = [
  ...tcp('http/1.1', 'h1'),
  ...tcp('h2', 'h2'),
  { id: 'quic-h3', protocol: 'quic', application: 'h3', client: 'ngtcp2', server: 'ngtcp2', workload: small('cold') },
  { id: 'quic-h3-resumed', protocol: 'quic', application: 'h3', client: 'ngtcp2', server: 'ngtcp2', workload: small('resumed') },
  { id: 'quic-h3-0rtt', protocol: 'quic', application: 'h3', client: 'ngtcp2', server: 'ngtcp2', workload: small('early-data') },
];

export const HANDSHAKE_METRICS: ScenarioDefinition['metrics'] = [
  { name: 'handshakeMs', unit: 'ms', description: 'from the first packet (QUIC Initial) or connect call (TCP) to the completed TLS handshake at the client' },
  { name: 'handshakeRoundTrips', unit: 'round trips', description: "handshakeMs divided by the run's calibrated round trip (lab runs)" },
  { name: 'ttfbMs', unit: 'ms', description: 'from the same origin to the first byte of the response' },
  { name: 'ttfbRoundTrips', unit: 'round trips', description: "ttfbMs divided by the run's calibrated round trip (lab runs)" },
  { name: 'totalMs', unit: 'ms', description: 'from the same origin to the last byte of the response body' },
  { name: 'wireHandshakeMs', unit: 'ms', description: "capture: first client packet to the arrival of the server's Finished" },
  { name: 'wireTtfbMs', unit: 'ms', description: 'capture: first client packet to the first packet of the response' },
  { name: 'serverCertificateSent', unit: 'count', description: 'capture (decrypted): 1 when the server sent a Certificate, 0 when not' },
  { name: 'serverFirstFlightBytes', unit: 'bytes', description: "capture: UDP (QUIC) or TCP (TLS) payload bytes of the server's flight up to its Finished" },
  { name: 'clientPacketsBeforeHandshake', unit: 'count', description: "capture: packets the client sent until the server's Finished arrived" },
  { name: 'serverPacketsBeforeHandshake', unit: 'count', description: 'capture: packets the server sent until its Finished arrived' },
  { name: 'clientIpBytesBeforeHandshake', unit: 'bytes', description: 'capture: IP bytes the client sent in that time' },
  { name: 'serverIpBytesBeforeHandshake', unit: 'bytes', description: 'capture: IP bytes the server sent in that time' },
  { name: 'connectMs', unit: 'ms', description: 'TCP only: until the TCP connection is established' },
  { name: 'clientFinishedSentMs', unit: 'ms', description: 'QUIC (ngtcp2) only: until the client sent its Finished, which ngtcp2 0.12 paces by its initial RTT' },
  VERIFIED_BODY_BYTES,
];

export const handshake: ScenarioDefinition = {
  name: 'handshake',
  abbreviation: 'HS',
  description: 'Handshake and time to first byte of a small GET: TCP+TLS 1.3 (HTTP/1.1, HTTP/2) vs QUIC (HTTP/3), cold, resumed and 0-RTT, checked against a packet capture',
  metrics: HANDSHAKE_METRICS,
  headline: ['handshakeMs', 'handshakeRoundTrips', 'ttfbMs', 'ttfbRoundTrips', 'wireHandshakeMs', 'serverCertificateSent', 'serverFirstFlightBytes'],
  defaults: { samples: 20, warmup: 2, sampleTimeoutMs: 10_000 },
  cases: HANDSHAKE_CASES,
  wireTruth: true,
  remoteTarget: true,
  measure: ({ caseDefinition, client, target, timeoutMs, bodyPath }) => checkedExchangeMetrics(client, { target, path: bodyPath(SMALL_BODY_BYTES), timeoutMs, session: sessionOf(caseDefinition) }, SMALL_BODY_BYTES),
};
