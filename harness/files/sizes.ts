// Sizes and rates as people write them, in case ids, profile keys and tables: 1MB, 10MB,
// 100KB, 1500B (powers of 1000, as --sizes reads them; sizes that are not whole units keep all
// their digits), and 6 Mbit/s, 750 kbit/s. Results key cases with them, reports print them.

export function formatSize(bytes: number): string {
  for (const [unit, factor] of [
    ['GB', 1e9],
    ['MB', 1e6],
    ['KB', 1e3],
  ] as const) {
    if (bytes >= factor && bytes % factor === 0) return `${bytes / factor}${unit}`;
  }
  return `${bytes}B`;
}

/** A rate in the largest unit that keeps it at 1 or more: "6 Mbit/s", "750 kbit/s". */
export function formatRate(bitsPerSecond: number): string {
  if (bitsPerSecond >= 1e9) return `${Number((bitsPerSecond / 1e9).toPrecision(4))} Gbit/s`;
  if (bitsPerSecond >= 1e6) return `${Number((bitsPerSecond / 1e6).toPrecision(4))} Mbit/s`;
  return `${Number((bitsPerSecond / 1e3).toPrecision(4))} kbit/s`;
}
