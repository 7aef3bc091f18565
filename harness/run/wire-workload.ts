// What the capture says of a sample's workload, one definition for every client (the
// endpoint metric of the same name without "wire" is checked against it in wire-stage.ts):
// - a transfer: the body from its first to its last packet (download: server packets carrying
//   response data; upload: the client's first request packet to the server's first response
//   packet, when the server had it all);
// - a page load: every object's last packet, from the first connection's first packet;
// - an SMB-style copy over HTTP: from the handshake's end to the last read's last packet.
import type { WireConnection } from '../capture/wire-analysis.js';
import { microsecondMs } from '../capture/wire-transfer.js';
import type { Protocol } from '../endpoints/types.js';
import { percentileOfSorted } from '../measure/statistics.js';
import { goodputBitsPerSecond } from '../measure/transfer.js';
import type { Workload } from '../results/workload.js';

/** Milliseconds from `originEpochMs`, rounded to the capture's microsecond. */
function since(originEpochMs: number, epochMs: number): number {
  return microsecondMs(epochMs - originEpochMs);
}

/** Times from a connection's first packet only when it was its SYN or Initial (ttfbMs is null otherwise). */
function originOf(connection: WireConnection): number | null {
  return connection.ttfbMs !== null || connection.handshakeMs !== null ? connection.firstPacketEpochMs : null;
}

export function wireTransferMetrics(connection: WireConnection, upload: boolean, bodyBytes: number): Record<string, number> {
  const t = connection.transfer;
  const startEpochMs = upload ? t.requestStartEpochMs : t.responseStartEpochMs;
  const endEpochMs = upload ? t.responseStartEpochMs : t.responseEndEpochMs;
  const metrics: Record<string, number> = { wireRepeatedPackets: upload ? t.clientRepeatedPackets : t.serverRepeatedPackets };
  const origin = originOf(connection);
  if (origin !== null && startEpochMs !== null) metrics.wireBodyStartMs = since(origin, startEpochMs);
  if (origin !== null && endEpochMs !== null) metrics.wireBodyEndMs = metrics.wireCompletionMs = since(origin, endEpochMs);
  if (startEpochMs !== null && endEpochMs !== null) {
    const goodput = goodputBitsPerSecond(bodyBytes, startEpochMs, endEpochMs);
    if (goodput !== null) metrics.wireGoodputBitsPerSecond = goodput;
  }
  return metrics;
}

/** A page load over `connections` (oldest first): nothing per object unless the wire saw every object end. */
export function wirePageMetrics(connections: readonly WireConnection[], objects: number): Record<string, number> {
  const first = connections[0];
  const origin = first && originOf(first);
  if (first === undefined || origin === null || origin === undefined) return {};
  const ends = connections.flatMap((c) => c.transfer.responseEndsEpochMs).map((epochMs) => since(origin, epochMs));
  const metrics: Record<string, number> = { wireRepeatedPackets: connections.reduce((sum, c) => sum + c.transfer.serverRepeatedPackets, 0) };
  if (ends.length !== objects) return metrics;
  const sorted = [...ends].sort((a, b) => a - b);
  return {
    ...metrics,
    wireAllDoneMs: sorted[sorted.length - 1] as number,
    wireObjectFirstMs: sorted[0] as number,
    wireObjectMedianMs: percentileOfSorted(sorted, 50),
    wireObjectP95Ms: percentileOfSorted(sorted, 95),
  };
}

/** An SMB-style copy over HTTP on one connection: from the handshake's end, as smbclient's clock starts once the session is up. */
export function wireCopyMetrics(connection: WireConnection, bodyBytes: number): Record<string, number> {
  const { handshakeMs, transfer } = connection;
  const metrics: Record<string, number> = { wireRepeatedPackets: transfer.serverRepeatedPackets };
  if (handshakeMs === null || transfer.responseEndEpochMs === null) return metrics;
  const copyMs = since(connection.firstPacketEpochMs + handshakeMs, transfer.responseEndEpochMs);
  const goodput = goodputBitsPerSecond(bodyBytes, 0, copyMs);
  return { ...metrics, wireCopyMs: copyMs, ...(goodput !== null ? { wireGoodputBitsPerSecond: goodput } : {}) };
}

/** The wire metrics of `workload` from the sample's connections to its server (oldest first). */
export function wireWorkloadMetrics(workload: Workload, protocol: Protocol, connections: readonly WireConnection[], metrics: Readonly<Record<string, number>>): Record<string, number> {
  const last = connections.at(-1);
  if (last === undefined) return {};
  switch (workload.kind) {
    case 'transfer':
      // A rebinding sample's connections are the migration scenario's to read.
      return workload.rebind === undefined ? wireTransferMetrics(last, workload.direction === 'up', metrics.bodyBytes ?? workload.bodyBytes) : {};
    case 'batch':
      return wirePageMetrics(connections, workload.objects);
    case 'copy':
      // SMB itself is neither decrypted nor dissected: the wire tells its repeats only.
      if (protocol === 'tcp') return { wireRepeatedPackets: workload.direction === 'up' ? last.transfer.clientRepeatedPackets : last.transfer.serverRepeatedPackets };
      return wireCopyMetrics(last, workload.bodyBytes);
    // A competition's flows go to several servers: each flow's figures are the scenario's own.
    case 'handshake':
    case 'messages':
    case 'competition':
      return {};
  }
}
