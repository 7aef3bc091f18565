// The trend report's renderer, from data: the change-point label, the "what changed" rows in
// their order, thresholds drawn and judged, links relative to the page, folded quiet cases.
import t from 'tap';
import type { SeriesIdentity, SeriesPoint, SeriesAnalysis } from '../../harness/history/types.js';
import { changeLabel, changeRows, formatRelativeChange, runHref, thresholdHolds, type TrendReportInput } from '../../harness/report/trend-changes.js';
import { renderTrendReport } from '../../harness/report/trend-report.js';

const base = {
  scenario: 'handshake',
  profile: '4g',
  application: 'h3' as const,
  parameters: { bodyBytes: 1000 },
  client: { implementation: 'ngtcp2-gtlsclient', version: '1.2' },
  server: { implementation: 'ngtcp2-gtlsserver', version: '1.2' },
  hostname: 'lab1',
};
const handshake: SeriesIdentity = { ...base, seriesId: 'aaaa', caseId: 'quic-h3', metric: 'handshakeMs', unit: 'ms', better: 'lower' };
const goodput: SeriesIdentity = { ...base, seriesId: 'bbbb', scenario: 'throughput', caseId: 'quic-h3-1MB', metric: 'goodputBitsPerSecond', unit: 'bits/s', better: 'higher' };
const quiet: SeriesIdentity = {
  ...base,
  seriesId: 'cccc',
  caseId: 'tcp-tls-h2',
  metric: 'handshakeMs',
  unit: 'ms',
  better: 'lower',
  client: { implementation: 'undici', version: '7' },
  server: { implementation: 'node', version: '20' },
};

const day = (d: number) => `2026-12-0${d}T06:00:00.000Z`;
function point(i: number, median: number, paths: Partial<Pick<SeriesPoint, 'resultPath' | 'reportPath'>> = {}): SeriesPoint {
  return { runId: `r${i}`, startedAt: day(i), median, low: median - 1, high: median + 1, n: 10, resultPath: `/lab/results/r${i}.json`, reportPath: `/lab/results/r${i}.html`, ...paths };
}

const handshakePoints = [point(1, 30), point(2, 31), point(3, 30), point(4, 36), point(5, 37, { reportPath: null }), point(6, 36, { reportPath: '/lab/results/my run.html' })];
const handshakeAnalysis: SeriesAnalysis = {
  changePoints: [{ index: 3, runId: 'r4', startedAt: day(4), meanBefore: 30.3, meanAfter: 36.4, relativeChange: 6.1 / 30.3, pValue: 0.0004, kind: 'regression' }],
  newest: null,
  stoppage: null,
};
const goodputPoints = [point(1, 80e6), point(2, 90e6), point(3, 91e6)];
const goodputAnalysis: SeriesAnalysis = {
  changePoints: [{ index: 1, runId: 'r2', startedAt: day(2), meanBefore: 80e6, meanAfter: 90.5e6, relativeChange: 0.13125, pValue: 0.01, kind: 'improvement', acknowledged: 'kernel upgrade' }],
  newest: { runId: 'r3', value: 91e6, segmentMean: 90.5e6, relativeChange: 0.0055, pValue: 0.2, outlier: false, kind: 'improvement' },
  stoppage: { lastStartedAt: day(3), expectedPeriodMs: 6 * 3600e3, silentMs: 14 * 3600e3 },
};

const input: TrendReportInput = {
  series: [
    { series: handshake, points: handshakePoints, analysis: handshakeAnalysis },
    { series: quiet, points: [point(1, 40), point(2, 41)], analysis: { changePoints: [], newest: null, stoppage: null } },
    { series: goodput, points: goodputPoints, analysis: goodputAnalysis },
  ],
  thresholds: [
    { seriesId: 'aaaa', metric: 'handshakeMs', op: '<', value: 35, label: 'handshake budget' },
    { seriesId: 'bbbb', metric: 'goodputBitsPerSecond', op: '>=', value: 50e6, label: 'goodput floor' },
  ],
  outputDir: '/lab/reports',
};

t.test('labels and links', async (t) => {
  t.equal(changeLabel({ meanBefore: 32.8, meanAfter: 36.1, relativeChange: 3.3 / 32.8 }, 'ms'), '32.8 ms → 36.1 ms (+10.1%)');
  t.equal(changeLabel({ meanBefore: 90e6, meanAfter: 45e6, relativeChange: -0.5 }, 'bits/s'), '90.0 Mbit/s → 45.0 Mbit/s (-50.0%)');
  t.equal(formatRelativeChange(0), '+0.0%');
  t.equal(runHref({ reportPath: '/lab/results/r1.html', resultPath: '/lab/results/r1.json' }, '/lab/reports'), '../results/r1.html');
  t.equal(runHref({ reportPath: null, resultPath: '/lab/results/r1.json' }, '/lab/results'), 'r1.json', 'no HTML report: the result JSON');
  t.equal(runHref({ reportPath: '/lab/results/my run#1.html', resultPath: '' }, '/lab'), 'results/my%20run%231.html');
  t.same(
    (
      [
        ['<', 35],
        ['<=', 35],
        ['>', 35],
        ['>=', 35],
      ] as const
    ).map(([op, value]) => thresholdHolds(35, { op, value })),
    [false, true, false, true],
  );
});

t.test('what changed: regressions and broken thresholds first, acknowledged last', async (t) => {
  t.same(changeRows(input), [
    {
      seriesId: 'aaaa',
      series: 'handshake: quic-h3 on 4g · ngtcp2-gtlsclient 1.2 → ngtcp2-gtlsserver 1.2 · host lab1',
      metric: 'handshakeMs',
      kind: 'regression',
      runId: 'r4',
      href: '../results/r4.html',
      startedAt: day(4),
      beforeAfter: '30.3 ms → 36.4 ms',
      relativeChange: '+20.1%',
      pValue: '<0.001',
    },
    {
      seriesId: 'aaaa',
      series: 'handshake: quic-h3 on 4g · ngtcp2-gtlsclient 1.2 → ngtcp2-gtlsserver 1.2 · host lab1',
      metric: 'handshakeMs',
      kind: 'threshold broken',
      runId: 'r6',
      href: '../results/my%20run.html',
      startedAt: day(6),
      beforeAfter: '36.0 ms, not < 35.0 ms (handshake budget)',
      relativeChange: '-',
      pValue: '-',
    },
    {
      seriesId: 'bbbb',
      series: 'throughput: quic-h3-1MB on 4g · ngtcp2-gtlsclient 1.2 → ngtcp2-gtlsserver 1.2 · host lab1',
      metric: 'goodputBitsPerSecond',
      kind: 'data stopped',
      runId: 'r3',
      href: '../results/r3.html',
      startedAt: day(3),
      beforeAfter: 'silent 14.0 h (expected a point every 6.0 h)',
      relativeChange: '-',
      pValue: '-',
    },
    {
      seriesId: 'bbbb',
      series: 'throughput: quic-h3-1MB on 4g · ngtcp2-gtlsclient 1.2 → ngtcp2-gtlsserver 1.2 · host lab1',
      metric: 'goodputBitsPerSecond',
      kind: 'acknowledged',
      runId: 'r2',
      href: '../results/r2.html',
      startedAt: day(2),
      beforeAfter: '80.0 Mbit/s → 90.5 Mbit/s',
      relativeChange: '+13.1%',
      pValue: '0.010',
    },
  ]);
  const outlier: TrendReportInput = {
    ...input,
    thresholds: [],
    series: [
      { series: handshake, points: handshakePoints, analysis: { changePoints: [], stoppage: null, newest: { runId: 'r6', value: 36, segmentMean: 30, relativeChange: 0.2, pValue: 0.001, outlier: true, kind: 'regression' } } },
    ],
  };
  t.same(
    changeRows(outlier).map((r) => [r.kind, r.runId, r.beforeAfter, r.relativeChange, r.pValue]),
    [['newest point: regression', 'r6', '30.0 ms → 36.0 ms', '+20.0%', '0.001']],
  );
});

t.test('the page: the table first, a chart per series with its change point, threshold rules and point links', async (t) => {
  const html = await renderTrendReport(input);
  t.equal(html, await renderTrendReport(input), 'the same input, the same page');
  t.match(html, /^<!doctype html>/);
  t.match(html, `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`);
  t.notMatch(html, /<script|<link|<img|@import|url\((?!#)/, 'nothing that could fetch');
  t.match(html, '<p>3 series, 11 points.');

  const table = html.slice(html.indexOf('<table class="changes">'), html.indexOf('</table>') + 8);
  t.ok(html.indexOf('<table class="changes">') < html.indexOf('<svg'), 'what changed comes first');
  t.same(
    [...table.matchAll(/<tr class="([^"]+)"><td class="left">([^<]+)<\/td>/g)].map((m) => [m[1], m[2]]),
    [
      ['regression', 'regression'],
      ['threshold-broken', 'threshold broken'],
      ['data-stopped', 'data stopped'],
      ['acknowledged', 'acknowledged'],
    ],
  );
  t.match(
    table,
    '<td class="left"><a href="#s-aaaa">handshake: quic-h3 on 4g · ngtcp2-gtlsclient 1.2 → ngtcp2-gtlsserver 1.2 · host lab1</a></td><td class="left">handshakeMs</td><td class="left"><a href="../results/r4.html">r4</a><br><span class="note">2026-12-04T06:00:00.000Z</span></td><td class="left">30.3 ms → 36.4 ms</td><td class="right">+20.1%</td><td class="right">&lt;0.001</td>',
  );

  const figure = (id: string) => html.slice(html.indexOf(`<figure id="s-${id}">`), html.indexOf('</figure>', html.indexOf(`<figure id="s-${id}">`)));
  const a = figure('aaaa');
  t.same(
    [...a.matchAll(/<a xlink:href="([^"]+)"/g)].map((m) => m[1]),
    ['../results/r1.html', '../results/r2.html', '../results/r3.html', '../results/r4.html', '../results/r5.json', '../results/my%20run.html'],
    'every point links to its run, relative to the page',
  );
  t.match(a, '>30.3 ms → 36.4 ms (+20.1%)</text>', 'the change point is labelled');
  t.equal((a.match(/stroke="#c0392b"/g) ?? []).length, 1, 'one rule in the regression color');
  t.match(a, '>handshake budget (&lt; 35.0 ms)</text>', 'the threshold is labelled');
  t.equal((a.match(/stroke="#b9770e"/g) ?? []).length, 1, 'one threshold rule');
  t.match(a, '<figcaption>6 runs, median and 95% interval of each</figcaption>');
  const b = figure('bbbb');
  t.match(b, '>Mbit/s</text>', 'rates in Mbit/s');
  t.match(b, '>goodput floor (≥ 50.0 Mbit/s)</text>'.replace('≥', '&gt;='));
  t.match(b, '>80.0 Mbit/s → 90.5 Mbit/s (+13.1%)</text>');
  t.equal((b.match(/stroke="#999999"/g) ?? []).length, 1, 'the acknowledged change in grey');
  t.equal((figure('cccc').match(/<text[^>]*>[^<]*→/g) ?? []).length, 0, 'a quiet series has no change label');

  t.same(
    [...html.matchAll(/<details( open)?><summary>([^<]+)<\/summary>/g)].map((m) => [m[1] ?? '', m[2]]),
    [
      [' open', 'quic-h3 on 4g · ngtcp2-gtlsclient 1.2 → ngtcp2-gtlsserver 1.2 · host lab1 · {&quot;bodyBytes&quot;:1000}: 1 metric, 1 changed'],
      ['', 'tcp-tls-h2 on 4g · undici 7 → node 20 · host lab1 · {&quot;bodyBytes&quot;:1000}: 1 metric'],
      [' open', 'quic-h3-1MB on 4g · ngtcp2-gtlsclient 1.2 → ngtcp2-gtlsserver 1.2 · host lab1 · {&quot;bodyBytes&quot;:1000}: 1 metric, 1 changed'],
    ],
    'cases with something to see are open, the quiet one folded',
  );
  t.same(
    [...html.matchAll(/<h2 id="scenario-([^"]+)">/g)].map((m) => m[1]),
    ['handshake', 'throughput'],
  );
});

t.test('nothing changed: said in one line', async (t) => {
  const html = await renderTrendReport({ series: [input.series[1]!], thresholds: [], outputDir: '/lab/reports', notes: ['change detection not wired: series drawn without change points'] });
  t.match(html, '<p>Nothing: no change point, no newest point off its segment, no stopped series, no broken threshold.</p>');
  t.match(html, '<p class="note">change detection not wired: series drawn without change points</p>');
  t.notMatch(html, '<table');
});
