// The names a competition sample records (scenarios/competition.ts writes them, the report
// reads them): per flow, numbered from 1 in the workload's flow order, and the mix's own.
// Every series' time is ms on the sample's clock: 0 is the first flow's start.

/** At most this many flows compete in one case (the workload's limit). */
export const MAX_COMPETING_FLOWS = 4;

/** The per-flow metrics, each as flow{n}{suffix}. */
export const FLOW_METRIC_SUFFIXES = ['GoodputBitsPerSecond', 'Share', 'CompletionMs', 'RetransmittedPackets'] as const;
export type FlowMetricSuffix = (typeof FLOW_METRIC_SUFFIXES)[number];

/** "flow2Share": flow n's (from 1) metric. */
export function flowMetricName(n: number, suffix: FlowMetricSuffix): string {
  return `flow${n}${suffix}`;
}

/** "flow1BytesOverTime": flow n's cumulative bytes received, [ms, bytes]. */
export function flowBytesSeriesName(n: number): string {
  return `flow${n}BytesOverTime`;
}

/** The probe's round trips, [ms sent, rtt ms]: before the first flow started (idle), and while every flow ran (loaded). */
export const PROBE_IDLE_SERIES = 'probeRttIdleMs';
export const PROBE_LOADED_SERIES = 'probeRttLoadedMs';

/** What one probe's figures are called: the UDP echoes' (always) and the message probe's (--message-probe). */
export interface ProbeNames {
  idleP50Ms: string;
  idleP95Ms: string;
  idleP99Ms: string;
  loadedP50Ms: string;
  loadedP95Ms: string;
  loadedP99Ms: string;
  loadedLostRate: string;
  inflationP95Ms: string;
  inflationP95Ratio: string;
  idleSeries: string;
  loadedSeries: string;
}

export const UDP_PROBE_NAMES: ProbeNames = {
  idleP50Ms: 'idleLatencyP50Ms',
  idleP95Ms: 'idleLatencyP95Ms',
  idleP99Ms: 'idleLatencyP99Ms',
  loadedP50Ms: 'loadedLatencyP50Ms',
  loadedP95Ms: 'loadedLatencyP95Ms',
  loadedP99Ms: 'loadedLatencyP99Ms',
  loadedLostRate: 'loadedProbeLostRate',
  inflationP95Ms: 'latencyInflationP95Ms',
  inflationP95Ratio: 'latencyInflationP95Ratio',
  idleSeries: PROBE_IDLE_SERIES,
  loadedSeries: PROBE_LOADED_SERIES,
};

/** The message probe's: each message's round trip from its send to its echo. */
export const MESSAGE_PROBE_NAMES: ProbeNames = {
  idleP50Ms: 'messageIdleLatencyP50Ms',
  idleP95Ms: 'messageIdleLatencyP95Ms',
  idleP99Ms: 'messageIdleLatencyP99Ms',
  loadedP50Ms: 'messageLoadedLatencyP50Ms',
  loadedP95Ms: 'messageLoadedLatencyP95Ms',
  loadedP99Ms: 'messageLoadedLatencyP99Ms',
  loadedLostRate: 'messageLoadedLostRate',
  inflationP95Ms: 'messageLatencyInflationP95Ms',
  inflationP95Ratio: 'messageLatencyInflationP95Ratio',
  idleSeries: 'messageRttIdleMs',
  loadedSeries: 'messageRttLoadedMs',
};

/** A probe's metric names, in the order a result declares them. */
export function probeMetricNames(names: ProbeNames): string[] {
  return [names.idleP50Ms, names.idleP95Ms, names.idleP99Ms, names.loadedP50Ms, names.loadedP95Ms, names.loadedP99Ms, names.loadedLostRate, names.inflationP95Ms, names.inflationP95Ratio];
}
/** The emulator's queue in bytes per direction, [ms, bytes] (the most in each interval kept when downsampled). */
export const QUEUE_BYTES_SERIES = { down: 'queueBytesDown', up: 'queueBytesUp' } as const;
/** Packets the full queue dropped since the first flow started, cumulative, [ms, drops]. */
export const QUEUE_OVERFLOW_SERIES = { down: 'queueOverflowDown', up: 'queueOverflowUp' } as const;
