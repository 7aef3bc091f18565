// Byte sizes as people write them in case ids and tables: 1MB, 10MB, 100KB, 1500B (powers of
// 1000, as --sizes reads them; sizes that are not whole units keep all their digits).

export function formatSize(bytes: number): string {
  for (const [unit, factor] of [['GB', 1e9], ['MB', 1e6], ['KB', 1e3]] as const) {
    if (bytes >= factor && bytes % factor === 0) return `${bytes / factor}${unit}`;
  }
  return `${bytes}B`;
}
