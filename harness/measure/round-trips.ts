// Timings in round trips: a handshake that takes one round trip reads 1.0 whatever the link's
// delay, which is the unit the protocols are designed in (QUIC 1-RTT, TCP+TLS 1.3 2-RTT).

/** Metric in milliseconds -> the same timing in round trips. */
export const ROUND_TRIP_METRICS: Readonly<Record<string, string>> = {
  handshakeMs: 'handshakeRoundTrips',
  ttfbMs: 'ttfbRoundTrips',
  wireHandshakeMs: 'wireHandshakeRoundTrips',
  wireTtfbMs: 'wireTtfbRoundTrips',
};

/** The round-trip versions of a sample's timings, given the run's calibrated round trip. */
export function roundTripMetrics(metrics: Readonly<Record<string, number>>, roundTripMs: number): Record<string, number> {
  if (!(roundTripMs > 0) || !Number.isFinite(roundTripMs)) throw new Error(`round trip must be a positive number of ms, got ${roundTripMs}`);
  const result: Record<string, number> = {};
  for (const [msMetric, roundTripMetric] of Object.entries(ROUND_TRIP_METRICS)) {
    const value = metrics[msMetric];
    if (value !== undefined) result[roundTripMetric] = value / roundTripMs;
  }
  return result;
}
