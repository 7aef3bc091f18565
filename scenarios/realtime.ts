// realtime: small messages at a steady rate over one session, each echoed by the server, per
// message its round-trip time and whether it came back. WebTransport over HTTP/3
// (webtransport-go): unreliable datagrams, a stream per message, and all messages on one long
// stream. Under loss this shows head-of-line blocking directly: a loss on the long stream holds
// every later message, a stream per message holds only its own, a datagram is simply lost.
// Fixed workload (no flags yet): 200 B at 50/s for 20 s, echoes waited for 2 s after the last send.
import type { MessagesTimings } from '../harness/endpoints/types.js';
import { downsampleProgress } from '../harness/measure/transfer.js';
import { accountMessages } from '../harness/measure/realtime-messages.js';
import type { MessagesWorkload } from '../harness/results/workload.js';
import { workloadOf, type CaseDefinition, type SampleContext, type SampleMeasurement, type ScenarioDefinition } from '../harness/scenario/types.js';
import { SERIES_POINTS } from './transfer-sample.js';

export const REALTIME_MESSAGE_BYTES = 200;
export const REALTIME_RATE_PER_SECOND = 50;
export const REALTIME_DURATION_S = 20;
/** How long echoes are waited for after the last send: a lost datagram costs this much of the sample. */
export const REALTIME_DRAIN_TIMEOUT_MS = 2000;

const MODES = [
  ['datagram', 'wt-h3-datagram'],
  ['stream-per-message', 'wt-h3-stream'],
  ['long-stream', 'wt-h3-long-stream'],
] as const;

const workload = (mode: MessagesWorkload['mode']): MessagesWorkload => ({
  kind: 'messages',
  messageBytes: REALTIME_MESSAGE_BYTES,
  ratePerSecond: REALTIME_RATE_PER_SECOND,
  count: REALTIME_RATE_PER_SECOND * REALTIME_DURATION_S,
  mode,
});

export const REALTIME_CASES: readonly CaseDefinition[] = [
  ...MODES.map(([mode, id]): CaseDefinition => ({ id, protocol: 'quic', application: 'webtransport', client: 'webtransport-go', server: 'webtransport-go', workload: workload(mode) })),
  ...MODES.map(([mode, id]): CaseDefinition => ({
    id: `${id}-chromium`,
    protocol: 'quic',
    application: 'webtransport',
    client: 'chromium',
    server: 'webtransport-go',
    workload: workload(mode),
  })),
];

/**
 * One sample's metrics, series and flags from the client's timings (pure). Stray echoes (a
 * message echoed twice, a seq never sent) are counted and flagged, never delivered; an echo
 * that is missing counts against deliveredFraction and stalls until the drain deadline.
 */
export function realtimeMeasurement(timings: MessagesTimings, asked: Pick<MessagesWorkload, 'count'>): SampleMeasurement {
  if (timings.messages.length !== asked.count) throw new Error(`the client sent ${timings.messages.length} messages, ${asked.count} asked for`);
  const stats = accountMessages(
    timings.messages.map(({ seq, sentMs }) => ({ seq, sentMs })),
    timings.messages.flatMap(({ seq, receivedMs }) => (receivedMs === null ? [] : [{ seq, receivedMs }])),
    timings.drainDeadlineMs,
  );
  const metrics: Record<string, number> = {
    handshakeMs: timings.handshakeMs,
    sessionMs: timings.sessionMs,
    deliveredFraction: stats.deliveredFraction,
    messagesDelivered: stats.deliveredCount,
    longestStallMs: stats.longestStallMs,
    longestStallBeforeDeadlineMs: stats.longestStallBeforeDeadlineMs,
    duplicates: timings.strayEchoes,
  };
  for (const [name, value] of [
    ['rttP50Ms', stats.rttP50Ms],
    ['rttP95Ms', stats.rttP95Ms],
    ['rttP99Ms', stats.rttP99Ms],
    ['rttMaxMs', stats.rttMaxMs],
  ] as const) {
    if (value !== null) metrics[name] = value;
  }
  const flags = [
    ...(timings.strayEchoes > 0 ? [`${timings.strayEchoes} stray echo(es): a message echoed again or a sequence number never sent (not counted as deliveries)`] : []),
    ...timings.errors.map((error) => `client: ${error}`),
  ];
  return {
    metrics,
    series: {
      deliveredOverTime: downsampleProgress(stats.deliveredOverTime, SERIES_POINTS),
      // Every delivered message's RTT, in seq order: the report's CDF needs them all.
      rttByMessage: stats.messages.flatMap((m) => (m.rttMs === null ? [] : [[m.seq, m.rttMs] as [number, number]])),
    },
    ...(flags.length > 0 ? { flags } : {}),
  };
}

async function realtimeSample({ caseDefinition, client, target, timeoutMs }: SampleContext<'messages'>): Promise<SampleMeasurement> {
  const asked = workloadOf(caseDefinition, 'messages');
  const timings = await client.exchangeMessages({
    target,
    mode: asked.mode,
    count: asked.count,
    messageBytes: asked.messageBytes,
    ratePerSecond: asked.ratePerSecond,
    drainTimeoutMs: REALTIME_DRAIN_TIMEOUT_MS,
    timeoutMs,
  });
  return realtimeMeasurement(timings, asked);
}

export const realtime: ScenarioDefinition<'messages'> = {
  name: 'realtime',
  abbreviation: 'RT',
  description: 'Real-time messages (200 B at 50/s for 20 s, each echoed): WebTransport over HTTP/3 as datagrams, a stream per message and one long stream; RTT percentiles, longest stall, delivered fraction',
  needs: 'messages',
  metrics: [
    { name: 'rttP50Ms', unit: 'ms', description: 'median round-trip time of the delivered messages (send to first echo)' },
    { name: 'rttP95Ms', unit: 'ms', description: '95th percentile of the delivered messages’ round-trip times' },
    { name: 'rttP99Ms', unit: 'ms', description: '99th percentile of the delivered messages’ round-trip times' },
    { name: 'rttMaxMs', unit: 'ms', description: 'the longest round trip of a delivered message' },
    {
      name: 'longestStallMs',
      unit: 'ms',
      better: 'lower',
      description: 'the longest time with a message outstanding and none delivered; a message never echoed stalls until the drain deadline',
      provenance: { kind: 'derived', from: ['rttByMessage'], method: 'accountMessages (measure/realtime-messages.ts) over every message sent and its first echo' },
    },
    {
      name: 'longestStallBeforeDeadlineMs',
      unit: 'ms',
      better: 'lower',
      description: 'the same over the stalls that ended with a delivery (the stretch that ran to the drain deadline left out)',
      provenance: { kind: 'derived', from: ['rttByMessage'], method: 'accountMessages (measure/realtime-messages.ts)' },
    },
    { name: 'deliveredFraction', unit: 'ratio', better: 'higher', description: 'messages whose echo came back by the drain deadline, over messages sent' },
    { name: 'messagesDelivered', unit: 'count', better: 'higher', description: 'messages whose echo came back by the drain deadline' },
    { name: 'duplicates', unit: 'count', better: 'lower', description: 'stray echoes: a message echoed again, or a sequence number never sent (flagged, never counted as deliveries)' },
    { name: 'handshakeMs', unit: 'ms', description: 'from the first packet to the completed QUIC handshake at the client' },
    { name: 'sessionMs', unit: 'ms', description: 'from the same origin to the WebTransport session established (CONNECT answered 2xx)' },
  ],
  headline: ['rttP50Ms', 'rttP99Ms', 'rttMaxMs', 'longestStallMs', 'longestStallBeforeDeadlineMs', 'deliveredFraction', 'duplicates'],
  defaults: { samples: 5, warmup: 1, sampleTimeoutMs: 45_000 },
  cases: REALTIME_CASES,
  measure: realtimeSample,
};
