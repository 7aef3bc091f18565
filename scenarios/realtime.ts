// realtime: small messages at a steady rate over one session, each echoed by the server, per
// message its round-trip time and whether it came back. WebTransport over HTTP/3
// (webtransport-go): unreliable datagrams, a stream per message, and all messages on one long
// stream; WebTransport over HTTP/2 (@fails-components/webtransport: reliable only) and WebSocket
// over TLS 1.3 (ws), both on one TCP connection. Under loss this shows head-of-line blocking
// directly: a TCP loss holds every later message, a loss on the long QUIC stream too, a stream
// per message holds only its own, a datagram is simply lost.
// Default workload 200 B at 50/s for 20 s (--message-size, --message-rate, --duration), echoes
// waited for 2 s after the last send.
import type { MessagesTimings } from '../harness/endpoints/types.js';
import { downsampleProgress } from '../harness/measure/transfer.js';
import { accountMessages } from '../harness/measure/realtime-messages.js';
import type { MessagesWorkload } from '../harness/results/workload.js';
import { workloadOf, type CaseDefinition, type MessageOptions, type SampleContext, type SampleMeasurement, type ScenarioDefinition } from '../harness/scenario/types.js';
import { SERIES_POINTS } from './transfer-sample.js';
import { FAILS_HTTP3_UNAVAILABLE } from '../harness/endpoints/fails-webtransport/index.js';
import { MESSAGE_BOUNDS, SEQ_BYTES } from '../harness/endpoints/message-bounds.js';

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

export const REALTIME_DEFAULTS: MessageOptions = { messageBytes: REALTIME_MESSAGE_BYTES, ratePerSecond: REALTIME_RATE_PER_SECOND, durationMs: REALTIME_DURATION_S * 1000 };

const CONNECT_TIMEOUT_MS = 10_000;
const SAMPLE_MARGIN_MS = 10_000;

/** The messages one sample sends, or why the options cannot be run. */
export function messageCount(options: MessageOptions): number {
  const { maxSizeBytes, maxRatePerSecond, maxSendSeconds, maxCount } = MESSAGE_BOUNDS;
  const maxDurationMs = maxSendSeconds * 1000;
  if (!Number.isSafeInteger(options.messageBytes) || options.messageBytes < SEQ_BYTES || options.messageBytes > maxSizeBytes) {
    throw new Error(`--message-size: ${options.messageBytes} bytes is out of range (${SEQ_BYTES} bytes, the sequence number, to ${maxSizeBytes})`);
  }
  if (!Number.isFinite(options.ratePerSecond) || options.ratePerSecond <= 0 || options.ratePerSecond > maxRatePerSecond)
    throw new Error(`--message-rate: ${options.ratePerSecond} is out of range (above 0, at most ${maxRatePerSecond} a second)`);
  if (!Number.isFinite(options.durationMs) || options.durationMs <= 0 || options.durationMs > maxDurationMs)
    throw new Error(`--duration: ${options.durationMs} ms is out of range (above 0, at most ${maxDurationMs / 1000} s)`);
  const count = Math.round((options.ratePerSecond * options.durationMs) / 1000);
  if (count < 1) throw new Error(`--message-rate ${options.ratePerSecond} for --duration ${options.durationMs} ms sends no message`);
  if (count > maxCount) throw new Error(`--message-rate ${options.ratePerSecond} for --duration ${options.durationMs / 1000} s is ${count} messages, over ${maxCount} a sample`);
  return count;
}

/** A sample's bound: connecting, sending for the duration, the drain, and a margin. */
export function realtimeSampleTimeoutMs(options: MessageOptions): number {
  return CONNECT_TIMEOUT_MS + options.durationMs + REALTIME_DRAIN_TIMEOUT_MS + SAMPLE_MARGIN_MS;
}

const workloadFor =
  (options: MessageOptions, count: number) =>
  (mode: MessagesWorkload['mode']): MessagesWorkload => ({
    kind: 'messages',
    messageBytes: options.messageBytes,
    ratePerSecond: options.ratePerSecond,
    count,
    mode,
  });

/** Why a mode cannot carry messages of this size, or undefined. */
function modeUnsupported(mode: MessagesWorkload['mode'], options: MessageOptions): string | undefined {
  return mode === 'datagram' && options.messageBytes > MESSAGE_BOUNDS.maxDatagramBytes
    ? `a datagram must fit one QUIC packet: at most ${MESSAGE_BOUNDS.maxDatagramBytes} bytes, not ${options.messageBytes} (--message-size)`
    : undefined;
}

/** Every case for `options` (refused with the reason when they are out of the clients' bounds). */
export function realtimeCases(options: MessageOptions): CaseDefinition[] {
  const workload = workloadFor(options, messageCount(options));
  // A QUIC datagram has a packet's room; HTTP/2 carries datagrams in capsules, of any size.
  const sized = (c: CaseDefinition, mode: MessagesWorkload['mode']): CaseDefinition => {
    const reason = c.unsupported ?? (c.protocol === 'quic' ? modeUnsupported(mode, options) : undefined);
    return reason === undefined ? c : { ...c, unsupported: reason };
  };
  const tcp = (id: string, mode: MessagesWorkload['mode'], application: 'webtransport' | 'websocket', implementation: 'ws' | 'fails-webtransport'): CaseDefinition => ({
    id,
    protocol: 'tcp-tls',
    application,
    client: implementation,
    server: implementation,
    workload: workload(mode),
  });
  return [
    ...MODES.map(([mode, id]) => sized({ id, protocol: 'quic', application: 'webtransport', client: 'webtransport-go', server: 'webtransport-go', workload: workload(mode) }, mode)),
    ...MODES.map(([mode, id]) =>
      sized(
        {
          id: `${id}-chromium`,
          protocol: 'quic',
          application: 'webtransport',
          client: 'chromium',
          server: 'webtransport-go',
          workload: workload(mode),
        },
        mode,
      ),
    ),
    // WebTransport over HTTP/2 (reliable only: its "datagrams" are capsules on one TCP stream) and WebSocket.
    tcp('wt-h2-datagram', 'datagram', 'webtransport', 'fails-webtransport'),
    tcp('wt-h2-stream', 'stream-per-message', 'webtransport', 'fails-webtransport'),
    tcp('wt-h2-long-stream', 'long-stream', 'webtransport', 'fails-webtransport'),
    tcp('ws-long-stream', 'long-stream', 'websocket', 'ws'),
    // The same package's HTTP/3 transport: recorded, never sampled.
    ...MODES.map(([mode, id]): CaseDefinition => ({
      id: `${id}-fails`,
      protocol: 'quic',
      application: 'webtransport',
      client: 'fails-webtransport',
      server: 'fails-webtransport',
      workload: workload(mode),
      unsupported: FAILS_HTTP3_UNAVAILABLE,
    })),
  ];
}

export const REALTIME_CASES: readonly CaseDefinition[] = realtimeCases(REALTIME_DEFAULTS);

/**
 * One sample's metrics, series and flags from the client's timings (pure). Stray echoes (a
 * message echoed twice, a seq never sent) are counted and flagged, never delivered; an echo
 * that is missing counts against deliveredFraction and stalls until the drain deadline.
 */
export function realtimeMeasurement(timings: MessagesTimings, asked: Pick<MessagesWorkload, 'count'>): SampleMeasurement {
  // A session that ended early: the messages it never sent are no measurement (the client says why).
  if (timings.messages.length !== asked.count) {
    throw new Error(`the client sent ${timings.messages.length} of the ${asked.count} messages${timings.errors.length > 0 ? `: ${timings.errors.join('; ')}` : ''}`);
  }
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
  description:
    'Real-time messages (by default 200 B at 50/s for 20 s, each echoed): WebTransport over HTTP/3 as datagrams, a stream per message and one long stream, against WebTransport over HTTP/2 and WebSocket over TCP+TLS; RTT percentiles, longest stall, delivered fraction',
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
    { name: 'handshakeMs', unit: 'ms', description: 'from the first packet (QUIC) or connect call (TCP) to the completed handshake at the client (QUIC, or TCP and TLS)' },
    { name: 'sessionMs', unit: 'ms', description: 'from the same origin to the session ready for messages (WebTransport CONNECT answered 2xx, WebSocket upgrade done)' },
  ],
  headline: ['rttP50Ms', 'rttP99Ms', 'rttMaxMs', 'longestStallMs', 'longestStallBeforeDeadlineMs', 'deliveredFraction', 'duplicates'],
  defaults: { samples: 5, warmup: 1, sampleTimeoutMs: realtimeSampleTimeoutMs(REALTIME_DEFAULTS) },
  cases: REALTIME_CASES,
  messageFlows: { defaults: REALTIME_DEFAULTS, cases: realtimeCases, sampleTimeoutMs: realtimeSampleTimeoutMs },
  measure: realtimeSample,
};
