import t from 'tap';
import { competitionFigures, competitionMetricNames, downsampleMax, type CompetitionTimings } from '../../harness/measure/competition.js';
import type { QueueSeries } from '../../harness/lab/emulator-queue-series.js';

// Flow 1 at 1 Mbit/s from 0 to 4 s; flow 2 called at 1 s, at 3 Mbit/s for 2 s: they share [1000, 3000].
const flows: CompetitionTimings['flows'] = [
  {
    id: 'a',
    calledAtMs: 0,
    progress: [
      [0, 0],
      [4000, 500_000],
    ],
    bodyBytes: 500_000,
    completionMs: 4000,
    retransmittedPackets: 3,
  },
  {
    id: 'b',
    calledAtMs: 1000,
    progress: [
      [0, 0],
      [2000, 750_000],
    ],
    bodyBytes: 750_000,
    completionMs: 2000,
  },
];

const columns = (queueBytes: number[], queueOverflow: number[]) => ({
  queuePackets: queueBytes.map((b) => Math.ceil(b / 1500)),
  queueBytes,
  queueOverflow,
  loss: queueBytes.map(() => 0),
  burstLoss: queueBytes.map(() => 0),
  outage: queueBytes.map(() => 0),
});

const queue: QueueSeries = {
  intervalMs: 1000,
  recording: false,
  capacity: 100,
  totalSamples: 7,
  droppedSamples: 0,
  missedTicks: 0,
  // Monotonic 9000..15000 with the recording's zero at 5000: the sample clock's -1000..5000.
  elapsedMs: [4000, 5000, 6000, 7000, 8000, 9000, 10000],
  down: columns([0, 0, 30_000, 90_000, 60_000, 10_000, 0], [2, 2, 3, 7, 9, 9, 9]),
  up: columns([0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0]),
};

// Probes every 250 ms from monotonic 9000 (the sample clock's -1000); the sample's zero is at 10000.
const rtts: Array<number | null> = [40, 41, 42, 43, 1, 1, 1, 1, 100, 110, 120, 130, 140, 150, 160, null, 1];
const probe = { startedAtMs: 9000, probes: rtts.map((rttMs, k) => ({ sentMs: k * 250, rttMs })) };

t.test('flows, probe and queue on one clock give shares, Jain, latency inflation and drops', async (t) => {
  const figures = competitionFigures({ flows, zeroMonotonicMs: 10_000, idleMs: 1000, probe, queue: { series: queue, startMonotonicMs: 5000 } });
  const m = figures.metrics;
  t.equal(m.sharedSpanMs, 2000);
  t.equal(m.flow1GoodputBitsPerSecond, 1_000_000);
  t.equal(m.flow2GoodputBitsPerSecond, 3_000_000);
  t.equal(m.flow1Share, 0.25);
  t.equal(m.flow2Share, 0.75);
  t.equal(m.aggregateGoodputBitsPerSecond, 4_000_000);
  t.equal(m.jainIndex, 0.8);
  t.equal(m.flow1CompletionMs, 4000);
  t.equal(m.flow1RetransmittedPackets, 3);
  t.notOk('flow2RetransmittedPackets' in m, 'a flow whose sender does not tell has none, never 0');
  t.notOk('timeToConvergeMs' in m, '1 against 3 Mbit/s never converges');
  t.equal(m.inBandFraction, 0, 'and is never in band');
  t.match(figures.flags, [/never stayed within 20% of a fair share for 2000 ms/]);
  t.equal(m.idleLatencyP50Ms, 41.5);
  t.equal(m.idleLatencyP95Ms, 42.85);
  t.equal(m.loadedLatencyP50Ms, 130);
  t.equal(m.loadedLatencyP95Ms, 157);
  t.equal(m.loadedLatencyP99Ms, 159.4);
  t.equal(m.loadedProbeLostRate, 0.125);
  t.equal(m.latencyInflationP95Ms, 157 - 42.85);
  t.equal(m.latencyInflationP95Ratio, 157 / 42.85);
  t.equal(m.peakQueueBytesDown, 90_000);
  t.equal(m.meanQueueBytesDown, 60_000);
  t.equal(m.queueOverflowDropsDown, 7, 'drops from the first flow start, not those before');
  t.equal(m.queueOverflowDropsUp, 0);
  const s = figures.series;
  t.same(
    s.flow2BytesOverTime,
    [
      [1000, 0],
      [3000, 750_000],
    ],
    "flow 2's series is shifted to when it was called",
  );
  t.same(s.probeRttIdleMs, [
    [-1000, 40],
    [-750, 41],
    [-500, 42],
    [-250, 43],
  ]);
  t.same(s.probeRttLoadedMs, [
    [1000, 100],
    [1250, 110],
    [1500, 120],
    [1750, 130],
    [2000, 140],
    [2250, 150],
    [2500, 160],
  ]);
  t.same(s.queueBytesDown, [
    [-1000, 0],
    [0, 0],
    [1000, 30_000],
    [2000, 90_000],
    [3000, 60_000],
    [4000, 10_000],
  ]);
  t.same(s.queueOverflowDown, [
    [0, 0],
    [1000, 1],
    [2000, 5],
    [3000, 7],
    [4000, 7],
  ]);
});

t.test('equal flows converge at once and are perfectly fair', async (t) => {
  const even = (calledAtMs: number) => ({
    id: `f${calledAtMs}`,
    calledAtMs,
    progress: [
      [0, 0],
      [4000, 1_000_000],
    ] as Array<[number, number]>,
    bodyBytes: 1_000_000,
    completionMs: 4000,
  });
  const figures = competitionFigures({ flows: [even(0), even(0)], zeroMonotonicMs: 0, idleMs: 0 });
  t.equal(figures.metrics.jainIndex, 1);
  t.equal(figures.metrics.timeToConvergeMs, 0);
  t.equal(figures.metrics.inBandFraction, 1);
  t.same(figures.flags, []);
  t.notOk('idleLatencyP50Ms' in figures.metrics, 'no probe: no latency');
});

t.test('flows that never overlap are refused with when each ran', async (t) => {
  const late = {
    id: 'late',
    calledAtMs: 5000,
    progress: [
      [0, 0],
      [1000, 100],
    ] as Array<[number, number]>,
    bodyBytes: 100,
    completionMs: 1000,
  };
  t.throws(
    () => competitionFigures({ flows: [flows[0] as CompetitionTimings['flows'][number], late], zeroMonotonicMs: 0, idleMs: 0 }),
    /never ran together: the last flow's first byte came at 5000 ms, after the first flow's last byte at 4000 ms/,
  );
  const empty = { ...late, progress: [] };
  t.throws(() => competitionFigures({ flows: [flows[0] as CompetitionTimings['flows'][number], empty], zeroMonotonicMs: 0, idleMs: 0 }), /flow late recorded no progress/);
});

// Messages every 500 ms from monotonic 9200 (the session came up after the echoes started), round trips 45 ms idle, 200 ms loaded.
const messages = { startedAtMs: 9100, probes: [0, 1, 2, 3, 4, 5, 6, 7, 8].map((k) => ({ sentMs: 100 + k * 500, rttMs: k === 5 ? null : k < 2 ? 45 : 200 })) };

t.test('a message probe beside the echoes: its own idle and loaded figures, series and names', async (t) => {
  const figures = competitionFigures({ flows, zeroMonotonicMs: 10_000, idleMs: 1000, probe, messageProbe: messages });
  const m = figures.metrics;
  t.equal(m.loadedLatencyP50Ms, 130, 'the echoes keep their own names');
  t.equal(m.messageIdleLatencyP50Ms, 45);
  t.equal(m.messageIdleLatencyP99Ms, 45);
  // Sent at 9200 + 500k: sample clock -800, -300 (idle), 200, 700, 1200, 1700, 2200, 2700, 3200; loaded [1000, 3000]: 1200, 1700 (lost), 2200, 2700.
  t.equal(m.messageLoadedLatencyP50Ms, 200);
  t.equal(m.messageLoadedLatencyP95Ms, 200);
  t.equal(m.messageLoadedLostRate, 0.25);
  t.equal(m.messageLatencyInflationP95Ms, 155);
  t.equal(m.messageLatencyInflationP95Ratio, 200 / 45);
  t.same(figures.series.messageRttIdleMs, [
    [-800, 45],
    [-300, 45],
  ]);
  t.same(figures.series.messageRttLoadedMs, [
    [1200, 200],
    [2200, 200],
    [2700, 200],
  ]);
  const none = competitionFigures({ flows, zeroMonotonicMs: 10_000, idleMs: 1000, probe, messageProbe: { startedAtMs: null, probes: [] } });
  t.ok(none.flags.includes('the message probe sent nothing'));
  t.notOk('messageLoadedLatencyP50Ms' in none.metrics);
  t.equal(none.metrics.loadedLatencyP50Ms, 130);
  const late = competitionFigures({ flows, zeroMonotonicMs: 10_000, idleMs: 1000, messageProbe: { startedAtMs: 10_000, probes: [{ sentMs: 0, rttMs: 50 }] } });
  t.same(
    late.flags.filter((f) => f.includes('message')),
    ['nothing the message probe sent on the idle link came back: no idle latency', 'the message probe sent nothing while every flow ran'],
  );
});

t.test('a probe that sent nothing is flagged, not counted', async (t) => {
  const figures = competitionFigures({ flows, zeroMonotonicMs: 0, idleMs: 0, probe: { startedAtMs: null, probes: [] } });
  t.ok(figures.flags.includes('the latency probe sent nothing'));
  t.notOk('loadedLatencyP95Ms' in figures.metrics);
});

t.test('downsampleMax keeps the largest of each bucket', async (t) => {
  t.same(
    downsampleMax(
      [
        [0, 1],
        [1, 5],
        [2, 2],
        [3, 9],
        [4, 0],
      ],
      2,
    ),
    [
      [1, 5],
      [3, 9],
    ],
  );
  t.same(downsampleMax([[0, 1]], 5), [[0, 1]]);
});

t.test('the declared names cover every flow up to the limit', async (t) => {
  const names = competitionMetricNames(2);
  t.ok(names.includes('flow2Share') && names.includes('jainIndex') && names.includes('latencyInflationP95Ms') && names.includes('messageLatencyInflationP95Ms'));
  t.notOk(names.includes('flow3Share'));
});
