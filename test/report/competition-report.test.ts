// The competition report from a result document alone: the representative sample, goodput per
// flow over time, the fairness and latency tables, the probe CDF pooled per case and idle, the
// queue, and what is left out (and said) when a sample lacks a series.
import t from 'tap';
import type { TopLevelSpec } from 'vega-lite';
import { DEFAULT_COMPARISON_OPTIONS } from '../../harness/analysis/sample-comparison.js';
import { flowGoodputSpec, probeRttCdfSpec, queueOverTimeSpec, renderSvg } from '../../harness/report/charts.js';
import { competingCases, flowGoodputOverTime, IDLE_LINE, IDLE_MESSAGES_LINE, measuredCompetitionCases, probeRttLines, queueOverTime, representativeSample } from '../../harness/report/competition.js';
import { competitionLatencyTable, fairnessTable } from '../../harness/report/competition-table.js';
import { renderReport } from '../../harness/report/render.js';
import { environmentTable } from '../../harness/report/sections.js';
import { renderTextSummary } from '../../harness/report/text.js';
import { resultSchema } from '../../harness/results/schema.js';
import { resultText } from '../../harness/results/write.js';
import { competitionCase, competitionDocument, flow, IDLE_RTTS_MS, type SampleSpec } from '../fixtures/competition-document.js';
import { sampleResultDocument } from '../fixtures/result-document.js';
import type { ResultDocument } from '../../harness/results/schema.js';
import { parametersOf } from '../../harness/results/workload.js';

function dataValues(spec: TopLevelSpec): unknown {
  return (spec as { data?: { values?: unknown } }).data?.values;
}

const caseOf = (document: ReturnType<typeof competitionDocument>, id: string) => {
  const found = measuredCompetitionCases(document).find((c) => c.id === id);
  if (!found) throw new Error(`no case ${id}`);
  return found;
};

const spec = (ratesMbps: number[], more: Partial<SampleSpec> = {}): SampleSpec => ({ ratesMbps, retransmitted: [1, 2], overflowDrops: 0, loadedRttsMs: [50], loadedLostRate: 0, ...more });
const pair = [flow('a', 'quic', 'h3', 'ngtcp2', 'cubic'), flow('b', 'tcp-tls', 'h2', 'node', 'cubic')];

t.test('the fixture is a valid result document', async (t) => {
  const document = competitionDocument();
  t.doesNotThrow(() => resultText(document));
  t.ok(resultSchema.safeParse(document).success);
  t.same(
    competingCases(document).map((c) => c.samples.length),
    [3, 3, 3],
  );
});

t.test('representative sample: the one with the median Jain index, the lower index on a tie', async (t) => {
  const document = competitionDocument();
  t.same(
    measuredCompetitionCases(document).map((c) => representativeSample(c)?.reason),
    ["sample #2 (Jain's index 0.976, the median of 3)", "sample #0 (Jain's index 0.880, the median of 3)", "sample #2 (Jain's index 0.999, the median of 3)"],
  );
  // An even count: the lower of the middle two (by index value, not sample order); equal values in sample order.
  const even = competitionCase('even', pair, [spec([9, 9]), spec([6, 12])]);
  t.equal(representativeSample(even)?.reason, "sample #1 (Jain's index 0.900, the lower middle of 2)");
  even.samples[1]!.metrics.jainIndex = 1;
  t.equal(representativeSample(even)?.sample.index, 0);
  // A failed sample does not count (with it, the lower middle of 4 would be #2); without any jainIndex the first ok sample stands in.
  const failed = competitionCase('failed', pair, [spec([18, 1]), spec([10, 8]), spec([12, 6]), spec([9.5, 9.5])]);
  failed.samples[0] = { ...failed.samples[0]!, status: 'failed', error: 'timed out' };
  t.equal(representativeSample(failed)?.reason, "sample #1 (Jain's index 0.988, the median of 3)");
  for (const s of failed.samples) delete s.metrics.jainIndex;
  t.equal(representativeSample(failed)?.reason, 'sample #1 (the first ok one: no sample has jainIndex)');
  failed.samples = failed.samples.slice(0, 1);
  t.equal(representativeSample(failed), null);
});

t.test('goodput over time: every flow per 500 ms interval, a staggered flow from its start', async (t) => {
  const document = competitionDocument();
  const c = caseOf(document, 'h3-cubic-vs-iperf3-bbr');
  const { points, missing } = flowGoodputOverTime(c, c.samples[0]!);
  t.same(missing, []);
  const line = (label: string) => points.filter((p) => p.flow === label).map((p) => [p.timeS, p.goodputMbps]);
  // Alone at 19 Mbit/s until the bbr flow joins at 1 s, then 6 Mbit/s.
  t.same(line('h3-ngtcp2 (cubic)'), [
    [0.25, 19],
    [0.75, 19],
    [1.25, 6],
    [1.75, 6],
    [2.25, 6],
    [2.75, 6],
    [3.25, 6],
    [3.75, 6],
  ]);
  t.same(line('iperf3-bbr (bbr)'), [
    [1.25, 13],
    [1.75, 13],
    [2.25, 13],
    [2.75, 13],
    [3.25, 13],
    [3.75, 13],
  ]);
  t.equal(flowGoodputOverTime(c, c.samples[0]!, 1000).points.filter((p) => p.flow === 'iperf3-bbr (bbr)').length, 3, '1 s intervals: 3 whole ones from 1 s to 4 s');
  const goodputSpec = flowGoodputSpec({ title: c.id, flowOrder: ['h3-ngtcp2 (cubic)', 'iperf3-bbr (bbr)'], points });
  t.same(dataValues(goodputSpec), points);
  t.throws(() => flowGoodputSpec({ title: 'x', flowOrder: ['other'], points }), /flow h3-ngtcp2 \(cubic\) is not in flowOrder/);
  t.match(await renderSvg(goodputSpec), /^<svg/);
});

t.test('fairness table: medians of shares, Jain with its range, "never", of the link, retransmissions, drops', async (t) => {
  const table = fairnessTable(competitionDocument());
  t.same(table?.header, ['case', 'flows', 'ok/n', 'share per flow', "Jain's index (min..max)", 'time to converge', 'in band', 'aggregate goodput', 'retransmitted packets per flow', 'queue overflow drops']);
  t.same(table?.rows, [
    ['h3-ngtcp2-vs-h2-node', 'h3-ngtcp2 (cubic) vs h2-node (cubic)', '3/3', '57.9% / 42.1%', '0.976 (0.935..0.997)', '1750 ms (never in 1/3)', '-', '95.0% of 20.0 Mbit/s', '4 / 10', '18'],
    ['h3-cubic-vs-iperf3-bbr', 'h3-ngtcp2 (cubic) vs iperf3-bbr (bbr)', '3/3', '31.6% / 68.4%', '0.880 (0.817..0.935)', 'never (3/3)', '-', '95.0% of 20.0 Mbit/s', '- / 40', '60'],
    ['iperf3-cubic-vs-cubic', 'iperf3-cubic-1 (cubic) vs iperf3-cubic-2 (cubic)', '3/3', '51.6% / 48.4%', '0.999 (0.997..1.000)', '1000 ms', '85.0%', '95.0% of 20.0 Mbit/s', '22 / 21', '7'],
  ]);
});

t.test('fairness table: a case not run, metrics missing, no link rate', async (t) => {
  const bare = competitionCase('bare', pair, [spec([10, 10])]);
  for (const name of ['jainIndex', 'flow1Share', 'aggregateGoodputBitsPerSecond', 'queueOverflowDropsDown']) delete bare.samples[0]!.metrics[name];
  const skipped = { ...competitionCase('skipped', pair, []), unsupported: 'node cannot serve h2 here' };
  const document = { ...competitionDocument([bare, skipped]), link: sampleResultDocument().link };
  t.same(fairnessTable(document)?.rows, [
    ['bare', 'a (cubic) vs b (cubic)', '1/1', '- / 50.0%', '-', 'never (1/1)', '-', '-', '1 / 2', '-'],
    ['skipped', 'a (cubic) vs b (cubic)', '-', 'unsupported', '', '', '', '', '', ''],
  ]);
  bare.samples[0]!.metrics.aggregateGoodputBitsPerSecond = 18.5e6;
  t.equal(fairnessTable(document)?.rows[0]?.[7], '18.5 Mbit/s', 'no link rate: the rate itself');
  t.same(competitionLatencyTable(document)?.rows.length, 1, 'only the case that ran');
  t.equal(fairnessTable(sampleResultDocument()), null, 'no competition: no table');
  t.equal(competitionLatencyTable(sampleResultDocument()), null);
});

t.test('latency table: idle vs loaded percentiles and the p95 inflation', async (t) => {
  const table = competitionLatencyTable(competitionDocument());
  t.same(table?.rows, [
    ['h3-ngtcp2-vs-h2-node', '42.0 / 43.8 / 44.0', '90.0 / 108 / 110', '+64.2 ms (x2.47)', '0.0%'],
    ['h3-cubic-vs-iperf3-bbr', '42.0 / 43.8 / 44.0', '130 / 148 / 150', '+104 ms (x3.38)', '5.0%'],
    ['iperf3-cubic-vs-cubic', '42.0 / 43.8 / 44.0', '61.0 / 70.0 / 70.8', '+26.2 ms (x1.60)', '0.0%'],
  ]);
});

/** The fixture with a ws-long-stream message probe on its first case: messages idle at 45 ms, loaded at 200 + 10 x the sample's index. */
function withMessageProbe(): ResultDocument {
  const document = competitionDocument();
  const first = document.cases[0] as ResultDocument['cases'][number];
  if (first.workload.kind !== 'competition') throw new Error('the fixture changed');
  first.workload.probe.messages = {
    id: 'ws-long-stream',
    protocol: 'tcp-tls',
    application: 'websocket',
    client: 'ws',
    server: 'ws',
    messages: { kind: 'messages', messageBytes: 200, ratePerSecond: 50, count: 1450, mode: 'long-stream' },
  };
  first.parameters = parametersOf(first.workload);
  first.samples.forEach((sample, k) => {
    Object.assign(sample.metrics, {
      messageIdleLatencyP50Ms: 45,
      messageIdleLatencyP95Ms: 46,
      messageIdleLatencyP99Ms: 47,
      messageLoadedLatencyP50Ms: 200 + 10 * k,
      messageLoadedLatencyP95Ms: 250 + 10 * k,
      messageLoadedLatencyP99Ms: 300 + 10 * k,
      messageLoadedLostRate: 0,
      messageLatencyInflationP95Ms: 204 + 10 * k,
      messageLatencyInflationP95Ratio: (250 + 10 * k) / 46,
    });
    sample.series = { ...sample.series, messageRttIdleMs: [[-500, 45]], messageRttLoadedMs: [[1000, 200 + 10 * k]] };
  });
  return document;
}

t.test('a message probe: its row beside the echoes in the latency table, its lines in the CDF', async (t) => {
  const document = withMessageProbe();
  t.ok(resultSchema.safeParse(JSON.parse(resultText(document))).success, 'a valid result with its message probe');
  const table = competitionLatencyTable(document);
  t.same(table?.header, ['case', 'probe', 'idle p50 / p95 / p99 (ms)', 'loaded p50 / p95 / p99 (ms)', 'p95 inflation', 'loaded probes lost']);
  t.same(table?.rows.slice(0, 3), [
    ['h3-ngtcp2-vs-h2-node', 'UDP echoes', '42.0 / 43.8 / 44.0', '90.0 / 108 / 110', '+64.2 ms (x2.47)', '0.0%'],
    ['h3-ngtcp2-vs-h2-node', 'ws-long-stream messages', '45.0 / 46.0 / 47.0', '210 / 260 / 310', '+214 ms (x5.65)', '0.0%'],
    ['h3-cubic-vs-iperf3-bbr', 'UDP echoes', '42.0 / 43.8 / 44.0', '130 / 148 / 150', '+104 ms (x3.38)', '5.0%'],
  ]);
  const { lines, missing } = probeRttLines(document);
  t.same(
    lines.map((l) => l.caseId),
    ['h3-ngtcp2-vs-h2-node', 'h3-cubic-vs-iperf3-bbr', 'iperf3-cubic-vs-cubic', IDLE_LINE, 'h3-ngtcp2-vs-h2-node: messages', IDLE_MESSAGES_LINE],
  );
  t.same(lines[4]?.rttsMs, [200, 210, 220]);
  t.same(lines[5]?.rttsMs, [45, 45, 45]);
  t.same(missing, ['iperf3-cubic-vs-cubic: 1 ok sample without loaded probes']);
  const html = await renderReport([document], 'html', DEFAULT_COMPARISON_OPTIONS);
  t.match(html, /the message probe(&#39;|')s messages \(ws-long-stream\) alike, each from its send to its echo/);
  t.match(html, /ws-long-stream messages/);
});

t.test('probe CDF: loaded probes pooled per case, idle pooled over every case, samples without them said', async (t) => {
  const { lines, missing } = probeRttLines(competitionDocument());
  t.same(
    lines.map((l) => l.caseId),
    ['h3-ngtcp2-vs-h2-node', 'h3-cubic-vs-iperf3-bbr', 'iperf3-cubic-vs-cubic', IDLE_LINE],
  );
  t.same(lines[0]?.rttsMs, [60, 70, 80, 90, 100, 70, 80, 90, 100, 110, 80, 90, 100, 110, 120]);
  t.same(lines[2]?.rttsMs, [55, 65, 70, 60, 58, 56, 66, 71, 61, 59], 'sample #2 has no loaded probes');
  t.same(lines[3]?.rttsMs, Array.from({ length: 9 }, () => IDLE_RTTS_MS).flat());
  t.same(missing, ['iperf3-cubic-vs-cubic: 1 ok sample without loaded probes']);
  const cdf = probeRttCdfSpec({
    caseOrder: ['mix', IDLE_LINE],
    rtts: [
      { caseId: 'mix', rttsMs: [90, 60] },
      { caseId: IDLE_LINE, rttsMs: [40] },
    ],
  });
  t.same(dataValues(cdf), [
    { caseId: 'mix', value: 60, fraction: 0.5 },
    { caseId: 'mix', value: 90, fraction: 1 },
    { caseId: IDLE_LINE, value: 40, fraction: 1 },
  ]);
  t.match(cdf, { title: 'latency probe RTT, idle and under each mix', encoding: { x: { title: 'round-trip time of a probe (ms, log scale)' } } });
});

t.test('queue over time: KB against seconds with the drops; a sample without the queue has none', async (t) => {
  const document = competitionDocument();
  const a = caseOf(document, 'h3-ngtcp2-vs-h2-node');
  const queue = queueOverTime(a.samples[2]!);
  t.same(queue.queueKb?.slice(0, 3), [
    [0, 0],
    [0.25, 15],
    [0.5, 30],
  ]);
  t.same(queue.drops, [
    [0, 0],
    [2, 9],
    [3, 18],
  ]);
  const layered = queueOverTimeSpec({ title: 'q', queueKb: queue.queueKb ?? [], drops: queue.drops });
  t.match(layered, { resolve: { scale: { y: 'independent' } } });
  t.equal((layered as { layer: unknown[] }).layer.length, 2);
  t.equal((queueOverTimeSpec({ title: 'q', queueKb: [[0, 1]], drops: null }) as { layer?: unknown }).layer, undefined, 'no drops: the queue alone');
  t.match(await renderSvg(layered), /^<svg/);
  const c = caseOf(document, 'iperf3-cubic-vs-cubic');
  t.same(queueOverTime(c.samples[2]!), {
    queueKb: null,
    drops: [
      [0, 0],
      [2, 3],
      [3, 7],
    ],
  });
  t.same(flowGoodputOverTime(c, c.samples[2]!).missing, ['iperf3-cubic-2 (cubic)']);
});

t.test('the HTML report has the competition sections, each pairing charted, and says what is missing', async (t) => {
  const document = competitionDocument();
  const html = await renderReport([document], 'html', DEFAULT_COMPARISON_OPTIONS);
  for (const heading of ['how the flows shared the link', 'goodput per flow over time', 'latency under each mix', 'the bottleneck queue']) t.match(html, `<h3>Competition: ${heading}</h3>`);
  // 3 headline metrics x (box + CDF), 3 goodput charts, the probe CDF, 2 queue charts (the third sample has no queue).
  t.equal((html.match(/<svg/g) ?? []).length, 6 + 3 + 1 + 2);
  t.match(html, "h3-cubic-vs-iperf3-bbr: goodput per 500 ms of each flow, sample #0 (Jain's index 0.880, the median of 3)");
  t.match(html, "sample #2 (Jain's index 0.999, the median of 3); no byte series (left out): iperf3-cubic-2 (cubic)");
  t.match(html, "<li>iperf3-cubic-vs-cubic: sample #2 (Jain's index 0.999, the median of 3) has no queue series, no queue chart</li>");
  t.match(html, '<td class="right">1750 ms (never in 1/3)</td>');
  t.match(html, '<td class="right">+64.2 ms (x2.47)</td>');
  const markdown = await renderReport([document], 'md', DEFAULT_COMPARISON_OPTIONS);
  t.match(markdown, '| h3-cubic-vs-iperf3-bbr | h3-ngtcp2 (cubic) vs iperf3-bbr (bbr) | 3/3 | 31.6% / 68.4% | 0.880 (0.817..0.935) | never (3/3) | - | 95.0% of 20.0 Mbit/s | - / 40 | 60 |');
  t.match(markdown, '| iperf3-cubic-vs-cubic | 42.0 / 43.8 / 44.0 | 61.0 / 70.0 / 70.8 | +26.2 ms (x1.60) | 0.0% |');
  t.match(renderTextSummary(document), /how the competing flows shared the link[^\n]*\ncase +flows/);
  const other = await renderReport([sampleResultDocument()], 'html', DEFAULT_COMPARISON_OPTIONS);
  t.notMatch(other, /Competition/, 'other scenarios: no competition section');
});

t.test('environment: the companion flows endpoints, over their own protocol', async (t) => {
  const rows = environmentTable(competitionDocument()).rows.filter(([what]) => / (client|server)$/.test(what ?? ''));
  t.same(rows, [
    ['quic client', 'ngtcp2 1.9.1: cc=cubic'],
    ['quic server', 'ngtcp2 1.9.1: cc=cubic'],
    ['tcp-tls client', 'node 1.0: cc=cubic'],
    ['tcp-tls server', 'node 1.0: cc=cubic'],
    ['tcp client', 'iperf3 1.0: cc=bbr'],
    ['tcp server', 'iperf3 1.0: cc=bbr'],
    ['tcp client', 'iperf3 1.0: cc=cubic'],
    ['tcp server', 'iperf3 1.0: cc=cubic'],
  ]);
});

t.test('a run whose samples recorded no series and no probe figures still renders, and says what it left out', async (t) => {
  const bare = competitionCase('no-series', pair, [spec([10, 9], { bare: true }), spec([11, 8], { bare: true })]);
  const document = competitionDocument([bare]);
  t.doesNotThrow(() => resultText(document));
  const html = await renderReport([document], 'html', DEFAULT_COMPARISON_OPTIONS);
  t.match(html, "<li>no-series: sample #1 (Jain's index 0.976, the lower middle of 2) has no flow byte series");
  t.match(html, 'has no queue series, no queue chart</li>');
  t.match(html, '<li>no-series: 2 ok samples without loaded probes</li><li>idle (every case): 2 ok samples without idle probes</li>');
  t.match(html, '<td class="left">no-series</td><td class="right">- / - / -</td><td class="right">- / - / -</td><td class="right">-</td><td class="right">-</td>');
  t.notMatch(html, /Competition: goodput per flow over time|Competition: the bottleneck queue/);
});
