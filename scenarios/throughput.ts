// throughput: one transfer per sample on a fresh connection, of each size, over HTTP/1.1 and
// HTTP/2 on TCP+TLS and HTTP/3 on QUIC, interleaved. Goodput counts the body only (first to
// last byte), beside the whole completion time; a kernel TCP flow (iperf3) measured on the
// same link before the samples is the reference for what the link carries.
import { formatSize } from '../harness/files/sizes.js';
import type { CaseOf, ScenarioDefinition, TransferOptions } from '../harness/scenario/types.js';
import { transferSample } from './transfer-sample.js';
import { VERIFIED_BODY_BYTES } from './integrity.js';

export function transferCases(options: TransferOptions): Array<CaseOf<'transfer'>> {
  return options.sizesBytes.flatMap((bytes): Array<CaseOf<'transfer'>> => {
    const size = formatSize(bytes);
    const workload = { kind: 'transfer', bodyBytes: bytes, direction: options.direction } as const;
    return [
      { id: `tcp-tls-h1-${size}`, protocol: 'tcp-tls', application: 'http/1.1', client: 'undici', server: 'node', workload },
      { id: `tcp-tls-h2-${size}`, protocol: 'tcp-tls', application: 'h2', client: 'undici', server: 'node', workload },
      { id: `quic-h3-${size}`, protocol: 'quic', application: 'h3', client: 'ngtcp2', server: 'ngtcp2', workload },
    ];
  });
}

export const TRANSFER_METRICS: ScenarioDefinition['metrics'] = [
  {
    name: 'goodputBitsPerSecond',
    unit: 'bits/s',
    description: 'body bits over the time from its first to its last byte (the handshake excluded)',
    provenance: { kind: 'derived', from: ['bodyBytes', 'bodyStartMs', 'bodyEndMs'], method: "bodyBytes x 8 over bodyEndMs - bodyStartMs, the client's body timings" },
  },
  { name: 'completionMs', unit: 'ms', description: 'from the connect call (TCP) or first Initial (QUIC) to the last body byte (download) or the response to the upload' },
  { name: 'handshakeMs', unit: 'ms', description: 'TLS handshake complete at the client, same origin' },
  { name: 'bodyStartMs', unit: 'ms', description: 'download: the first body byte received; upload: the first body byte sent (same origin)' },
  { name: 'bodyEndMs', unit: 'ms', description: 'download: the last body byte received; upload: the response to the upload received (same origin)' },
  {
    name: 'longestStallMs',
    unit: 'ms',
    description: 'the longest time no new body byte arrived (download) or was handed to the stack (upload) during the body',
    provenance: { kind: 'derived', from: ['bytesOverTime'], method: "the longest gap in the client's progress record of the body (full resolution; the series keeps it downsampled)" },
  },
  {
    name: 'retransmittedPackets',
    unit: 'count',
    better: 'lower',
    description: "packets the sender declared lost and sent again, where the sender's stack tells it",
    provenance: { kind: 'measured', sources: ['ngtcp2-qlog', 'kernel TCP counters (RetransSegs)'] },
  },
  { name: 'retransmittedBytes', unit: 'bytes', better: 'lower', description: 'stream bytes the sender sent again', provenance: { kind: 'measured', sources: ['ngtcp2-qlog'] } },
  { name: 'bodyBytes', unit: 'bytes', description: 'body bytes transferred' },
  VERIFIED_BODY_BYTES,
];

export const throughput: ScenarioDefinition = {
  name: 'throughput',
  abbreviation: 'TP',
  description: 'Download (or upload) goodput and completion time per size: HTTP/1.1 and HTTP/2 over TCP+TLS vs HTTP/3 over QUIC, with an iperf3 TCP reference on the same link',
  metrics: TRANSFER_METRICS,
  headline: ['goodputBitsPerSecond', 'completionMs', 'longestStallMs', 'retransmittedPackets'],
  defaults: { samples: 5, warmup: 1, sampleTimeoutMs: 120_000 },
  cases: transferCases({ sizesBytes: [1_000_000, 10_000_000], direction: 'down' }),
  transfers: { defaults: { sizesBytes: [1_000_000, 10_000_000], direction: 'down' }, cases: transferCases },
  linkReference: true,
  wireTruth: true,
  remoteTarget: true,
  measure: transferSample,
};
