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
/** The emulator's queue in bytes per direction, [ms, bytes] (the most in each interval kept when downsampled). */
export const QUEUE_BYTES_SERIES = { down: 'queueBytesDown', up: 'queueBytesUp' } as const;
/** Packets the full queue dropped since the first flow started, cumulative, [ms, drops]. */
export const QUEUE_OVERFLOW_SERIES = { down: 'queueOverflowDown', up: 'queueOverflowUp' } as const;
