// The emulator's queue over time (`record start|stop|series`, native/link-emulator): its reply
// pages validated and joined into one series (pure, unit-tested; EmulatorProcess sends the commands).
//
// A sample holds, per direction, the serialization queue at that instant (packets and bytes,
// the packet being serialized included, as the drop-tail limit counts them) and the drops by
// cause since the recording began (cumulative). Samples are taken from the emulator's own loop
// every intervalMs; a tick the loop woke too late for is counted (missedTicks), not invented.
// The emulator keeps at most `capacity` samples, overwriting the oldest.
import { z } from 'zod';

const counts = z.array(z.number().int().nonnegative());

const directionColumnsSchema = z
  .object({
    queuePackets: counts,
    queueBytes: counts,
    /** Drops by cause since the recording began (the stats' dropped.queueOverflow, .loss, .burstLoss, .outage). */
    queueOverflow: counts,
    loss: counts,
    burstLoss: counts,
    outage: counts,
  })
  .strict();

const COLUMNS = ['queuePackets', 'queueBytes', 'queueOverflow', 'loss', 'burstLoss', 'outage'] as const;

/** One `record series FROM COUNT` reply: samples firstIndex .. nextIndex-1, column by column. */
export const queueSeriesPageSchema = z
  .object({
    event: z.literal('series'),
    command: z.literal('record'),
    id: z.number().optional(),
    recording: z.boolean(),
    /** 0 before any recording. */
    intervalMs: z.number().nonnegative(),
    capacity: z.number().int().nonnegative(),
    /** Samples taken since the recording began, kept or not. */
    totalSamples: z.number().int().nonnegative(),
    /** Samples overwritten in the ring (the oldest kept has this index). */
    droppedSamples: z.number().int().nonnegative(),
    missedTicks: z.number().int().nonnegative(),
    firstIndex: z.number().int().nonnegative(),
    nextIndex: z.number().int().nonnegative(),
    /** Since the emulator's ready line (its startMonotonicNs), as the stats' elapsedMs. */
    elapsedMs: z.array(z.number().nonnegative()),
    up: directionColumnsSchema,
    down: directionColumnsSchema,
  })
  .strict()
  .superRefine((page, ctx) => {
    const n = page.nextIndex - page.firstIndex;
    const lengths = [page.elapsedMs.length, ...(['up', 'down'] as const).flatMap((d) => COLUMNS.map((c) => page[d][c].length))];
    if (n < 0 || lengths.some((l) => l !== n)) ctx.addIssue({ code: 'custom', message: `a series page of samples ${page.firstIndex}..${page.nextIndex} has columns of lengths ${[...new Set(lengths)].join(', ')}` });
    if (page.nextIndex > page.totalSamples) ctx.addIssue({ code: 'custom', message: `nextIndex ${page.nextIndex} beyond totalSamples ${page.totalSamples}` });
  });
export type QueueSeriesPage = z.infer<typeof queueSeriesPageSchema>;

export type QueueSeriesDirection = z.infer<typeof directionColumnsSchema>;

export interface QueueSeries {
  intervalMs: number;
  /** Still recording when fetched (more samples may have come since). */
  recording: boolean;
  capacity: number;
  /** Samples taken since the recording began. */
  totalSamples: number;
  /** Samples taken but not in this series: overwritten in the emulator's ring before they were fetched. */
  droppedSamples: number;
  missedTicks: number;
  elapsedMs: number[];
  up: QueueSeriesDirection;
  down: QueueSeriesDirection;
}

function emptyColumns(): QueueSeriesDirection {
  return { queuePackets: [], queueBytes: [], queueOverflow: [], loss: [], burstLoss: [], outage: [] };
}

/**
 * Joins pages fetched in order (each asked from the previous one's nextIndex) into one series.
 * A page that starts later than asked lost the samples between to the ring: they count as dropped.
 */
export function joinQueueSeriesPages(pages: readonly QueueSeriesPage[]): QueueSeries {
  const last = pages.at(-1);
  if (last === undefined) throw new Error('link emulator: no series pages');
  const series: QueueSeries = {
    intervalMs: last.intervalMs,
    recording: last.recording,
    capacity: last.capacity,
    totalSamples: last.totalSamples,
    droppedSamples: 0,
    missedTicks: last.missedTicks,
    elapsedMs: [],
    up: emptyColumns(),
    down: emptyColumns(),
  };
  let expected = 0;
  for (const page of pages) {
    if (page.firstIndex < expected) throw new Error(`link emulator: series page starts at ${page.firstIndex}, before ${expected}`);
    series.elapsedMs.push(...page.elapsedMs);
    for (const d of ['up', 'down'] as const) for (const c of COLUMNS) series[d][c].push(...page[d][c]);
    expected = page.nextIndex;
  }
  series.droppedSamples = series.totalSamples - series.elapsedMs.length;
  return series;
}

/** Whether another page is needed after this one: it ended before the samples taken by then. */
export function moreQueueSeriesPages(page: QueueSeriesPage): boolean {
  return page.nextIndex < page.totalSamples && page.nextIndex > page.firstIndex;
}
