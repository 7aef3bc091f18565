// The latency probe's summary (type-7 percentiles of the replies, losses apart) and the
// inflation a load causes over the idle link, with exact figures.
import t from 'tap';
import { latencyInflation, latencySummary, rttsSentBetween } from '../../harness/measure/latency-probe.js';

t.test('summary: percentiles of the replies, lost probes counted apart', async (t) => {
  // sorted replies 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 60; two lost
  const rtts = [45, null, 40, 41, 60, 42, 43, null, 44, 46, 47, 48, 49];
  t.same(latencySummary(rtts), {
    sent: 13,
    received: 11,
    lostRate: 2 / 13,
    minMs: 40,
    p50Ms: 45, // rank 5 of 0..10
    p95Ms: 49 + (60 - 49) * 0.5, // rank 9.5
    p99Ms: 49 + (60 - 49) * (0.99 * 10 - 9), // rank 9.9, as the interpolation computes it
    maxMs: 60,
  });
  t.same(latencySummary([null, null]), { sent: 2, received: 0, lostRate: 1, minMs: null, p50Ms: null, p95Ms: null, p99Ms: null, maxMs: null });
  t.same(latencySummary([]), { sent: 0, received: 0, lostRate: null, minMs: null, p50Ms: null, p95Ms: null, p99Ms: null, maxMs: null });
  t.same(latencySummary([40.5]), { sent: 1, received: 1, lostRate: 0, minMs: 40.5, p50Ms: 40.5, p95Ms: 40.5, p99Ms: 40.5, maxMs: 40.5 });
});

t.test('inflation: loaded minus idle, and the p95 ratio', async (t) => {
  const idle = latencySummary([40, 40, 41, 41, 42]); // p50 41, p95 41.8, p99 41.96
  const loaded = latencySummary([80, 100, 120, 140, 160]); // p50 120, p95 156, p99 159.2
  const inflation = latencyInflation(idle, loaded);
  t.equal(inflation.p50Ms, 79);
  t.equal(Math.round((inflation.p95Ms as number) * 1e9) / 1e9, 114.2);
  t.equal(Math.round((inflation.p99Ms as number) * 1e9) / 1e9, 117.24);
  t.equal(Math.round((inflation.p95Ratio as number) * 1e9) / 1e9, Math.round((156 / 41.8) * 1e9) / 1e9);
  t.same(latencyInflation(idle, latencySummary([null])), { p50Ms: null, p95Ms: null, p99Ms: null, p95Ratio: null }, 'nothing came back under load');
  t.equal(latencyInflation(latencySummary([0]), loaded).p95Ratio, null, 'no ratio over an idle 0');
});

t.test('the probes sent within a window of the monotonic clock', async (t) => {
  const probes = [0, 100, 200, 300, 400].map((sentMs, i) => ({ sentMs, rttMs: i === 2 ? null : 40 + i }));
  t.same(rttsSentBetween(5000, probes, 5100, 5400), [41, null, 43], 'from inclusive, to exclusive; a lost one kept as null');
  t.same(rttsSentBetween(5000, probes, 0, 1e9), [40, 41, null, 43, 44]);
  t.same(rttsSentBetween(5000, probes, 6000, 7000), []);
  t.same(rttsSentBetween(null, [], 0, 1e9), [], 'nothing was sent');
});
