// Joins the packet capture to the samples: each sample's own connection (the last one to
// its server that started while the sample ran; a resumed sample makes a priming connection
// first) gives wire-derived metrics, and a sample whose client timings disagree with the
// wire by more than the coarser source's resolution is flagged.
import { connectionsInWindow, type WireConnection } from '../capture/wire-analysis.js';
import type { Sample, TimingSource } from '../results/schema.js';
import type { Protocol, SessionMode } from '../endpoints/types.js';

export interface SampleWindow {
  startEpochMs: number;
  endEpochMs: number;
}

/** tcpdump in the client namespace: kernel timestamps in microseconds. */
export const WIRE_TIMING_SOURCE: TimingSource = { source: 'packet-capture', resolutionMs: 0.001 };

/** Wire metrics that are timings (the others are counts and sizes). */
export const WIRE_TIMING_METRICS = ['wireHandshakeMs', 'wireTtfbMs'] as const;

/** Endpoint timing -> the wire timing it is checked against. */
const CHECKED: ReadonlyArray<readonly [string, (typeof WIRE_TIMING_METRICS)[number]]> = [
  ['handshakeMs', 'wireHandshakeMs'],
  ['ttfbMs', 'wireTtfbMs'],
];

/** The sample's connections: those to `server` that began inside `window`, oldest first. */
export function connectionsOfSample(connections: readonly WireConnection[], server: { port: number; transport: 'tcp' | 'udp' }, window: SampleWindow): WireConnection[] {
  return connectionsInWindow(connections, window.startEpochMs, window.endEpochMs).filter((c) => c.transport === server.transport && c.server.port === server.port);
}

/** The sample's measured connection: the last one to `server` that began inside `window`. */
export function connectionOfSample(connections: readonly WireConnection[], server: { port: number; transport: 'tcp' | 'udp' }, window: SampleWindow): WireConnection | undefined {
  return connectionsOfSample(connections, server, window).at(-1);
}

/** The numbers a connection contributes to its sample (absent where the wire cannot tell). */
export function wireMetrics(connection: WireConnection): Record<string, number> {
  const metrics: Record<string, number> = {};
  const optional: Record<string, number | boolean | null | undefined> = {
    clientPacketsBeforeHandshake: connection.clientPacketsBeforeHandshake,
    clientIpBytesBeforeHandshake: connection.clientIpBytesBeforeHandshake,
    serverPacketsBeforeHandshake: connection.serverPacketsBeforeHandshake,
    serverIpBytesBeforeHandshake: connection.serverIpBytesBeforeHandshake,
    wireHandshakeMs: connection.handshakeMs,
    wireTtfbMs: connection.ttfbMs,
    serverCertificateSent: connection.serverCertificateSent,
    serverFirstFlightBytes: connection.serverFirstFlightBytes,
    clientFirstFlightBytes: connection.clientFirstFlightBytes,
    amplificationLimitExceeded: connection.exceedsAmplificationLimit,
    wireHandshakeRounds: connection.handshakeRounds,
  };
  for (const [name, value] of Object.entries(optional)) {
    if (typeof value === 'boolean') metrics[name] = value ? 1 : 0;
    else if (typeof value === 'number') metrics[name] = value;
  }
  return metrics;
}

/** Why a sample deserves a second look, given its metrics (wire ones included). */
export function wireFlags(
  definition: { session?: SessionMode | undefined },
  metrics: Readonly<Record<string, number>>,
  timingSources: Readonly<Record<string, TimingSource>>,
  connection: Pick<WireConnection, 'undecryptablePackets' | 'notes'>,
): string[] {
  const flags: string[] = [];
  for (const [metric, wireMetric] of CHECKED) {
    const endpoint = metrics[metric];
    const wire = metrics[wireMetric];
    if (endpoint === undefined || wire === undefined) continue;
    const toleranceMs = Math.max(timingSources[metric]?.resolutionMs ?? 0, WIRE_TIMING_SOURCE.resolutionMs);
    if (Math.abs(endpoint - wire) > toleranceMs) {
      flags.push(`${metric} ${endpoint.toFixed(3)} ms vs ${wireMetric} ${wire.toFixed(3)} ms: apart by more than ${toleranceMs} ms`);
    }
  }
  const certificate = metrics.serverCertificateSent;
  const resumed = definition.session === 'resumed' || definition.session === 'early-data';
  if (resumed && certificate === 1) flags.push('the server sent a Certificate on a resumed connection');
  if (!resumed && certificate === 0) flags.push('no Certificate from the server on a full handshake');
  if (connection.undecryptablePackets > 0) flags.push(`${connection.undecryptablePackets} packet(s) of the connection could not be decrypted`);
  flags.push(...connection.notes);
  return flags;
}

/** What the wire stage needs to know of a case: where its server listened and its client's timing sources. */
export interface WireStageCase {
  /** The case's transport and how its connections start. */
  definition: { protocol: Protocol; session?: SessionMode | undefined };
  timingSources: Readonly<Record<string, TimingSource>>;
  serverPort: number;
  /** When each sample ran, by sample index. */
  windows: ReadonlyMap<number, SampleWindow>;
  /** The scenario's own wire metrics, from all the sample's connections (ScenarioDefinition.wireMetrics). */
  scenarioWireMetrics?: ((connections: readonly WireConnection[]) => Record<string, number>) | undefined;
}

/** A successful sample with its connection's wire metrics and flags added; others as they were. */
export function withWireMetrics(sample: Sample, of: WireStageCase, connections: readonly WireConnection[]): Sample {
  const window = of.windows.get(sample.index);
  if (sample.status !== 'ok' || window === undefined) return sample;
  const transport = of.definition.protocol === 'quic' ? 'udp' : 'tcp';
  const ofSample = connectionsOfSample(connections, { port: of.serverPort, transport }, window);
  const connection = ofSample.at(-1);
  if (!connection) return { ...sample, flags: [...(sample.flags ?? []), 'no connection of this sample in the packet capture'] };
  const metrics = { ...sample.metrics, ...wireMetrics(connection), ...of.scenarioWireMetrics?.(ofSample) };
  const flags = [...(sample.flags ?? []), ...wireFlags(of.definition, metrics, of.timingSources, connection)];
  return { ...sample, metrics, ...(flags.length > 0 ? { flags } : {}) };
}
