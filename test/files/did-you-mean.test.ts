import t from 'tap';
import { closestName, didYouMean, editDistance } from '../../harness/files/did-you-mean.js';

const profiles = ['lan', 'cable', 'dsl', '4g', '3g', '2g-rural', 'satellite-geo', 'satellite-leo', 'lossy-wifi'];

t.test('a wrong case, a near miss, the start of one name, or nothing', async (t) => {
  t.equal(closestName('4G', profiles), '4g');
  t.equal(closestName('LAN', profiles), 'lan');
  t.equal(closestName('cabel', profiles), 'cable');
  t.equal(closestName('lossy-wfii', profiles), 'lossy-wifi', 'a swap is one edit');
  t.equal(closestName('2g', profiles), '2g-rural', 'the start of exactly one name');
  t.equal(closestName('satellite', profiles), undefined, 'the start of two names is no guess');
  t.equal(closestName('moon', profiles), undefined);
  t.equal(closestName('5g', profiles), '4g', 'one letter off');
  t.equal(didYouMean('4G', profiles), ', did you mean "4g"?');
  t.equal(didYouMean('moon', profiles), '');
});

t.test('edit distance counts a swap of neighbours as one', async (t) => {
  t.same([editDistance('cable', 'cabel'), editDistance('kitten', 'sitting'), editDistance('', 'abc'), editDistance('abc', 'abc')], [1, 3, 3, 0]);
});
