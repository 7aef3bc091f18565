// Two runs on different links: which settings differ, each naming both values; and cases paired
// across links only when asked.
import t from 'tap';
import { linkDifferences } from '../../harness/analysis/environment-diff.js';
import { compareRuns } from '../../harness/analysis/run-comparison.js';
import { caseWithSamples, documentWithCases, labLink } from '../fixtures/result-document.js';

const base = [100, 101, 102, 103, 104, 105];
const quic = () => caseWithSamples('quic-h3-1MB', 'quic', 'h3', { bodyBytes: 1_000_000 }, { handshakeMs: base });
const names = ['#1', '#2'] as const;
const statistics = { seed: 1, alpha: 0.05, resamples: 200, threshold: 0.05 };

t.test('the same link: no difference', async (t) => {
  const a = documentWithCases([quic()], { link: labLink({ rtt: '30ms', loss: '1%' }) });
  t.same(linkDifferences(a, a, names), []);
  t.same(linkDifferences(documentWithCases([quic()]), documentWithCases([quic()]), names), [], 'loopback twice');
});

t.test('settings the same both ways are named once, per direction otherwise', async (t) => {
  const a = documentWithCases([quic()], { link: labLink({ rtt: '30ms' }) });
  const b = documentWithCases([quic()], { link: labLink({ rtt: '60ms', loss: '1%', downRate: '10mbit' }) });
  t.same(linkDifferences(a, b, names), ['delay each way: 15 ms (#1) vs 30 ms (#2)', 'loss each way: 0% (#1) vs 1% (#2)', 'rate down: unlimited (#1) vs 10 Mbit/s (#2)']);
});

t.test('loopback against a named profile: backend, profile and conditions', async (t) => {
  const a = documentWithCases([quic()]);
  const b = documentWithCases([quic()], { link: labLink({ profile: 'cable' }, 'cable') });
  const differences = linkDifferences(a, b, names);
  t.same(differences.slice(0, 2), ['backend: loopback (#1) vs emulator (#2)', 'profile: none (#1) vs cable (#2)']);
  t.match(differences[2], /^conditions: not configured \(#1\) vs added round trip \d+ ms.* \(#2\)$/);
  t.equal(differences.length, 3);
});

t.test("transfer cases' own impairments are named too", async (t) => {
  const lossy = (impairment: string) => caseWithSamples('quic-h3-1MB', 'quic', 'h3', { bodyBytes: 1_000_000, impairment }, { handshakeMs: base });
  t.same(linkDifferences(documentWithCases([lossy('loss-1')]), documentWithCases([lossy('loss-5')]), names), ['case impairments: loss-1 (#1) vs loss-5 (#2)']);
});

t.test('cases on different links pair only --across-links, with both profiles named', async (t) => {
  const a = documentWithCases([quic()], { link: labLink({ rtt: '30ms' }) });
  const b = documentWithCases([quic()], { link: labLink({ rtt: '30ms', loss: '1%' }) });
  const apart = compareRuns([a, b], statistics);
  t.same([apart.cases, apart.onlyInBaseline, apart.onlyInLatest, apart.acrossLinks], [[], ['quic-h3-1MB (added round trip 30 ms)'], ['quic-h3-1MB (added round trip 30 ms, loss 1%)'], false]);
  const across = compareRuns([a, b], { ...statistics, acrossLinks: true });
  t.same(
    across.cases.map((c) => [c.caseId, c.profile, c.metrics[0]?.label]),
    [['quic-h3-1MB', 'added round trip 30 ms vs added round trip 30 ms, loss 1%', 'not significant']],
  );
  t.same([across.onlyInBaseline, across.onlyInLatest, across.acrossLinks], [[], [], true]);
  const other = documentWithCases([caseWithSamples('quic-h3-1MB', 'quic', 'h3', { bodyBytes: 2_000_000 }, { handshakeMs: base })], { link: b.link });
  t.same(compareRuns([a, other], { ...statistics, acrossLinks: true }).cases, [], 'other parameters are still another measurement');
});
