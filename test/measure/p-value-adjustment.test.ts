// Holm and Benjamini-Hochberg adjusted p-values against textbook figures, worked by hand
// (and with exact fractions): input order kept, ties, p = 1, an empty family.
import t from 'tap';
import { adjustPValues, benjaminiHochberg, holmAdjust } from '../../harness/measure/inference.js';

const rounded = (values: number[]) => values.map((v) => Number(v.toFixed(10)));

// Benjamini & Hochberg (1995), section 4: 15 p-values of a clinical trial. At q = 0.05 their
// procedure rejects 4 hypotheses and Holm's 3 (the paper's own counts).
const bh1995 = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.324, 0.4262, 0.5719, 0.6528, 0.759, 1];

t.test('Holm on the 1995 example: (m - i + 1) p, running maximum, at most 1', async (t) => {
  const adjusted = holmAdjust(bh1995);
  t.same(rounded(adjusted), [0.0015, 0.0056, 0.0247, 0.114, 0.2211, 0.278, 0.278, 0.278, 0.3213, 1, 1, 1, 1, 1, 1]);
  t.equal(adjusted.filter((p) => p < 0.05).length, 3);
});

t.test('Benjamini-Hochberg on the 1995 example: m p / i, running minimum from the top', async (t) => {
  const adjusted = benjaminiHochberg(bh1995);
  t.same(rounded(adjusted), rounded([0.0015, 0.003, 0.0095, 0.035625, 0.0603, 0.0638571428571, 0.0638571428571, 0.0645, 0.0765, 0.486, 0.5811818181818, 0.714875, 0.7532307692308, 0.8132142857143, 1]));
  t.equal(adjusted.filter((p) => p < 0.05).length, 4);
});

t.test('results come back in input order', async (t) => {
  // Sorted: 0.005, 0.01, 0.03, 0.04. Holm: 0.02, 0.03, 0.06, max(0.06, 0.04). BH: min from the top of 0.02, 0.02, 0.04, 0.04.
  t.same(rounded(holmAdjust([0.01, 0.04, 0.03, 0.005])), [0.03, 0.06, 0.06, 0.02]);
  t.same(rounded(benjaminiHochberg([0.01, 0.04, 0.03, 0.005])), [0.02, 0.04, 0.04, 0.02]);
});

t.test('ties get one adjusted value; p = 1 stays 1', async (t) => {
  // Sorted: 0.01 x5 = 0.05, 0.02 x4 = 0.08, 0.02 x3 = 0.06 -> 0.08, 0.04 x2 = 0.08, 1 x1 = 1.
  t.same(rounded(holmAdjust([0.02, 0.01, 0.02, 1, 0.04])), [0.08, 0.05, 0.08, 1, 0.08]);
  // 1 x5/5 = 1, 0.04 x5/4 = 0.05, 0.02 x5/3 = 1/30, 0.02 x5/2 = 0.05 -> 1/30, 0.01 x5 = 0.05 -> 1/30.
  t.same(rounded(benjaminiHochberg([0.02, 0.01, 0.02, 1, 0.04])), rounded([1 / 30, 1 / 30, 1 / 30, 1, 0.05]));
  t.same(holmAdjust([1, 1]), [1, 1]);
  t.same(benjaminiHochberg([1, 1]), [1, 1]);
  t.same(rounded(holmAdjust([0.3, 0.3, 0.3])), [0.9, 0.9, 0.9]);
  t.same(benjaminiHochberg([0.3, 0.3, 0.3]), [0.3, 0.3, 0.3]);
});

t.test('one test is its own family; an empty family is empty; nonsense is refused', async (t) => {
  t.same(holmAdjust([0.04]), [0.04]);
  t.same(benjaminiHochberg([0.04]), [0.04]);
  t.same(holmAdjust([]), []);
  t.same(benjaminiHochberg([]), []);
  t.same(adjustPValues([0.04, 0.01], 'none'), [0.04, 0.01]);
  t.same(adjustPValues([0.04, 0.01], 'holm'), [0.04, 0.02]);
  t.same(adjustPValues([0.04, 0.01], 'bh'), [0.04, 0.02]);
  t.throws(() => holmAdjust([0.5, Number.NaN]), RangeError);
  t.throws(() => benjaminiHochberg([1.5]), RangeError);
  t.throws(() => adjustPValues([-0.1], 'none'), RangeError);
});
