// What a transfer's timings and bytes-over-time series say: goodput over the body only (the
// handshake excluded), the longest stall, and a series small enough to keep in a result.

/** [ms from the exchange's origin, cumulative body bytes]. */
export type ProgressPoint = [number, number];

/** Body bits over the time from its first to its last byte; null when that time is not positive. */
export function goodputBitsPerSecond(bodyBytes: number, bodyStartMs: number, bodyEndMs: number): number | null {
  const seconds = (bodyEndMs - bodyStartMs) / 1000;
  return seconds > 0 ? (bodyBytes * 8) / seconds : null;
}

/**
 * The longest time no new byte arrived while the body was under way: the largest gap
 * between consecutive points of the series (each point marks new bytes). A transfer that
 * stalls for a retransmission timeout or an outage shows it here.
 */
export function longestStallMs(progress: readonly ProgressPoint[]): number {
  let longest = 0;
  for (let i = 1; i < progress.length; i++) {
    const gap = (progress[i] as ProgressPoint)[0] - (progress[i - 1] as ProgressPoint)[0];
    if (gap > longest) longest = gap;
  }
  return longest;
}

/**
 * At most about `maxPoints` points: the last point of each equal time bucket, plus the first
 * and last points, so the curve's shape and any stall longer than a bucket survive.
 */
export function downsampleProgress(progress: readonly ProgressPoint[], maxPoints: number): ProgressPoint[] {
  if (progress.length <= maxPoints) return progress.map(([ms, bytes]) => [ms, bytes]);
  const first = progress[0] as ProgressPoint;
  const last = progress[progress.length - 1] as ProgressPoint;
  const bucketMs = (last[0] - first[0]) / Math.max(1, maxPoints - 2);
  const bucketOf = (point: ProgressPoint): number => Math.floor((point[0] - first[0]) / bucketMs);
  const kept: ProgressPoint[] = [[first[0], first[1]]];
  for (let i = 1; i < progress.length - 1; i++) {
    const [previous, point, next] = [progress[i - 1], progress[i], progress[i + 1]] as [ProgressPoint, ProgressPoint, ProgressPoint];
    const endsBucket = bucketOf(next) !== bucketOf(point);
    // Both ends of a gap longer than a bucket: the stall stays exactly as long as it was.
    const aroundGap = next[0] - point[0] > bucketMs || point[0] - previous[0] > bucketMs;
    if (endsBucket || aroundGap) kept.push([point[0], point[1]]);
  }
  kept.push([last[0], last[1]]);
  return kept;
}
