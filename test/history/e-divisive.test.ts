// The E-divisive port against Apache Otava's own tests: the same series, options and expected
// change-point indexes, from apache/otava at 1ceb1537a49d516cf6cef9a79bea6926002082f8:
// tests/tigerbeetle_test.py, tests/analysis_test.py, tests/series_test.py and
// tests/change_point_divisive_test.py. minSegmentPoints 1 is Otava's behaviour.
import t from 'tap';
import { changeMagnitude, compareSegments, detectInWindow, eDivisiveChangePoints, intervalsBetween, regularizedIncompleteBeta, studentTTwoSidedPValue } from '../../harness/history/e-divisive.js';

const otava = (series: number[], windowPoints: number, maxPValue: number, minMagnitude = 0) => eDivisiveChangePoints(series, { windowPoints, maxPValue, minMagnitude, minSegmentPoints: 1 }).map((c) => c.index);

// tests/tigerbeetle_test.py _get_series(): "the Tigerbeetle dataset used for demo purposes at Nyrkiö".
const TIGERBEETLE = [
  26705, 26475, 26641, 26806, 26835, 26911, 26564, 26812, 26874, 26682, 15672, 26745, 26460, 26977, 26851, 23412, 23547, 23674, 23519, 23670, 23662, 23462, 23750, 23717, 23524, 23588, 23687, 23793, 23937, 23715, 23570, 23730,
  23690, 23699, 23670, 23860, 23988, 23652, 23681, 23798, 23728, 23604, 23523, 23412, 23685, 23773, 23771, 23718, 23409, 23739, 23674, 23597, 23682, 23680, 23711, 23660, 23990, 23938, 23742, 23703, 23536, 24363, 24414, 24483,
  24509, 24944, 24235, 24560, 24236, 24667, 24730, 28346, 28437, 28436, 28057, 28217, 28456, 28427, 28398, 28250, 28331, 28222, 28726, 28578, 28345, 28274, 28514, 28590, 28449, 28305, 28411, 28788, 28404, 28821, 28580, 27483,
  26805, 27487, 27124, 26898, 27295, 26951, 27312, 27660, 27154, 27050, 26989, 27193, 27503, 27326, 27375, 27513, 27057, 27421, 27574, 27609, 27123, 27824, 27644, 27394, 27836, 27949, 27702, 27457, 27272, 28207, 27802, 27516,
  27586, 28005, 27768, 28543, 28237, 27915, 28437, 28342, 27733, 28296, 28524, 28687, 28258, 28611, 29360, 28590, 29641, 28965, 29474, 29256, 28611, 28205, 28539, 27962, 28398, 28509, 28240, 28592, 28102, 28461, 28578, 28669,
  28507, 28535, 28226, 28536, 28561, 28087, 27953, 28398, 28007, 28518, 28337, 28242, 28607, 28545, 28514, 28377, 28010, 28412, 28633, 28576, 28195, 28637, 28724, 28466, 28287, 28719, 28425, 28860, 28842, 28604, 28327, 28216,
  28946, 28918, 29287, 28725, 29148, 29541, 29137, 29628, 29087, 28612, 29154, 29108, 28884, 29234, 28695, 28969, 28809, 28695, 28634, 28916, 29852, 29389, 29757, 29531, 29363, 29251, 29552, 29561, 29046, 29795, 29022, 29395,
  28921, 29739, 29257, 29455, 29376, 29528, 28909, 29492, 28984, 29621, 29026, 29457, 29102, 29114, 28924, 29162, 29259, 29554, 29616, 29211, 29367, 29460, 28836, 29645, 29586, 28848, 29324, 28969, 29150, 29243, 29081, 29312,
  28923, 29272, 29117, 29072, 29529, 29737, 29652, 29612, 29856, 29012, 30402, 29969, 29309, 29439, 29285, 29421, 29023, 28772, 29692, 29416, 29267, 29542, 29904, 30045, 29739, 29945, 29141, 29163, 29765, 29197, 29441, 28910,
  29504, 29614, 29643, 29506, 29420, 29672, 29432, 29784, 29888, 29309, 29247, 29816, 29254, 29813, 29451, 29382, 29618, 28558, 29845, 29499, 29283, 29184, 29246, 28790, 29952, 29145, 29415, 30437, 29227, 29605, 29859, 29156,
  29807, 29406, 29734, 29861, 29140, 29983, 29832, 29919, 29896, 29991, 29266, 29001, 29459, 29548, 29310, 29042, 29303, 29894, 29091, 29018, 29537, 29614, 29180, 29736, 29500, 29218, 29581, 28906, 28542, 29306, 28987, 29878,
  28865, 30272, 29707, 29662, 29815, 30492, 29347, 30096, 29054, 30238, 28813, 31895, 28915,
];

t.test('tests/tigerbeetle_test.py: every p-value and magnitude Otava checks, window 30', async (t) => {
  t.equal(TIGERBEETLE.length, 365);
  t.strictSame(otava(TIGERBEETLE, 30, 0.01, 0.05), [15, 71], 'test_tb_old_defaults');
  t.strictSame(otava(TIGERBEETLE, 30, 0.05, 0.05), [15, 71], 'test_tb_old_defaults_p05');
  t.strictSame(otava(TIGERBEETLE, 30, 0.1, 0.05), [10, 11, 15, 71, 363], 'test_tb_old_defaults_p1');
  t.strictSame(otava(TIGERBEETLE, 30, 0.2, 0.05), [10, 11, 15, 71], 'test_tb_old_defaults_p2');
  t.strictSame(
    otava(TIGERBEETLE, 30, 0.2),
    [
      3, 6, 7, 10, 11, 13, 15, 16, 28, 29, 35, 37, 39, 41, 44, 48, 49, 56, 58, 61, 65, 66, 69, 71, 74, 76, 82, 95, 108, 117, 125, 126, 129, 131, 136, 137, 142, 148, 165, 169, 187, 190, 192, 197, 200, 212, 220, 241, 243, 246,
      247, 249, 250, 260, 265, 266, 268, 278, 282, 288, 305, 306, 325, 330, 337, 338, 340, 347, 349, 363,
    ],
    'test_tb_magnitude0_p2',
  );
  t.strictSame(
    otava(TIGERBEETLE, 30, 0.1),
    [3, 6, 10, 11, 15, 16, 28, 29, 35, 37, 39, 41, 44, 48, 49, 61, 71, 95, 117, 131, 142, 148, 165, 169, 192, 206, 212, 260, 265, 268, 278, 282, 288, 305, 363],
    'test_tb_magnitude0_p1',
  );
  t.strictSame(otava(TIGERBEETLE, 30, 0.01), [15, 26, 61, 71, 95, 117, 131, 142, 148, 165, 169, 192, 212, 260], 'test_tb_magnitude0_p01');
  t.strictSame(otava(TIGERBEETLE, 30, 0.001), [15, 61, 71, 95, 117, 131, 142, 148, 192, 212, 260], 'test_tb_magnitude0_p001');
  t.strictSame(otava(TIGERBEETLE, 30, 0.0001), [71, 95, 117, 131, 142, 148, 192, 212], 'test_tb_magnitude0_p0001');
  t.strictSame(otava(TIGERBEETLE, 30, 0.00001), [71, 95, 131, 192, 212], 'test_tb_magnitude0_p00001');
});

t.test('tests/analysis_test.py test_single_series: window 10, p 0.0001', async (t) => {
  const series = [1.02, 0.95, 0.99, 1.0, 1.12, 1.0, 1.01, 0.98, 1.01, 0.96, 0.5, 0.51, 0.48, 0.48, 0.55, 0.5, 0.49, 0.51, 0.5, 0.49];
  t.strictSame(otava(series, 10, 0.0001), [10]);
});

t.test("tests/series_test.py: Otava's defaults (window 50, p 0.001), with and without magnitude 0.2", async (t) => {
  const series1 = [1.02, 0.95, 0.99, 1.0, 1.12, 0.9, 0.5, 0.51, 0.48, 0.48, 0.55];
  const series2 = [2.02, 2.03, 2.01, 2.04, 1.82, 1.85, 1.79, 1.81, 1.8, 1.76, 1.78];
  t.strictSame(otava(series1, 50, 0.001), [6], 'test_change_point_detection: series1');
  t.strictSame(otava(series2, 50, 0.001), [4], 'test_change_point_detection: series2');
  t.strictSame(otava(series1, 50, 0.001, 0.2), [6], 'test_change_point_min_magnitude: series1');
  t.strictSame(otava(series2, 50, 0.001, 0.2), [], 'test_change_point_min_magnitude: series2 is below 20%');
  // test_div_by_zero asserts two change points, the first at 3 (a zero mean gives magnitude 0, no division).
  const zeros = [0.0, 0.0, 0.0, 1.0, 1.12, 0.9, 0.5, 0.51, 0.48, 0.48, 0.55];
  const found = otava(zeros, 50, 0.001);
  t.equal(found.length, 2);
  t.equal(found[0], 3);
});

t.test('tests/change_point_divisive_test.py test_ttest: the detector alone on one window, p 0.01', async (t) => {
  const sequence = [0.3, 2.4, 1.5, -0.9, -0.5, 99.7, 98.3, 99.1, 149.0, 149.7, 149.5, 149.1, 148.8, 150.0];
  t.strictSame(
    detectInWindow(sequence, 0.01).map((c) => c.index),
    [5, 8],
  );
});

t.test('tests/analysis_test.py test_significance_tester: the t-test of a split', async (t) => {
  const same = compareSegments([1.0, 1.02, 1.05, 0.95, 0.98], [1.0, 1.02, 1.05, 0.95, 0.98]);
  t.equal(same.pValue, 1, 'equal means: t = 0');
  const lower = compareSegments([1.0, 1.02, 1.05, 0.95, 0.98], [0.8, 0.82, 0.85, 0.79, 0.77]);
  t.ok(lower.pValue > 0 && lower.pValue < 0.001, `p ${lower.pValue} in (0, 0.001) as Otava asserts`);
  // Population standard deviations, as Otava passes numpy's np.std to ttest_ind_from_stats.
  t.ok(Math.abs(lower.stdBefore - Math.sqrt(0.00116)) < 1e-15);
  t.equal(compareSegments([1], [2]).pValue, 1, 'two points: no test, p = 1');
  t.equal(compareSegments([1, 1], [2, 2]).pValue, 0, 'no spread and different means: t is infinite');
  t.ok(Number.isNaN(compareSegments([1, 1], [1, 1]).pValue), 'no spread, same mean: 0/0 as numpy');
});

t.test("Student's t against closed forms: df 1 (Cauchy) and df 2", async (t) => {
  for (const tValue of [0, 0.5, 1, 2, 10, -3]) {
    const cauchy = 1 - (2 / Math.PI) * Math.atan(Math.abs(tValue));
    t.ok(Math.abs(studentTTwoSidedPValue(tValue, 1) - cauchy) < 1e-13, `df 1, t ${tValue}`);
    const df2 = 1 - Math.abs(tValue) / Math.sqrt(2 + tValue * tValue);
    t.ok(Math.abs(studentTTwoSidedPValue(tValue, 2) - df2) < 1e-13, `df 2, t ${tValue}`);
  }
  // Tables: the two-sided 5% critical value for df 10 is 2.228138851986; 0.1% for df 30 is 3.645958.
  t.ok(Math.abs(studentTTwoSidedPValue(2.228138851986, 10) - 0.05) < 1e-11);
  t.ok(Math.abs(studentTTwoSidedPValue(3.645958, 30) - 0.001) < 1e-8);
  t.equal(studentTTwoSidedPValue(Infinity, 5), 0);
  t.ok(Number.isNaN(studentTTwoSidedPValue(Number.NaN, 5)));
  t.ok(Math.abs(regularizedIncompleteBeta(0.3, 2.5, 1) - 0.3 ** 2.5) < 1e-14, 'I_x(a, 1) = x^a');
  t.ok(Math.abs(regularizedIncompleteBeta(0.3, 1, 4) - (1 - 0.7 ** 4)) < 1e-14, 'I_x(1, b) = 1 - (1-x)^b');
});

t.test('magnitude and intervals as Otava has them', async (t) => {
  t.equal(changeMagnitude({ meanBefore: 100, meanAfter: 50 }), 1, 'backward: 100/50 - 1');
  t.equal(changeMagnitude({ meanBefore: 0, meanAfter: 5 }), 1, 'forward is 0 over a zero mean; backward 0/5 - 1');
  t.strictSame(intervalsBetween([{ index: 5 }, { index: 10 }], 15), [
    [0, 5],
    [5, 10],
    [10, 15],
  ]);
});

t.test('the minimum segment: two high newest points are a change to Otava, not here', async (t) => {
  const base = [98, 98.2, 101.9, 100.8, 100.1, 99.6, 99.9, 99, 100.2, 100.9, 99, 98.6, 101.1, 100.1, 98.8, 99.5, 99.2, 100.1, 99.2, 101.9, 99, 101.5, 98.8, 98.6, 98.6, 99.2, 100.2, 101, 150, 151];
  const options = { windowPoints: 50, maxPValue: 0.001, minMagnitude: 0.05 };
  t.strictSame(
    eDivisiveChangePoints(base, { ...options, minSegmentPoints: 1 }).map((c) => c.index),
    [28],
  );
  t.strictSame(eDivisiveChangePoints(base, { ...options, minSegmentPoints: 5 }), []);
});
