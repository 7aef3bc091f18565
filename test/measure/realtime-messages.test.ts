import t from 'tap';
import { accountMessages, type ReceivedEcho, type SentMessage } from '../../harness/measure/realtime-messages.js';

/** n messages, message i sent at i * intervalMs. */
function sends(n: number, intervalMs = 20): SentMessage[] {
  return Array.from({ length: n }, (_, seq) => ({ seq, sentMs: seq * intervalMs }));
}

t.test('every message back after 40 ms', async (t) => {
  const r = accountMessages(
    sends(3),
    [0, 1, 2].map((seq) => ({ seq, receivedMs: seq * 20 + 40 })),
    1000,
  );
  t.same(r.messages, [
    { seq: 0, sentMs: 0, receivedMs: 40, rttMs: 40 },
    { seq: 1, sentMs: 20, receivedMs: 60, rttMs: 40 },
    { seq: 2, sentMs: 40, receivedMs: 80, rttMs: 40 },
  ]);
  t.match(r, { sentCount: 3, deliveredCount: 3, deliveredFraction: 1, duplicates: 0, unknown: 0, rttP50Ms: 40, rttP95Ms: 40, rttP99Ms: 40, rttMaxMs: 40 });
  // The first message alone in flight for 40 ms; then a delivery every 20 ms; nothing outstanding after 80.
  t.equal(r.longestStallMs, 40);
  t.equal(r.longestStallBeforeDeadlineMs, 40);
  t.same(r.deliveredOverTime, [
    [0, 0],
    [40, 1],
    [60, 2],
    [80, 3],
    [1000, 3],
  ]);
  t.same(r.problems, []);
});

t.test('percentiles come from the statistics module (type 7)', async (t) => {
  const rtts = [50, 10, 40, 20, 30];
  const r = accountMessages(
    sends(5),
    rtts.map((rtt, seq) => ({ seq, receivedMs: seq * 20 + rtt })),
    1000,
  );
  t.equal(r.rttP50Ms, 30);
  t.equal(r.rttP95Ms, 48); // rank 3.8 between 40 and 50
  t.equal(Number(r.rttP99Ms?.toFixed(9)), 49.6);
  t.equal(r.rttMaxMs, 50);
});

t.test('a message echoed twice is delivered once; an unknown seq delivers nothing', async (t) => {
  const echoes: ReceivedEcho[] = [
    { seq: 0, receivedMs: 40 },
    { seq: 1, receivedMs: 60 },
    { seq: 1, receivedMs: 61 },
    { seq: 1, receivedMs: 62 },
    { seq: 7, receivedMs: 70 },
    { seq: 2, receivedMs: 80 },
  ];
  const r = accountMessages(sends(3), echoes, 1000);
  t.equal(r.deliveredCount, 3);
  t.equal(r.deliveredFraction, 1);
  t.equal(r.duplicates, 2);
  t.equal(r.unknown, 1);
  t.same(r.problems, ['message 1 echoed 3 times', 'echo of message 7, which was never sent']);
  t.same(
    r.messages.map((m) => m.receivedMs),
    [40, 60, 80],
    'the first echo counts',
  );
  t.equal(r.deliveredOverTime.at(-1)?.[1], 3, 'the series counts deliveries, not echoes');
});

t.test('reordered echoes: the list order does not matter, the earliest echo is the delivery', async (t) => {
  const inOrder: ReceivedEcho[] = [
    { seq: 0, receivedMs: 40 },
    { seq: 2, receivedMs: 55 }, // overtook message 1
    { seq: 1, receivedMs: 70 },
    { seq: 1, receivedMs: 65 }, // listed after a later echo of the same message
  ];
  const r = accountMessages(sends(3), inOrder, 500);
  const shuffled = accountMessages(sends(3).reverse(), [...inOrder].reverse(), 500);
  t.same(shuffled, r);
  t.same(
    r.messages.map((m) => [m.seq, m.rttMs]),
    [
      [0, 40],
      [1, 45],
      [2, 15],
    ],
  );
  t.equal(r.duplicates, 1);
  // Stalls: 0 -> 40 (message 0 alone), 40 -> 55 (1 outstanding), 55 -> 65 (1 outstanding): 40.
  t.equal(r.longestStallMs, 40);
  t.same(r.deliveredOverTime, [
    [0, 0],
    [40, 1],
    [55, 2],
    [65, 3],
    [500, 3],
  ]);
});

t.test('a lost message: not delivered, never silently; it stalls the end of the run to the deadline', async (t) => {
  const r = accountMessages(
    sends(3),
    [
      { seq: 0, receivedMs: 40 },
      { seq: 2, receivedMs: 80 },
    ],
    1000,
  );
  t.equal(r.deliveredCount, 2);
  t.equal(r.deliveredFraction, 2 / 3);
  t.same(r.messages[1], { seq: 1, sentMs: 20, receivedMs: null, rttMs: null });
  t.equal(r.rttMaxMs, 40);
  // 0 -> 40: 40; 40 -> 80 (1 and 2 outstanding): 40; 80 -> 1000 (1 still outstanding): 920.
  t.equal(r.longestStallMs, 920);
  t.equal(r.longestStallBeforeDeadlineMs, 40);
});

t.test('a server that stops answering halfway: the stall runs to the deadline, half delivered', async (t) => {
  const sent = sends(10); // 0, 20, ... 180
  const echoes = sent.slice(0, 5).map((m) => ({ seq: m.seq, receivedMs: m.sentMs + 40 })); // 40 ... 120
  const deadlineMs = 180 + 2000;
  const r = accountMessages(sent, echoes, deadlineMs);
  t.equal(r.deliveredFraction, 0.5);
  t.equal(r.deliveredCount, 5);
  t.same(
    r.messages.filter((m) => m.receivedMs === null).map((m) => m.seq),
    [5, 6, 7, 8, 9],
  );
  // After the last delivery (120 ms) message 5 (sent at 100) is outstanding until the deadline.
  t.equal(r.longestStallMs, deadlineMs - 120);
  t.equal(r.longestStallBeforeDeadlineMs, 40);
  t.same(r.deliveredOverTime.slice(-2), [
    [120, 5],
    [deadlineMs, 5],
  ]);
  t.equal(r.rttP99Ms, 40);
});

t.test('nothing comes back: no RTTs, the stall spans the first send to the deadline', async (t) => {
  const r = accountMessages(sends(4, 10), [], 500);
  t.match(r, { deliveredCount: 0, deliveredFraction: 0, rttP50Ms: null, rttP95Ms: null, rttP99Ms: null, rttMaxMs: null, longestStallMs: 500, longestStallBeforeDeadlineMs: 0 });
  t.same(r.deliveredOverTime, [
    [0, 0],
    [500, 0],
  ]);
});

t.test('a gap with nothing outstanding is no stall', async (t) => {
  // Message 0 back at 10, message 1 sent at 500 and back at 530: idle 10 -> 500.
  const r = accountMessages(
    [
      { seq: 0, sentMs: 0 },
      { seq: 1, sentMs: 500 },
    ],
    [
      { seq: 0, receivedMs: 10 },
      { seq: 1, receivedMs: 530 },
    ],
    600,
  );
  t.equal(r.longestStallMs, 30);
});

t.test('input no client can produce is refused', async (t) => {
  t.throws(() => accountMessages([], [], 100), /no messages were sent/);
  t.throws(
    () =>
      accountMessages(
        [
          { seq: 1, sentMs: 0 },
          { seq: 1, sentMs: 5 },
        ],
        [],
        100,
      ),
    /message 1 was sent twice/,
  );
  t.throws(() => accountMessages(sends(1), [{ seq: 0, receivedMs: -1 }], 100), /echo of 0 at -1 ms, before it was sent \(0 ms\)/);
  t.throws(() => accountMessages(sends(1), [{ seq: 0, receivedMs: 101 }], 100), /after the deadline/);
  t.throws(() => accountMessages(sends(2, 200), [], 100), /message 1 was sent at 200 ms, after the deadline/);
  t.throws(() => accountMessages(sends(1), [{ seq: 0, receivedMs: Number.NaN }], 100), /finite/);
});
