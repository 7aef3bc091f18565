// k6-style thresholds: parsing (with the threshold and what is wrong in every error) and the
// check over a campaign's runs: per series, on the median of the runs' values, every value kept.
import t from 'tap';
import { evaluateThresholds, parseThreshold } from '../../harness/campaign/thresholds.js';
import type { ResultDocument } from '../../harness/results/schema.js';

t.test('parsing', async (t) => {
  t.same(parseThreshold('quic-h3 handshakeRoundTrips p50 < 1.2'), {
    text: 'quic-h3 handshakeRoundTrips p50 < 1.2',
    selector: { name: 'quic-h3' },
    metric: 'handshakeRoundTrips',
    statistic: 'p50',
    comparison: '<',
    value: 1.2,
  });
  t.same(parseThreshold('throughput:h3 goodputBitsPerSecond >= 0.9 x h2'), {
    text: 'throughput:h3 goodputBitsPerSecond >= 0.9 x h2',
    selector: { scenario: 'throughput', name: 'h3' },
    metric: 'goodputBitsPerSecond',
    statistic: 'p50',
    comparison: '>=',
    value: 0.9,
    relativeTo: { name: 'h2' },
  });
  t.same(parseThreshold('http/1.1 ttfbMs p95 <= 0.5x handshake:quic-h3').relativeTo, { scenario: 'handshake', name: 'quic-h3' });
  t.equal(parseThreshold('h3 totalMs max > 3').statistic, 'max');
});

const BAD: Array<[string, string]> = [
  ['quic-h3 handshakeMs p50 1.2', 'threshold "quic-h3 handshakeMs p50 1.2": no comparison (one of: <=, >=, <, >), e.g. "quic-h3 handshakeMs p50 < 100"'],
  ['quic-h3 < 1', 'threshold "quic-h3 < 1": the left side needs a case and a metric, e.g. "quic-h3 handshakeMs" or "h3 handshakeMs p95"'],
  ['quic-h3 handshakeMs p50 extra < 1', 'threshold "quic-h3 handshakeMs p50 extra < 1": the left side is a case, a metric and a statistic; "extra" is left over'],
  ['quic-h3 handshake-ms < 1', 'threshold "quic-h3 handshake-ms < 1": "handshake-ms" is not a metric name (e.g. handshakeMs)'],
  ['quic-h3 handshakeMs p99 < 1', 'threshold "quic-h3 handshakeMs p99 < 1": "p99" is not a statistic (one of: p50, mean, p95, p5, min, max)'],
  ['quic-h3 handshakeMs <', 'threshold "quic-h3 handshakeMs <": nothing after the comparison: a number, or a factor "x" a case (e.g. 0.9 x h2)'],
  ['quic-h3 handshakeMs < 10ms', 'threshold "quic-h3 handshakeMs < 10ms": "10ms" is not a number'],
  ['h3 handshakeMs < 0.9 times h2', 'threshold "h3 handshakeMs < 0.9 times h2": after 0.9: "x" and a case (e.g. 0.9 x h2), not "times"'],
  ['h3 handshakeMs < 0.9 x', 'threshold "h3 handshakeMs < 0.9 x": after "0.9 x": one case (e.g. h2 or tcp-tls-h2)'],
];
for (const [text, message] of BAD) {
  t.test(`refused: ${text}`, async (t) => {
    t.throws(() => parseThreshold(text), { message });
  });
}

type Summaries = Record<string, Record<string, number>>;
/** A result document with just what thresholds read: cases' ids, applications, parameters and summaries. */
function run(runId: string, scenario: string, profile: string, cases: Array<{ id: string; application: string; session?: string; summary: Summaries }>, status: ResultDocument['status'] = 'completed'): ResultDocument {
  return {
    runId,
    scenario,
    status,
    link: { backend: 'emulator', profile, configured: null, achieved: null },
    cases: cases.map((c) => {
      const workload = { kind: 'handshake', bodyBytes: 1000, session: c.session ?? 'cold' };
      return {
        id: c.id,
        application: c.application,
        protocol: c.application === 'h3' ? 'quic' : 'tcp-tls',
        workload,
        parameters: { bodyBytes: 1000, session: c.session ?? 'cold' },
        summary: Object.fromEntries(Object.entries(c.summary).map(([metric, s]) => [metric, { n: 5, median: s.median, p5: 0, p95: s.p95 ?? 0, mean: s.mean ?? 0, stddev: 0, min: 0, max: 0 }])),
      };
    }),
  } as unknown as ResultDocument;
}

const hs = (median: number, p95 = 0) => ({ handshakeMs: { median, p95 } });

t.test('a number: checked on the median of the runs, per series (case x link), every run kept', async (t) => {
  const runs = [
    run('r1', 'handshake', 'lan', [
      { id: 'quic-h3', application: 'h3', summary: hs(10, 20) },
      { id: 'tcp-tls-h2', application: 'h2', summary: hs(20) },
    ]),
    run('r2', 'handshake', 'lan', [
      { id: 'quic-h3', application: 'h3', summary: hs(30, 40) },
      { id: 'tcp-tls-h2', application: 'h2', summary: hs(22) },
    ]),
    run('r3', 'handshake', 'lan', [
      { id: 'quic-h3', application: 'h3', summary: hs(12, 14) },
      { id: 'tcp-tls-h2', application: 'h2', summary: hs(21) },
    ]),
    run('r4', 'handshake', '4g', [{ id: 'quic-h3', application: 'h3', summary: hs(300) }]),
    run('r5', 'handshake', 'lan', [{ id: 'quic-h3', application: 'h3', summary: hs(1) }], 'aborted'),
  ];
  const [median, p95] = evaluateThresholds([parseThreshold('quic-h3 handshakeMs < 15'), parseThreshold('quic-h3 handshakeMs p95 <= 20')], runs);
  t.equal(median?.status, 'fail', 'the 4g series fails');
  t.same(
    median?.series.map((s) => [s.profile, s.runIds, s.values, s.value, s.limit, s.status]),
    [
      ['lan', ['r1', 'r2', 'r3'], [10, 30, 12], 12, 15, 'pass'],
      ['4g', ['r4'], [300], 300, 15, 'fail'],
    ],
    'an aborted run counts for nothing',
  );
  t.same(
    p95?.series.map((s) => [s.profile, s.values, s.value, s.status]),
    [
      ['lan', [20, 40, 14], 20, 'pass'],
      ['4g', [0], 0, 'pass'],
    ],
  );
  t.equal(p95?.status, 'pass');
  t.equal(median?.series[0]?.workload, '1KB');
});

t.test('a factor times another case: its median on the same link and parameters, in the same runs', async (t) => {
  const runs = [
    run('r1', 'handshake', 'lan', [
      { id: 'quic-h3', application: 'h3', summary: hs(10) },
      { id: 'quic-h3-resumed', application: 'h3', session: 'resumed', summary: hs(5) },
      { id: 'tcp-tls-h2', application: 'h2', summary: hs(20) },
      { id: 'tcp-tls-h2-resumed', application: 'h2', session: 'resumed', summary: hs(5) },
    ]),
    run('r2', 'handshake', 'lan', [
      { id: 'quic-h3', application: 'h3', summary: hs(14) },
      { id: 'quic-h3-resumed', application: 'h3', session: 'resumed', summary: hs(6) },
      { id: 'tcp-tls-h2', application: 'h2', summary: hs(24) },
      { id: 'tcp-tls-h2-resumed', application: 'h2', session: 'resumed', summary: hs(7) },
    ]),
  ];
  const [result] = evaluateThresholds([parseThreshold('h3 handshakeMs < 0.8 x h2')], runs);
  t.same(
    result?.series.map((s) => [s.caseId, s.values, s.value, s.reference, s.limit, s.status]),
    [
      ['quic-h3', [10, 14], 12, { caseId: 'tcp-tls-h2', values: [20, 24], value: 22 }, 17.6, 'pass'],
      ['quic-h3-resumed', [5, 6], 5.5, { caseId: 'tcp-tls-h2-resumed', values: [5, 7], value: 6 }, 4.800000000000001, 'fail'],
    ],
  );
  t.equal(result?.status, 'fail');
});

t.test('errors: a threshold matching nothing, a metric no run measured, no counterpart, an ambiguous counterpart', async (t) => {
  const runs = [
    run('r1', 'handshake', 'lan', [
      { id: 'quic-h3', application: 'h3', summary: hs(10) },
      { id: 'tcp-tls-h1', application: 'http/1.1', summary: hs(20) },
      { id: 'tcp-tls-h2', application: 'h2', summary: hs(20) },
    ]),
  ];
  const [nothing, scoped, unmeasured, noCounterpart, byId] = evaluateThresholds(
    [
      parseThreshold('quic-h3-0rtt handshakeMs < 1'),
      parseThreshold('throughput:h3 handshakeMs < 1'),
      parseThreshold('h3 goodputBitsPerSecond > 1'),
      parseThreshold('h3 handshakeMs < 1 x smb3'),
      parseThreshold('tcp-tls-h1 handshakeMs < 1 x handshake:tcp-tls-h2'),
    ],
    [...runs, run('r2', 'handshake', 'lan', [{ id: 'quic-h3', application: 'h3', summary: hs(1) }], 'failed')],
  );
  t.same(nothing, { threshold: 'quic-h3-0rtt handshakeMs < 1', status: 'error', error: `"quic-h3-0rtt" matches no case in the campaign's completed runs`, series: [] });
  t.equal(scoped?.error, `"throughput:h3" matches no case in the campaign's completed runs`);
  t.same([unmeasured?.status, unmeasured?.series[0]?.error, unmeasured?.series[0]?.values], ['error', 'no run measured goodputBitsPerSecond', [null]]);
  t.same([noCounterpart?.status, noCounterpart?.series[0]?.error], ['error', 'no case "smb3" with handshakeMs on the same link and parameters']);
  t.same([byId?.status, byId?.series[0]?.limit, byId?.series[0]?.status], ['fail', 20, 'fail'], 'a case id selects one case (20 < 1 x 20 fails)');
  const twoH2 = [
    run('r1', 'handshake', 'lan', [
      { id: 'quic-h3', application: 'h3', summary: hs(10) },
      { id: 'tcp-tls-h2', application: 'h2', summary: hs(20) },
      { id: 'tcp-tls-h2-caddy', application: 'h2', summary: hs(25) },
    ]),
  ];
  const [many] = evaluateThresholds([parseThreshold('h3 handshakeMs < 1 x h2')], twoH2);
  t.same([many?.status, many?.series[0]?.error, many?.series[0]?.limit], ['error', '"h2" matches 2 cases beside quic-h3 (tcp-tls-h2, tcp-tls-h2-caddy): name one case id', null]);
});
