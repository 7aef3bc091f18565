// Fairness over a shared bottleneck, with exact figures: Jain's index, shares, goodput per
// interval from cumulative byte series, and the time to converge (staggered, never).
import t from 'tap';
import { bottleneckShares, bytesAt, goodputBetween, intervalGoodputs, jainIndex, timeToConverge, type ByteSeries } from '../../harness/measure/fairness.js';

/** A flow at a constant rate (bytes per ms) from startMs to endMs, a point every 100 ms. */
function steady(startMs: number, endMs: number, bytesPerMs: number): [number, number][] {
  const points: [number, number][] = [];
  for (let ms = startMs; ms <= endMs; ms += 100) points.push([ms, (ms - startMs) * bytesPerMs]);
  return points;
}

/** Joins rate segments: [untilMs, bytesPerMs] after startMs, a point every 100 ms. */
function segments(startMs: number, parts: Array<[number, number]>): [number, number][] {
  const points: [number, number][] = [[startMs, 0]];
  let bytes = 0;
  let ms = startMs;
  for (const [untilMs, rate] of parts) {
    while (ms < untilMs) {
      ms += 100;
      bytes += 100 * rate;
      points.push([ms, bytes]);
    }
  }
  return points;
}

t.test("Jain's index", async (t) => {
  t.equal(jainIndex([10, 10]), 1, 'equal: 1');
  t.equal(jainIndex([5, 5, 5, 5]), 1);
  t.equal(jainIndex([10, 0]), 0.5, 'one has all: 1/n');
  t.equal(jainIndex([10, 0, 0, 0]), 0.25);
  t.equal(jainIndex([3, 1]), 16 / 20, '(3+1)^2 / (2 x (9+1))');
  t.equal(jainIndex([1, 2, 3]), 36 / 42);
  t.equal(jainIndex([7]), 1, 'one flow');
  t.equal(jainIndex([]), null, 'no flows');
  t.equal(jainIndex([0, 0]), null, 'nothing delivered: 0/0');
  t.throws(() => jainIndex([1, -1]), /non-negative/);
  t.throws(() => jainIndex([1, Number.NaN]), /finite/);
});

t.test('shares of the total and of the capacity', async (t) => {
  t.same(bottleneckShares([15e6, 5e6], 20e6), [
    { ofTotal: 0.75, ofCapacity: 0.75 },
    { ofTotal: 0.25, ofCapacity: 0.25 },
  ]);
  t.same(bottleneckShares([6e6, 2e6], 10e6), [
    { ofTotal: 0.75, ofCapacity: 0.6 },
    { ofTotal: 0.25, ofCapacity: 0.2 },
  ]);
  t.same(bottleneckShares([4, 4]), [
    { ofTotal: 0.5, ofCapacity: null },
    { ofTotal: 0.5, ofCapacity: null },
  ]);
  t.same(bottleneckShares([0, 0], 8), [
    { ofTotal: null, ofCapacity: 0 },
    { ofTotal: null, ofCapacity: 0 },
  ]);
  t.throws(() => bottleneckShares([1], 0), /capacity must be positive/);
});

t.test('bytes and goodput from a cumulative series', async (t) => {
  const series: ByteSeries = [
    [100, 1000],
    [200, 3000],
    [400, 3000],
  ];
  t.equal(bytesAt(series, 50), 0, 'before the first point: nothing');
  t.equal(bytesAt(series, 100), 1000, 'the first point');
  t.equal(bytesAt(series, 150), 2000, 'linear between points');
  t.equal(bytesAt(series, 300), 3000, 'flat: stalled');
  t.equal(bytesAt(series, 900), 3000, 'after the last point');
  t.equal(bytesAt([], 10), 0);
  t.equal(goodputBetween(series, 100, 200), 160_000, '2000 bytes in 100 ms');
  t.equal(goodputBetween(series, 0, 200), 120_000, 'the first point counts from its instant');
  t.throws(() => goodputBetween(series, 200, 200), /must end after it starts/);

  t.same(intervalGoodputs(series, 100), [
    { startMs: 100, goodputBitsPerSecond: 160_000 },
    { startMs: 200, goodputBitsPerSecond: 0 },
    { startMs: 300, goodputBitsPerSecond: 0 },
  ]);
  t.same(
    intervalGoodputs(series, 120),
    [
      { startMs: 100, goodputBitsPerSecond: ((3000 - 1000) * 8 * 1000) / 120 },
      { startMs: 220, goodputBitsPerSecond: 0 },
    ],
    'the partial interval at the end (340..400) left out',
  );
  t.same(intervalGoodputs(series, 100, { fromMs: 0, toMs: 200 }), [
    { startMs: 0, goodputBitsPerSecond: 80_000 },
    { startMs: 100, goodputBitsPerSecond: 160_000 },
  ]);
  t.same(intervalGoodputs([], 100), []);
  t.throws(() => intervalGoodputs(series, 0), /intervalMs must be positive/);
});

t.test('time to converge', async (t) => {
  const options = { intervalMs: 500, windowMs: 2000 };

  // equal from the start: converged at once
  t.same(
    timeToConverge(
      [
        { bytes: steady(0, 10_000, 1000), startMs: 0, endMs: 10_000 },
        { bytes: steady(0, 10_000, 1000), startMs: 0, endMs: 10_000 },
      ],
      options,
    ),
    { convergedAtMs: 0, timeToConvergeMs: 0 },
  );

  // A takes 3/4 for 3 s, then both even: 3000 ms
  const a = segments(0, [
    [3000, 1500],
    [10_000, 1000],
  ]);
  const b = segments(0, [
    [3000, 500],
    [10_000, 1000],
  ]);
  t.same(
    timeToConverge(
      [
        { bytes: a, startMs: 0, endMs: 10_000 },
        { bytes: b, startMs: 0, endMs: 10_000 },
      ],
      options,
    ),
    { convergedAtMs: 3000, timeToConvergeMs: 3000 },
  );

  // within +-20%: 1100 against 900 (mean 1000) is in band; 1250 against 750 is not
  const near = (hi: number, lo: number) =>
    timeToConverge(
      [
        { bytes: steady(0, 4000, hi), startMs: 0, endMs: 4000 },
        { bytes: steady(0, 4000, lo), startMs: 0, endMs: 4000 },
      ],
      options,
    );
  t.same(near(1100, 900), { convergedAtMs: 0, timeToConvergeMs: 0 });
  t.equal(near(1250, 750), null, 'never within 20%: null');
  t.same(
    timeToConverge(
      [
        { bytes: steady(0, 4000, 1250), startMs: 0, endMs: 4000 },
        { bytes: steady(0, 4000, 750), startMs: 0, endMs: 4000 },
      ],
      { ...options, tolerance: 0.3 },
    ),
    { convergedAtMs: 0, timeToConvergeMs: 0 },
    'a wider band',
  );

  // a staggered start: B joins at 2000 ms; A alone until then (not judged), then A gives way over 1.5 s
  const alone = segments(0, [
    [2000, 2000],
    [3500, 1600],
    [9000, 1000],
  ]);
  const joiner = segments(2000, [
    [3500, 400],
    [9000, 1000],
  ]);
  t.same(
    timeToConverge(
      [
        { bytes: alone, startMs: 0, endMs: 9000 },
        { bytes: joiner, startMs: 2000, endMs: 9000 },
      ],
      options,
    ),
    { convergedAtMs: 3500, timeToConvergeMs: 1500 },
    'counted from the moment the last flow joined',
  );

  // in band, but only for 1500 ms before the first flow ends: too short to tell
  t.equal(
    timeToConverge(
      [
        { bytes: steady(0, 1500, 1000), startMs: 0, endMs: 1500 },
        { bytes: steady(0, 5000, 1000), startMs: 0, endMs: 5000 },
      ],
      options,
    ),
    null,
  );

  // in band for 1500 ms, out for one interval, then in for good: the second run counts
  const wobble = segments(0, [
    [1500, 1000],
    [2000, 1700], // 1700 against 1000: the mean 1350, +20% is 1620
    [6000, 1000],
  ]);
  t.same(
    timeToConverge(
      [
        { bytes: wobble, startMs: 0, endMs: 6000 },
        { bytes: steady(0, 6000, 1000), startMs: 0, endMs: 6000 },
      ],
      options,
    ),
    { convergedAtMs: 2000, timeToConvergeMs: 2000 },
  );

  // against a capacity: an even split of an underused link is not the fair share of the link
  const even = [
    { bytes: steady(0, 4000, 500), startMs: 0, endMs: 4000 },
    { bytes: steady(0, 4000, 500), startMs: 0, endMs: 4000 },
  ];
  t.same(timeToConverge(even, options), { convergedAtMs: 0, timeToConvergeMs: 0 });
  t.equal(timeToConverge(even, { ...options, capacityBitsPerSecond: 16e6 }), null, 'each got 4 Mbit/s of a fair 8');
  t.same(timeToConverge(even, { ...options, capacityBitsPerSecond: 8e6 }), { convergedAtMs: 0, timeToConvergeMs: 0 }, 'each got 4 Mbit/s of a fair 4');

  // a stalled link is not convergence; no flows, nothing to say
  const stalled = [
    { bytes: steady(0, 4000, 0), startMs: 0, endMs: 4000 },
    { bytes: steady(0, 4000, 0), startMs: 0, endMs: 4000 },
  ];
  t.equal(timeToConverge(stalled, options), null);
  t.equal(timeToConverge([], options), null);
  t.throws(() => timeToConverge(even, { ...options, windowMs: 0 }), /windowMs must be positive/);
});
