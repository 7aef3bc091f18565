// Two sets of samples of one metric: medians, ratio interval, p-value and the verdict read
// with the metric's better direction.
import t from 'tap';
import { compareSamples, samplesNeededPerSide, shiftSize, smallestPValue } from '../../harness/analysis/sample-comparison.js';
import { mannWhitneyU } from '../../harness/measure/inference.js';
import type { MetricDefinition } from '../../harness/results/schema.js';

const options = { seed: 7, alpha: 0.05, resamples: 500 };
const measured = { kind: 'measured', sources: ['client'] } as MetricDefinition['provenance'];
const ms: MetricDefinition = { name: 'handshakeMs', unit: 'ms', description: '', better: 'lower', provenance: measured };
const rate: MetricDefinition = { name: 'goodputBitsPerSecond', unit: 'bits/s', description: '', better: 'higher', provenance: measured };
const bytes: MetricDefinition = { name: 'serverFirstFlightBytes', unit: 'bytes', description: '', better: 'neither', provenance: measured };
const slow = [120, 122, 125, 121, 124, 123, 126, 128];
const fast = [61, 62, 63, 60, 64, 62, 61, 63];

t.test('B clearly lower on a lower-is-better metric is better, and the numbers are the inference ones', async (t) => {
  const c = compareSamples(ms, slow, fast, options);
  t.equal(c.medianA, 123.5);
  t.equal(c.medianB, 62);
  t.equal(c.ratio?.estimate, 62 / 123.5);
  t.equal(c.ratio?.seed, 7);
  t.equal(c.ratio?.resamples, 500);
  t.ok((c.ratio?.low ?? 0) <= 62 / 123.5 && 62 / 123.5 <= (c.ratio?.high ?? 0));
  t.equal(c.pValue, mannWhitneyU(fast, slow).pValue);
  t.equal(c.probabilityBGreater, 0);
  t.equal(c.significant, true);
  t.equal(c.verdict, 'better');
  t.equal(shiftSize(c), (123.5 - 62) / 123.5);
});

t.test('the same numbers on a higher-is-better metric are worse, by how much', async (t) => {
  const c = compareSamples(rate, slow, fast, options);
  t.equal(c.verdict, 'worse');
  t.equal(shiftSize(c), (123.5 - 62) / 123.5);
});

t.test('a metric that is neither better lower nor higher is never better or worse', async (t) => {
  t.equal(compareSamples(bytes, slow, fast, options).verdict, 'not comparable');
  t.equal(compareSamples(bytes, slow, slow, options).verdict, 'no significant difference');
});

t.test('overlapping samples are no significant difference', async (t) => {
  const c = compareSamples(ms, [10, 11, 12, 13, 14], [10.5, 11.5, 12.5, 13.5, 14.5], options);
  t.equal(c.significant, false);
  t.equal(c.verdict, 'no significant difference');
});

t.test('three samples a side can never reach p < 0.05 with the normal approximation: too few, not "no difference"', async (t) => {
  const c = compareSamples(ms, [100, 101, 102], [50, 51, 52], options);
  t.equal(Number(c.pValue?.toFixed(6)), 0.080856, 'complete separation, the best three a side can do');
  t.equal(c.significant, false);
  t.equal(c.verdict, 'too few samples');
  t.equal(c.samplesNeeded, 4);
  const four = compareSamples(ms, [100, 101, 102, 103], [50, 51, 52, 53], options);
  t.same([four.verdict, four.samplesNeeded], ['better', null], 'four a side can');
  const overlapping = compareSamples(ms, [10, 11, 12, 13], [10.5, 11.5, 12.5, 13.5], options);
  t.same([overlapping.verdict, overlapping.samplesNeeded], ['no significant difference', null], 'enough samples, and no difference');
});

t.test('the smallest p-value of the test, and the samples per side it takes to reach alpha', async (t) => {
  // Every sample of one side above the other: |U - n1 n2 / 2| = n1 n2 / 2, z = (n1 n2 / 2 - 0.5) / sqrt(n1 n2 (n1 + n2 + 1) / 12).
  t.same(
    [1, 2, 3, 4, 5, 6].map((n) => Number(smallestPValue(n, n).toFixed(6))),
    [1, 0.245278, 0.080856, 0.030383, 0.012186, 0.005075],
  );
  t.equal(Number(smallestPValue(3, 10).toFixed(6)), 0.014248, 'a larger other side helps');
  t.equal(smallestPValue(0, 5), 1);
  t.same([0.1, 0.05, 0.01, 0.001].map(samplesNeededPerSide), [3, 4, 6, 8]);
  t.throws(() => samplesNeededPerSide(0), RangeError);
});

t.test('edge cases: a side without samples, one sample, a zero baseline', async (t) => {
  const empty = compareSamples(ms, [], fast, options);
  t.same([empty.medianA, empty.ratio, empty.pValue, empty.verdict], [null, null, null, 'not comparable']);
  const single = compareSamples(ms, [5], [6], options);
  t.same([single.pValue, single.significant, single.verdict, single.samplesNeeded], [null, false, 'too few samples', 4]);
  t.equal(single.ratio?.estimate, 1.2);
  const zero = compareSamples({ ...ms, name: 'retransmittedPackets', unit: 'count' }, [0, 0, 0, 0, 0, 0], [3, 4, 5, 3, 4, 5], options);
  t.equal(zero.ratio, null, 'no ratio to a zero median');
  t.equal(zero.verdict, 'worse');
  t.equal(shiftSize(zero), Infinity);
});
