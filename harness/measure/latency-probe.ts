// What a latency probe flow (small UDP echoes at a steady rate, lab/latency-probe-flow.ts) says
// about the link's queueing delay: the round-trip distribution of one run, and how much a load
// raised it over the idle link (the latency inflation, "bufferbloat"). Pure, unit-tested.
import { percentileOfSorted } from './statistics.js';

export interface LatencySummary {
  sent: number;
  received: number;
  /** Probes without a reply (within the probe's wait), of those sent; null when none was sent. */
  lostRate: number | null;
  /** Percentiles (type 7, statistics.ts) of the replies' round trips; null when none came back. */
  minMs: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

/** The round trips of one probe run, a lost probe as null. */
export function latencySummary(rttsMs: readonly (number | null)[]): LatencySummary {
  const sorted = rttsMs.filter((r): r is number => r !== null).sort((a, b) => a - b);
  const sent = rttsMs.length;
  const at = (p: number): number | null => (sorted.length > 0 ? percentileOfSorted(sorted, p) : null);
  return {
    sent,
    received: sorted.length,
    lostRate: sent > 0 ? (sent - sorted.length) / sent : null,
    minMs: sorted[0] ?? null,
    p50Ms: at(50),
    p95Ms: at(95),
    p99Ms: at(99),
    maxMs: sorted.at(-1) ?? null,
  };
}

export interface LatencyInflation {
  /** Loaded minus idle, per percentile; null when either side has no reply. */
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  /** Loaded p95 over idle p95; null when either is missing or idle's is 0. */
  p95Ratio: number | null;
}

/** How much the load raised the round trip over the idle link. */
export function latencyInflation(idle: LatencySummary, loaded: LatencySummary): LatencyInflation {
  const minus = (a: number | null, b: number | null): number | null => (a !== null && b !== null ? a - b : null);
  return {
    p50Ms: minus(loaded.p50Ms, idle.p50Ms),
    p95Ms: minus(loaded.p95Ms, idle.p95Ms),
    p99Ms: minus(loaded.p99Ms, idle.p99Ms),
    p95Ratio: loaded.p95Ms !== null && idle.p95Ms !== null && idle.p95Ms > 0 ? loaded.p95Ms / idle.p95Ms : null,
  };
}

/**
 * The probes sent within [fromMs, toMs) on the monotonic clock, each with when it was sent on
 * that clock, for a probe run that began at startedAtMs: the part of a run that overlapped some load.
 */
export function probesSentBetween(startedAtMs: number | null, probes: readonly { sentMs: number; rttMs: number | null }[], fromMs: number, toMs: number): Array<{ atMs: number; rttMs: number | null }> {
  if (startedAtMs === null) return [];
  return probes.flatMap((p) => {
    const atMs = startedAtMs + p.sentMs;
    return atMs >= fromMs && atMs < toMs ? [{ atMs, rttMs: p.rttMs }] : [];
  });
}

/** The round trips (null: lost) of the probes sent within [fromMs, toMs) on the monotonic clock (probesSentBetween). */
export function rttsSentBetween(startedAtMs: number | null, probes: readonly { sentMs: number; rttMs: number | null }[], fromMs: number, toMs: number): (number | null)[] {
  return probesSentBetween(startedAtMs, probes, fromMs, toMs).map((p) => p.rttMs);
}
