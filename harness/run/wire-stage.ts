// Joins the packet capture to the samples: each sample's own connection (the last one to
// its server that started while the sample ran; a resumed sample makes a priming connection
// first) gives wire-derived metrics, and a sample whose client timings disagree with the
// wire by more than the coarser source's resolution (later: plus the delivery allowance) is flagged.
import { connectionsInWindow, type WireConnection } from '../capture/wire-analysis.js';
import type { Sample, TimingSource } from '../results/schema.js';
import type { Protocol, SessionMode } from '../endpoints/types.js';
import { wireWorkloadMetrics } from './wire-workload.js';
import type { Workload } from '../results/workload.js';

export interface SampleWindow {
  startEpochMs: number;
  endEpochMs: number;
}

/** tcpdump in the client namespace: kernel timestamps in microseconds. */
export const WIRE_TIMING_SOURCE: TimingSource = { source: 'packet-capture', resolutionMs: 0.001 };
/** How much later than the wire an endpoint may see an event: kernel-to-application delivery (0.1-0.7 ms measured here for quic-go, quiche and aioquic on an idle host). */
export const DELIVERY_ALLOWANCE_MS = 1;

/** Wire metrics that are timings (the others are counts, sizes and rates). */
export const WIRE_TIMING_METRICS = [
  'wireHandshakeMs',
  'wireTtfbMs',
  'wireBodyStartMs',
  'wireBodyEndMs',
  'wireCompletionMs',
  'wireAllDoneMs',
  'wireObjectFirstMs',
  'wireObjectMedianMs',
  'wireObjectP95Ms',
  'wireCopyMs',
] as const;

/**
 * An endpoint metric -> the wire metric of the same definition: the sample is flagged when they
 * differ by more than the tolerance, and reports and compare show the wire one where a run has it.
 */
export const WIRE_COUNTERPARTS: Readonly<Record<string, string>> = {
  handshakeMs: 'wireHandshakeMs',
  ttfbMs: 'wireTtfbMs',
  completionMs: 'wireCompletionMs',
  allDoneMs: 'wireAllDoneMs',
  objectFirstMs: 'wireObjectFirstMs',
  objectMedianMs: 'wireObjectMedianMs',
  objectP95Ms: 'wireObjectP95Ms',
  copyMs: 'wireCopyMs',
  bodyStartMs: 'wireBodyStartMs',
  bodyEndMs: 'wireBodyEndMs',
  goodputBitsPerSecond: 'wireGoodputBitsPerSecond',
};

/** How far a client's goodput may be from the wire's before the sample is flagged (the bar: 1%). */
export const GOODPUT_TOLERANCE = 0.01;

/** The wire metric of the same definition as `name` ("handshakeRoundTrips" -> "wireHandshakeRoundTrips" too), if any. */
function wireCounterpart(name: string): string | undefined {
  const roundTrips = /^(.+)RoundTrips$/.exec(name);
  return roundTrips ? WIRE_COUNTERPARTS[`${roundTrips[1]}Ms`]?.replace(/Ms$/, 'RoundTrips') : WIRE_COUNTERPARTS[name];
}

/** `metrics` with each metric that has a wire counterpart in `available` replaced by it (in place, no duplicates). */
export function preferWireMetrics(metrics: readonly string[], available: ReadonlySet<string>): string[] {
  return [
    ...new Set(
      metrics.map((name) => {
        const wire = wireCounterpart(name);
        return wire !== undefined && available.has(wire) ? wire : name;
      }),
    ),
  ];
}

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
  // A metric the client derives (completionMs from totalMs) is as coarse as its coarsest clock.
  const coarsestMs = Math.max(0, ...Object.values(timingSources).map((source) => source.resolutionMs));
  for (const [metric, wireMetric] of Object.entries(WIRE_COUNTERPARTS)) {
    const endpoint = metrics[metric];
    const wire = metrics[wireMetric];
    if (endpoint === undefined || wire === undefined) continue;
    if (wireMetric === 'wireGoodputBitsPerSecond') {
      const apart = Math.abs(endpoint - wire) / wire;
      if (apart > GOODPUT_TOLERANCE)
        flags.push(`${metric} ${(endpoint / 1e6).toFixed(3)} Mbit/s vs ${wireMetric} ${(wire / 1e6).toFixed(3)} Mbit/s: apart by ${(apart * 100).toFixed(1)}%, more than ${GOODPUT_TOLERANCE * 100}%`);
      continue;
    }
    const toleranceMs = Math.max(timingSources[metric]?.resolutionMs ?? coarsestMs, WIRE_TIMING_SOURCE.resolutionMs);
    // The capture stamps a packet in the kernel before the endpoint's stack hands it on, so an
    // endpoint with a fine clock is later than the wire by its delivery time: allowed up to
    // DELIVERY_ALLOWANCE_MS, never earlier than its resolution.
    const apartMs = endpoint - wire;
    if (apartMs < -toleranceMs || apartMs > toleranceMs + DELIVERY_ALLOWANCE_MS) {
      const bound = apartMs < 0 ? `earlier by more than ${toleranceMs} ms` : `later by more than ${toleranceMs + DELIVERY_ALLOWANCE_MS} ms (resolution + delivery)`;
      flags.push(`${metric} ${endpoint.toFixed(3)} ms vs ${wireMetric} ${wire.toFixed(3)} ms: ${bound}`);
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
  /** The case's transport, how its connections start, and what they carry. */
  definition: { protocol: Protocol; session?: SessionMode | undefined; workload?: Workload | undefined };
  timingSources: Readonly<Record<string, TimingSource>>;
  serverPort: number;
  /** When each sample ran, by sample index. */
  windows: ReadonlyMap<number, SampleWindow>;
  /** The scenario's own wire metrics, from all the sample's connections (ScenarioDefinition.wireMetrics). */
  scenarioWireMetrics?: ((connections: readonly WireConnection[], workload: Workload) => Record<string, number>) | undefined;
}

/** A successful sample with its connection's wire metrics and flags added; others as they were. */
export function withWireMetrics(sample: Sample, of: WireStageCase, connections: readonly WireConnection[]): Sample {
  const window = of.windows.get(sample.index);
  if (sample.status !== 'ok' || window === undefined) return sample;
  const transport = of.definition.protocol === 'quic' ? 'udp' : 'tcp';
  const ofSample = connectionsOfSample(connections, { port: of.serverPort, transport }, window);
  const connection = ofSample.at(-1);
  if (!connection) return { ...sample, flags: [...(sample.flags ?? []), 'no connection of this sample in the packet capture'] };
  const workload = of.definition.workload;
  const workloadMetrics = workload ? wireWorkloadMetrics(workload, of.definition.protocol, ofSample, sample.metrics) : {};
  // SMB over TCP has no TLS handshake for the wire to read: only its workload's metrics.
  if (of.definition.protocol === 'tcp') return { ...sample, metrics: { ...sample.metrics, ...workloadMetrics } };
  const metrics = { ...sample.metrics, ...wireMetrics(connection), ...workloadMetrics, ...(workload ? of.scenarioWireMetrics?.(ofSample, workload) : {}) };
  const flags = [...(sample.flags ?? []), ...wireFlags(of.definition, metrics, of.timingSources, connection)];
  const negotiated = { ...sample.negotiated, ...wireNegotiated(connection) };
  const clientAlpn = negotiated.clientAlpn;
  if (clientAlpn !== undefined && negotiated.wireAlpn !== undefined && clientAlpn !== negotiated.wireAlpn) flags.push(`the client reported ALPN ${clientAlpn}, the server chose ${negotiated.wireAlpn} on the wire`);
  return { ...sample, metrics, ...(flags.length > 0 ? { flags } : {}), ...(Object.keys(negotiated).length > 0 ? { negotiated } : {}) };
}

/** ALPN and QUIC version as the capture shows them. */
function wireNegotiated(connection: WireConnection): NonNullable<Sample['negotiated']> {
  const { alpn, quicVersion } = connection.transfer;
  return { ...(alpn !== null ? { wireAlpn: alpn } : {}), ...(quicVersion !== null ? { quicVersion: `0x${quicVersion.toString(16).padStart(8, '0')}` } : {}) };
}
