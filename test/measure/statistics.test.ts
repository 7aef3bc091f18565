import t from 'tap';
import { percentileOfSorted, summarize } from '../../harness/measure/statistics.js';

// Expected values computed independently with NumPy (np.percentile, linear method; np.std ddof=1).
t.test('summary of 1..10', async (t) => {
  const s = summarize([10, 1, 9, 2, 8, 3, 7, 4, 6, 5]);
  t.ok(s);
  t.equal(s?.n, 10);
  t.equal(s?.median, 5.5);
  t.equal(Number(s?.p5.toFixed(12)), 1.45);
  t.equal(Number(s?.p95.toFixed(12)), 9.55);
  t.equal(s?.mean, 5.5);
  t.equal(Number(s?.stddev.toFixed(10)), 3.0276503541);
  t.equal(s?.min, 1);
  t.equal(s?.max, 10);
});

t.test('one value and no values', async (t) => {
  t.same(summarize([4.2]), { n: 1, median: 4.2, p5: 4.2, p95: 4.2, mean: 4.2, stddev: 0, min: 4.2, max: 4.2 });
  t.equal(summarize([]), null);
});

t.test('percentiles interpolate between order statistics', async (t) => {
  t.equal(percentileOfSorted([1, 2, 3, 4], 50), 2.5);
  t.equal(percentileOfSorted([1, 2, 3, 4], 0), 1);
  t.equal(percentileOfSorted([1, 2, 3, 4], 100), 4);
  t.equal(percentileOfSorted([0, 10], 25), 2.5);
  t.throws(() => percentileOfSorted([], 50), /no values/);
  t.throws(() => percentileOfSorted([1], 101), /0-100/);
});
