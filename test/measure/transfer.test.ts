import t from 'tap';
import { downsampleProgress, goodputBitsPerSecond, longestStallMs, type ProgressPoint } from '../../harness/measure/transfer.js';

t.test('goodput: body bits over first-to-last byte', async (t) => {
  t.equal(goodputBitsPerSecond(1_000_000, 100, 500), 20_000_000, '1 MB in 400 ms is 20 Mbit/s');
  t.equal(goodputBitsPerSecond(10, 5, 5), null);
  t.equal(goodputBitsPerSecond(10, 6, 5), null);
});

t.test('longest stall: the largest gap between arrivals', async (t) => {
  t.equal(
    longestStallMs([
      [10, 100],
      [11, 200],
      [250, 300],
      [251, 400],
    ]),
    239,
  );
  t.equal(longestStallMs([[10, 100]]), 0);
  t.equal(longestStallMs([]), 0);
});

t.test('downsampling keeps ends, bucket ends and long gaps', async (t) => {
  const dense: ProgressPoint[] = Array.from({ length: 1000 }, (_, i) => [i, (i + 1) * 10]);
  const small = downsampleProgress(dense, 12);
  t.ok(small.length <= 14, `${small.length} points`);
  t.same(small[0], [0, 10]);
  t.same(small.at(-1), [999, 10_000]);
  t.ok(
    small.every((p, i) => i === 0 || p[0] > (small[i - 1] as ProgressPoint)[0]),
    'times increase',
  );
  const stalled: ProgressPoint[] = [...Array.from({ length: 500 }, (_, i): ProgressPoint => [i, i]), ...Array.from({ length: 500 }, (_, i): ProgressPoint => [2000 + i, 500 + i])];
  const kept = downsampleProgress(stalled, 20);
  t.equal(longestStallMs(kept) >= 1500, true, `the 1501 ms stall survives (${longestStallMs(kept)} ms)`);
  t.same(downsampleProgress([[1, 2]], 10), [[1, 2]]);
});
