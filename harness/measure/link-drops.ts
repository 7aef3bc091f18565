// Drops by cause per sample, from the emulator's counters read before and after the sample
// (the run's own total, emulatorStatsDuringRun, is left alone): so a retransmission count can
// be explained by what the link did (random or burst loss, queue overflow, an outage).
import type { DeclaredMetric } from '../results/metric-definitions.js';

/** The emulator's drop causes (emulatorDirectionStatsSchema.dropped), in its order. */
export const LINK_DROP_CAUSES = ['loss', 'burstLoss', 'queueOverflow', 'outage', 'noBuffer', 'writeError'] as const;
export type LinkDropCause = (typeof LINK_DROP_CAUSES)[number];

const DIRECTIONS = ['up', 'down'] as const;
type Direction = (typeof DIRECTIONS)[number];

const CAUSE_WORDS: Record<LinkDropCause, string> = {
  loss: 'random loss',
  burstLoss: 'burst (Gilbert-Elliott) loss',
  queueOverflow: 'the drop-tail queue overflowing',
  outage: 'an outage',
  noBuffer: "the emulator's packet pool running out",
  writeError: 'a failed write to the device',
};

const capitalized = (word: string): string => word.charAt(0).toUpperCase() + word.slice(1);

/** e.g. linkDropsQueueOverflowDownPackets. */
export function linkDropMetricName(cause: LinkDropCause, direction: Direction): string {
  return `linkDrops${capitalized(cause)}${capitalized(direction)}Packets`;
}

/** What of the emulator's statistics (EmulatorStats) the drops are read from. */
export type DropCounters = Record<Direction, { dropped: Record<LinkDropCause, number> }>;

/** The provenance of every drop metric: the emulator's own counters. */
export const LINK_EMULATOR_SOURCE = 'link-emulator';

/** Every drop metric, declared once for all scenarios. */
export const LINK_DROP_METRICS: readonly DeclaredMetric[] = LINK_DROP_CAUSES.flatMap((cause) =>
  DIRECTIONS.map((direction): DeclaredMetric => ({
    name: linkDropMetricName(cause, direction),
    unit: 'count',
    better: 'lower',
    description: `packets the lab link dropped ${direction === 'up' ? 'client to server' : 'server to client'} during the sample through ${CAUSE_WORDS[cause]} (link emulator counters)`,
    provenance: { kind: 'measured', sources: [LINK_EMULATOR_SOURCE] },
  })),
);

/**
 * The drops of each cause in each direction between two readings of the counters, as sample
 * metrics (zeros included: "no queue overflow" is a finding). Null when a counter went back
 * (the counters were reset in between): then the difference means nothing.
 */
export function linkDropMetrics(before: DropCounters, after: DropCounters): Record<string, number> | null {
  const metrics: Record<string, number> = {};
  for (const direction of DIRECTIONS) {
    for (const cause of LINK_DROP_CAUSES) {
      const drops = after[direction].dropped[cause] - before[direction].dropped[cause];
      if (drops < 0) return null;
      metrics[linkDropMetricName(cause, direction)] = drops;
    }
  }
  return metrics;
}
