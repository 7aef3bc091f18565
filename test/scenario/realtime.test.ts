// The realtime scenario's sample from a client's MessagesTimings (exact), and the
// webtransport-go client's report mapped to MessagesTimings.
import t from 'tap';
import { realtimeMeasurement, REALTIME_CASES } from '../../scenarios/realtime.js';
import { messagesTimings } from '../../harness/endpoints/webtransport-go/messages-client.js';
import type { WebTransportClientReport } from '../../harness/endpoints/webtransport-go/report.js';
import type { MessagesTimings } from '../../harness/endpoints/types.js';

const round = (ms: number | undefined): number | undefined => (ms === undefined ? undefined : Math.round(ms * 1e9) / 1e9);

// Five messages 20 ms apart from 100 ms; message 2 never comes back; 3 and 4 together at 230 ms.
const TIMINGS: MessagesTimings = {
  handshakeMs: 40,
  sessionMs: 80,
  messages: [
    { seq: 0, sentMs: 100, receivedMs: 145 },
    { seq: 1, sentMs: 120, receivedMs: 165 },
    { seq: 2, sentMs: 140, receivedMs: null },
    { seq: 3, sentMs: 160, receivedMs: 230 },
    { seq: 4, sentMs: 180, receivedMs: 230 },
  ],
  strayEchoes: 1,
  drainDeadlineMs: 2180,
  errors: [],
};

t.test('a sample: RTT percentiles of the delivered, the stall to the deadline, strays flagged not delivered', async (t) => {
  const sample = realtimeMeasurement(TIMINGS, { count: 5 });
  const { rttP50Ms, rttP95Ms, rttP99Ms, ...rest } = sample.metrics;
  // RTTs 45, 45, 50, 70 (type 7 percentiles).
  t.same([round(rttP50Ms), round(rttP95Ms), round(rttP99Ms)], [47.5, 67, 69.4]);
  t.strictSame(rest, {
    handshakeMs: 40,
    sessionMs: 80,
    deliveredFraction: 0.8,
    messagesDelivered: 4,
    // Message 2 outstanding from the last delivery (230) to the drain deadline (2180).
    longestStallMs: 1950,
    // 165 -> 230 with message 2 outstanding.
    longestStallBeforeDeadlineMs: 65,
    duplicates: 1,
    rttMaxMs: 70,
  });
  t.strictSame(sample.series, {
    deliveredOverTime: [
      [100, 0],
      [145, 1],
      [165, 2],
      [230, 4],
      [2180, 4],
    ],
    rttByMessage: [
      [0, 45],
      [1, 45],
      [3, 70],
      [4, 50],
    ],
  });
  t.strictSame(sample.flags, ['1 stray echo(es): a message echoed again or a sequence number never sent (not counted as deliveries)']);
});

t.test('nothing delivered: no RTT metrics, a stall from the first send to the deadline', async (t) => {
  const sample = realtimeMeasurement({ ...TIMINGS, messages: TIMINGS.messages.map((m) => ({ ...m, receivedMs: null })), strayEchoes: 0, errors: ['datagram 3: queue full'] }, { count: 5 });
  t.strictSame(sample.metrics, { handshakeMs: 40, sessionMs: 80, deliveredFraction: 0, messagesDelivered: 0, longestStallMs: 2080, longestStallBeforeDeadlineMs: 0, duplicates: 0 });
  t.strictSame(sample.series?.rttByMessage, []);
  t.strictSame(sample.flags, ['client: datagram 3: queue full']);
});

t.test('every message back, nothing stray: no flags, the stall is the longest wait for an echo', async (t) => {
  const sample = realtimeMeasurement({ ...TIMINGS, messages: TIMINGS.messages.map((m) => ({ ...m, receivedMs: m.sentMs + 30 })), strayEchoes: 0 }, { count: 5 });
  t.equal(sample.metrics.deliveredFraction, 1);
  t.equal(sample.metrics.longestStallMs, 30);
  t.equal(sample.metrics.rttMaxMs, 30);
  t.equal(sample.flags, undefined);
});

t.test('fewer messages than asked for, or an echo after the deadline: the sample fails', async (t) => {
  t.throws(() => realtimeMeasurement(TIMINGS, { count: 6 }), { message: 'the client sent 5 of the 6 messages' });
  t.throws(() => realtimeMeasurement({ ...TIMINGS, errors: ['session ended: connection reset'] }, { count: 6 }), { message: 'the client sent 5 of the 6 messages: session ended: connection reset' });
  t.throws(() => realtimeMeasurement({ ...TIMINGS, drainDeadlineMs: 200 }, { count: 5 }), /after the deadline/);
});

t.test("cases: the three modes on webtransport-go and on Chromium as the client, WebTransport over HTTP/2 and WebSocket; the package's HTTP/3 unsupported", async (t) => {
  t.strictSame(
    REALTIME_CASES.map((c) => [c.id, c.client, c.server, c.workload.kind === 'messages' ? c.workload.mode : '', c.unsupported !== undefined]),
    [
      ['wt-h3-datagram', 'webtransport-go', 'webtransport-go', 'datagram', false],
      ['wt-h3-stream', 'webtransport-go', 'webtransport-go', 'stream-per-message', false],
      ['wt-h3-long-stream', 'webtransport-go', 'webtransport-go', 'long-stream', false],
      ['wt-h3-datagram-chromium', 'chromium', 'webtransport-go', 'datagram', false],
      ['wt-h3-stream-chromium', 'chromium', 'webtransport-go', 'stream-per-message', false],
      ['wt-h3-long-stream-chromium', 'chromium', 'webtransport-go', 'long-stream', false],
      ['wt-h2-datagram', 'fails-webtransport', 'fails-webtransport', 'datagram', false],
      ['wt-h2-stream', 'fails-webtransport', 'fails-webtransport', 'stream-per-message', false],
      ['wt-h2-long-stream', 'fails-webtransport', 'fails-webtransport', 'long-stream', false],
      ['ws-long-stream', 'ws', 'ws', 'long-stream', false],
      ['wt-h3-datagram-fails', 'fails-webtransport', 'fails-webtransport', 'datagram', true],
      ['wt-h3-stream-fails', 'fails-webtransport', 'fails-webtransport', 'stream-per-message', true],
      ['wt-h3-long-stream-fails', 'fails-webtransport', 'fails-webtransport', 'long-stream', true],
    ],
  );
  t.match(REALTIME_CASES.find((c) => c.id === 'wt-h3-stream-fails')?.unsupported, /HTTP\/3/);
});

const REPORT: WebTransportClientReport = {
  implementation: 'webtransport-go',
  version: 'v0.13.0',
  quicGoVersion: 'v0.66.0',
  clockResolutionMs: 0.001,
  mode: 'datagram',
  count: 2,
  sizeBytes: 200,
  ratePerSecond: 50,
  drainTimeoutMs: 2000,
  handshakeMs: 41,
  sessionEstablishedMs: 82,
  lastSendMs: 120,
  drainDeadlineMs: 2120,
  endMs: 170,
  messages: [
    { seq: 0, sentMs: 100, receivedMs: 150 },
    { seq: 1, sentMs: 120, receivedMs: 170 },
  ],
  strayEchoes: [{ seq: 1, receivedMs: 160, reason: 'duplicate' }],
  errors: ['datagram 1: x'],
  errorCount: 3,
};

t.test("the client's report as MessagesTimings: strays counted, the observation's end, errors kept", async (t) => {
  t.strictSame(messagesTimings(REPORT), {
    handshakeMs: 41,
    sessionMs: 82,
    messages: REPORT.messages,
    strayEchoes: 1,
    // Every echo was in at 170 ms, when the client stopped: the observation ends there.
    drainDeadlineMs: 170,
    errors: ['datagram 1: x', 'and 2 more error(s)'],
  });
});

t.test('a run that failed is a failed sample, with what it had seen', async (t) => {
  t.throws(() => messagesTimings({ ...REPORT, error: 'session ended after 1 of 2 messages: x', messages: [{ seq: 0, sentMs: 100, receivedMs: 150 }] }), {
    message: 'webtransport client: session ended after 1 of 2 messages: x (1 of 2 messages sent, 1 echoed)',
  });
  const { handshakeMs: _, ...noHandshake } = REPORT;
  t.throws(() => messagesTimings(noHandshake), /no handshake or session time/);
});
