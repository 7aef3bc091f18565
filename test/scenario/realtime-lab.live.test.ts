// realtime on the lab, short. Every case end to end (WebTransport over HTTP/3 and HTTP/2,
// WebSocket) on a 40 ms link with 2% bursty loss, one sample each of 2.5 s of sends: the
// datagram case 1000 messages of 200 B at 400/s (enough to see losses, below), every other case
// 125 at the scenario's 50/s (a stream delivers all; its RTT and stall need no more). The streams
// keep the scenario's rate: one sample of 500 at 200/s failed in CI once, a WebSocket message lost
// near the end of the sample waited out TCP's backed-off retransmission past the 2 s drain.
// Chromium's cases on a clean link: 100 at 100/s. Then
// a server SIGKILLed mid-sample on a clean link (250 at the scenario's 50/s: the kill's timing
// is in seconds): the sample's accounting shows the stall to the drain deadline and a delivered
// fraction below 1, nothing counted twice.
import t, { type Test } from 'tap';
import { resolveLinkConditions } from '../../harness/lab/profiles.js';
import { runSession } from '../../harness/run/session.js';
import { WebTransportEchoServer } from '../../harness/endpoints/webtransport-go/server.js';
import type { Sample } from '../../harness/results/schema.js';
import type { AnyScenario, CaseDefinition } from '../../harness/scenario/types.js';
import { realtime, REALTIME_DRAIN_TIMEOUT_MS, REALTIME_RATE_PER_SECOND } from '../../scenarios/realtime.js';

const COUNT = 250;
/**
 * Under loss, the datagram case: 1000 round trips at 400/s. The link drops 2% of its packets in
 * bursts of about 3, acknowledgements included. Runs of 500 at 50/s and 200/s lost 11 and 6 (about
 * 4 to 7 independent losses: none in 500 had a chance of up to 2%, e^-4); runs of 1000 at 400/s
 * lost 27 and 24, where none would have a chance far below 0.1%.
 */
const DATAGRAMS: Messages = { count: 1000, ratePerSecond: 8 * REALTIME_RATE_PER_SECOND };
/** Under loss, every other case: 2.5 s of the scenario's messages. */
const STREAM_MESSAGES: Messages = { count: 125, ratePerSecond: REALTIME_RATE_PER_SECOND };
/** Chromium's cases, on a clean link: each message once and its RTT need no more. */
const CHROMIUM_COUNT = 100;

interface Messages {
  count: number;
  ratePerSecond: number;
}

const WITHOUT_CHROMIUM = ['webtransport-go', 'fails-webtransport', 'ws'];

/** The scenario's supported cases with these messages (or each case's), of these clients (Chromium's have a test of their own). */
function shortCases(messages: Messages | ((id: string) => Messages), clients: readonly string[], ids?: readonly string[]): CaseDefinition[] {
  return realtime.cases
    .filter((c) => c.unsupported === undefined && clients.includes(c.client) && (ids === undefined || ids.includes(c.id)))
    .map((c) => (c.workload.kind === 'messages' ? { ...c, workload: { ...c.workload, ...(typeof messages === 'function' ? messages(c.id) : messages) } } : c));
}

const lossMessages = (id: string): Messages => (id === 'wt-h3-datagram' ? DATAGRAMS : STREAM_MESSAGES);

/** No message counted twice: the delivered count, the RTT series and the delivered-over-time series agree. */
function checkOnce(t: Test, name: string, sample: Sample, count: number): void {
  const rtts = sample.series?.rttByMessage ?? [];
  const seqs = rtts.map(([seq]) => seq);
  t.equal(new Set(seqs).size, seqs.length, `${name}: no message's RTT twice`);
  t.ok(
    seqs.every((seq) => Number.isInteger(seq) && seq >= 0 && seq < count),
    `${name}: only messages that were sent`,
  );
  t.equal(sample.metrics.messagesDelivered, rtts.length, `${name}: delivered = messages with an RTT`);
  t.equal(sample.series?.deliveredOverTime?.at(-1)?.[1], rtts.length, `${name}: the delivered series ends at the delivered count`);
  t.equal(sample.metrics.deliveredFraction, rtts.length / count, `${name}: delivered fraction over the messages sent`);
  t.equal(sample.metrics.duplicates, 0, `${name}: no stray echo`);
}

const IMPLEMENTATIONS: Record<string, [string, string]> = {
  'wt-h3-datagram': ['webtransport-go-server', 'webtransport-go-client'],
  'wt-h3-stream': ['webtransport-go-server', 'webtransport-go-client'],
  'wt-h3-long-stream': ['webtransport-go-server', 'webtransport-go-client'],
  'wt-h2-datagram': ['fails-webtransport-server', 'fails-webtransport-client'],
  'wt-h2-stream': ['fails-webtransport-server', 'fails-webtransport-client'],
  'wt-h2-long-stream': ['fails-webtransport-server', 'fails-webtransport-client'],
  'ws-long-stream': ['ws-server', 'ws-client'],
};

t.test('every case end to end at 40 ms with 2% bursty loss: QUIC datagrams lose some, streams and TCP deliver all', async (t) => {
  t.setTimeout(240_000);
  const scenario: AnyScenario = { ...realtime, cases: shortCases(lossMessages, WITHOUT_CHROMIUM) };
  const conditions = resolveLinkConditions({ rtt: '40ms', burstLoss: '2%:3' });
  const { document } = await runSession(scenario, { link: { kind: 'lab', conditions, backend: 'emulator', profile: null }, samples: 1, warmup: 0, capture: false });
  t.equal(document.status, 'completed', document.errors.join('; ') || 'completed');
  t.same(
    document.cases.map((c) => c.id),
    Object.keys(IMPLEMENTATIONS),
  );
  const stalls: string[] = [];
  let datagramsDelivered = 0;
  for (const c of document.cases) {
    t.same([c.server.implementation, c.client.implementation], IMPLEMENTATIONS[c.id], `${c.id}: its implementations`);
    for (const sample of c.samples) {
      const name = `${c.id} #${sample.index}`;
      t.equal(sample.status, 'ok', `${name}: ${sample.error ?? 'ok'}`);
      const m = sample.metrics;
      checkOnce(t, name, sample, lossMessages(c.id).count);
      // QUIC: one round trip to the handshake; TCP+TLS two. Then the session: CONNECT (or the upgrade) takes one more.
      t.ok((m.handshakeMs ?? 0) >= (c.protocol === 'quic' ? 40 : 80) && (m.sessionMs ?? 0) >= (m.handshakeMs ?? Infinity) + 40, `${name}: handshake ${m.handshakeMs} ms, session ${m.sessionMs} ms (one more round trip)`);
      t.ok((m.rttP50Ms ?? 0) >= 40 && (m.rttP50Ms ?? Infinity) < 100, `${name}: median RTT ${m.rttP50Ms} ms on a 40 ms link`);
      t.ok((m.rttP50Ms ?? Infinity) <= (m.rttP99Ms ?? 0) && (m.rttP99Ms ?? Infinity) <= (m.rttMaxMs ?? 0), `${name}: p50 <= p99 <= max`);
      if (c.id === 'wt-h3-datagram') datagramsDelivered += m.messagesDelivered ?? 0;
      else t.equal(m.deliveredFraction, 1, `${name}: a stream delivers every message`);
      // A stream's stall ends with a delivery; a lost datagram's runs to the drain deadline.
      if (c.id !== 'wt-h3-datagram') t.ok((m.longestStallMs ?? Infinity) < REALTIME_DRAIN_TIMEOUT_MS, `${name}: longest stall ${m.longestStallMs} ms`);
      stalls.push(`${c.id} ${(m.longestStallBeforeDeadlineMs ?? 0).toFixed(1)} ms`);
    }
  }
  // 1000 datagrams each way at 2% loss in bursts: about 10 to 30 lost; none lost at all would be a broken link.
  t.ok(datagramsDelivered < DATAGRAMS.count && datagramsDelivered > 0.9 * DATAGRAMS.count, `datagrams: ${datagramsDelivered} of ${DATAGRAMS.count} came back`);
  t.comment(`longest stall (before the deadline): ${stalls.join(', ')}`);
});

t.test("Chromium's cases at 40 ms: every message of every mode comes back once, RTTs about 40 ms", async (t) => {
  t.setTimeout(150_000);
  const scenario: AnyScenario = { ...realtime, cases: shortCases({ count: CHROMIUM_COUNT, ratePerSecond: 2 * REALTIME_RATE_PER_SECOND }, ['chromium']) };
  const conditions = resolveLinkConditions({ rtt: '40ms' });
  const { document } = await runSession(scenario, { link: { kind: 'lab', conditions, backend: 'emulator', profile: null }, samples: 1, warmup: 0, capture: false });
  t.equal(document.status, 'completed', document.errors.join('; ') || 'completed');
  t.same(
    document.cases.map((c) => c.id),
    ['wt-h3-datagram-chromium', 'wt-h3-stream-chromium', 'wt-h3-long-stream-chromium'],
  );
  for (const c of document.cases) {
    t.equal(c.client.implementation, 'chromium');
    t.equal(c.client.settings.application, 'webtransport');
    t.equal(typeof c.client.settings.webTransportMaxDatagramBytes, 'number', `${c.id}: the page's WebTransport facts recorded`);
    for (const sample of c.samples) {
      const name = `${c.id} #${sample.index}`;
      t.equal(sample.status, 'ok', `${name}: ${sample.error ?? 'ok'}`);
      checkOnce(t, name, sample, CHROMIUM_COUNT);
      const m = sample.metrics;
      t.equal(m.deliveredFraction, 1, `${name}: every message echoed on a clean link`);
      // The handshake from the browser's net log, the session from the page's constructor: one more round trip.
      t.ok((m.handshakeMs ?? 0) >= 40 && (m.sessionMs ?? 0) >= (m.handshakeMs ?? Infinity) + 40, `${name}: handshake ${m.handshakeMs} ms, session ${m.sessionMs} ms`);
      t.ok((m.rttP50Ms ?? 0) >= 40 && (m.rttP50Ms ?? Infinity) < 60, `${name}: median RTT ${m.rttP50Ms} ms on a 40 ms link`);
      t.comment(`${name}: handshake ${m.handshakeMs} ms, session ${m.sessionMs} ms, RTT p50 ${m.rttP50Ms} p99 ${m.rttP99Ms} max ${m.rttMaxMs} ms, longest stall ${m.longestStallMs} ms`);
    }
  }
});

t.test('a server killed mid-sample: the stall runs to the drain deadline, fewer delivered, nothing twice', async (t) => {
  t.setTimeout(90_000);
  const base: AnyScenario = { ...realtime, cases: shortCases({ count: COUNT, ratePerSecond: REALTIME_RATE_PER_SECOND }, WITHOUT_CHROMIUM, ['wt-h3-stream']) };
  const scenario: AnyScenario = {
    ...base,
    measure: (context) => {
      const server = context.server;
      if (!(server instanceof WebTransportEchoServer) || server.pid === undefined) throw new Error('test: no webtransport server to kill');
      const pid = server.pid;
      // 2 s into the 5 s of sends (the session takes two round trips first).
      const kill = setTimeout(() => process.kill(pid, 'SIGKILL'), 2000);
      return base.measure(context).finally(() => clearTimeout(kill));
    },
  };
  const conditions = resolveLinkConditions({ rtt: '40ms' });
  const { document } = await runSession(scenario, { link: { kind: 'lab', conditions, backend: 'emulator', profile: null }, samples: 1, warmup: 0, capture: false });
  const sample = document.cases[0]?.samples[0];
  if (sample === undefined) throw new Error('no sample');
  t.equal(sample.status, 'ok', `the client saw echoes stop, not the session end: ${sample.error ?? 'ok'}`);
  checkOnce(t, 'killed', sample, COUNT);
  const m = sample.metrics;
  const delivered = m.messagesDelivered ?? 0;
  // About 100 of 250 sent before the kill (2 s at 50/s, less the session's set-up).
  t.ok(delivered > 50 && delivered < 120, `${delivered} of ${COUNT} came back before the kill`);
  t.ok((m.deliveredFraction ?? 1) < 1);
  const series = sample.series?.deliveredOverTime ?? [];
  const [lastDeliveryMs, deadlineMs] = [series.at(-2)?.[0] ?? NaN, series.at(-1)?.[0] ?? NaN];
  // The stall after the last echo: from it (or the first message lost after it) to the deadline.
  const toDeadlineMs = deadlineMs - lastDeliveryMs;
  t.ok((m.longestStallMs ?? 0) <= toDeadlineMs && (m.longestStallMs ?? 0) >= toDeadlineMs - 20, `stall ${m.longestStallMs} ms, last echo to deadline ${toDeadlineMs} ms`);
  // 3 s of sends after the kill and the 2 s drain.
  t.ok((m.longestStallMs ?? 0) > 4000, `stall ${m.longestStallMs} ms reaches the deadline`);
  t.ok(
    document.errors.some((e) => /webtransport server exited with signal SIGKILL.*restarted/.test(e)),
    document.errors.join('\n'),
  );
});
