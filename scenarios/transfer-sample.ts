// One transfer as a sample: the client's exchange with its body timings and bytes-over-time
// series turned into goodput, completion time and the longest stall; the series is kept,
// downsampled, for reports.
import { downsampleProgress, goodputBitsPerSecond, longestStallMs } from '../harness/measure/transfer.js';
import type { ExchangeTimings } from '../harness/endpoints/types.js';
import { tcpRetransmittedSegments } from '../harness/measure/tcp-counters.js';
import { verifiedMetric } from './integrity.js';
import { workloadOf, type SampleContext, type SampleMeasurement } from '../harness/scenario/types.js';

/** Points of bytesOverTime kept per sample in the result (the metrics use the full series). */
export const SERIES_POINTS = 400;

/** Retransmissions by the sending side: QUIC from a qlog (the client's, or the server's), TCP from the sending namespace's counters. */
async function senderRetransmissions(context: SampleContext, upload: boolean, timings: ExchangeTimings, tcpBefore: number | null): Promise<Record<string, number>> {
  if (context.caseDefinition.protocol === 'quic') {
    const recovery = upload ? timings : await context.server.lastConnectionRecovery?.();
    if (!recovery || recovery.retransmittedPackets === undefined) return {};
    return { retransmittedPackets: recovery.retransmittedPackets, ...(recovery.retransmittedBytes !== undefined ? { retransmittedBytes: recovery.retransmittedBytes } : {}) };
  }
  if (tcpBefore === null || context.namespaces === undefined) return {};
  const after = await tcpRetransmittedSegments(upload ? context.namespaces.client : context.namespaces.server);
  return { retransmittedPackets: after - tcpBefore };
}

export async function transferSample(context: SampleContext): Promise<SampleMeasurement> {
  const { caseDefinition, client, target, timeoutMs, namespaces, bodyPath } = context;
  const { bodyBytes: bytes, direction } = workloadOf(caseDefinition, 'transfer');
  const upload = direction === 'up';
  // Only the lab's namespaces hold nothing but the sample's own connection.
  const tcpBefore = caseDefinition.protocol === 'tcp-tls' && namespaces !== undefined ? await tcpRetransmittedSegments(upload ? namespaces.client : namespaces.server) : null;
  const timings = await client.exchange({
    target,
    // N bytes to download, or (POST) the N bytes the server should receive.
    path: bodyPath(bytes),
    timeoutMs,
    recordProgress: true,
    ...(upload ? { uploadBytes: bytes } : {}),
  });
  const transferred = upload ? timings.uploadedBytes : timings.bodyBytes;
  if (transferred !== bytes) throw new Error(`${upload ? 'uploaded' : 'received'} ${transferred ?? 'an unknown number of'} body bytes, expected ${bytes}`);
  const { bodyStartMs, bodyEndMs, progress } = timings;
  if (bodyStartMs === undefined || bodyEndMs === undefined) throw new Error(`${client.implementation} did not time the body`);
  const completionMs = upload ? bodyEndMs : (timings.totalMs ?? bodyEndMs);
  const metrics: Record<string, number> = { bodyBytes: bytes, completionMs, handshakeMs: timings.handshakeMs, bodyStartMs, bodyEndMs, ...verifiedMetric(timings.verifiedBodyBytes) };
  const goodput = goodputBitsPerSecond(bytes, bodyStartMs, bodyEndMs);
  if (goodput !== null) metrics.goodputBitsPerSecond = goodput;
  if (progress !== undefined) metrics.longestStallMs = longestStallMs(progress);
  Object.assign(metrics, await senderRetransmissions(context, upload, timings, tcpBefore));
  return { metrics, ...(progress !== undefined ? { series: { bytesOverTime: downsampleProgress(progress, SERIES_POINTS) } } : {}), ...(timings.alpn !== undefined ? { clientAlpn: timings.alpn } : {}) };
}
