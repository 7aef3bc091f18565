// The HTML report: one self-contained file (inline CSS, charts as inline SVG rendered now, a
// Content-Security-Policy that forbids every fetch), so it opens offline and shows the same
// thing wherever it is opened. Built from result files alone.
import type { ComparisonOptions } from '../analysis/sample-comparison.js';
import { headlinePairs, type TransportPair } from '../analysis/transport-pairs.js';
import { metricValues } from '../analysis/sample-comparison.js';
import { profileOf, workloadLabel } from '../results/case-key.js';
import type { MetricDefinition, ResultDocument } from '../results/schema.js';
import { boxPlotSpec, bytesOverTimeSpec, cdfSpec, deliveredOverTimeSpec, flowGoodputSpec, heatmapSpec, messageRttCdfSpec, probeRttCdfSpec, queueOverTimeSpec, renderSvg, type HeatmapCell } from './charts.js';
import { formatNumber, formatPValue, notRunLabel } from './format.js';
import { environmentNotes, methodSentence, runHeadline } from './report-parts.js';
import { environmentTable, linkTable, noteLines, summaryTable, transportTable } from './sections.js';
import type { Table } from './table.js';
import { matrixTable } from './matrix-table.js';
import { verdictCounts, verdictTable } from './interop-table.js';
import { metricDefinition } from '../results/metric-definitions.js';
import { flowGoodputOverTime, flowLabel, GOODPUT_INTERVAL_MS, measuredCompetitionCases, messageProbeIds, probeRttLines, queueOverTime, representativeSample } from './competition.js';
import { competitionLatencyTable, fairnessTable } from './competition-table.js';

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function tableHtml(table: Table, className = ''): string {
  const align = (column: number) => table.align?.[column] ?? (column === 0 ? 'left' : 'right');
  const cells = (row: string[], tag: 'th' | 'td') => row.map((cell, i) => `<${tag} class="${align(i)}">${escapeHtml(cell)}</${tag}>`).join('');
  return `<table${className ? ` class="${className}"` : ''}><thead><tr>${cells(table.header, 'th')}</tr></thead><tbody>${table.rows.map((row) => `<tr>${cells(row, 'td')}</tr>`).join('')}</tbody></table>`;
}

function figure(svg: string, caption: string): string {
  return `<figure>${svg}<figcaption>${escapeHtml(caption)}</figcaption></figure>`;
}

/** Axis title with the unit; rates shown in Mbit/s. */
export function axisOf(metric: Pick<MetricDefinition, 'name' | 'unit'>): { title: string; divisor: number } {
  if (metric.unit === 'bits/s') return { title: `${metric.name} (Mbit/s)`, divisor: 1e6 };
  return { title: metric.unit === 'count' || metric.unit === 'ratio' ? metric.name : `${metric.name} (${metric.unit})`, divisor: 1 };
}

async function distributionCharts(document: ResultDocument): Promise<string[]> {
  const caseOrder = document.cases.filter((c) => notRunLabel(c) === undefined).map((c) => c.id);
  const figures: string[] = [];
  for (const name of document.headline) {
    const metric = metricDefinition(document, name);
    if (!metric) continue;
    const { title, divisor } = axisOf(metric);
    const samples = document.cases.flatMap((c) => metricValues(c, name).map((value) => ({ caseId: c.id, value: value / divisor })));
    if (samples.length === 0) continue;
    const options = { metric: name, axisTitle: title, caseOrder, samples };
    figures.push(figure(await renderSvg(boxPlotSpec(options)), `${name}: box (quartiles, whiskers at min and max) and every sample`));
    figures.push(figure(await renderSvg(cdfSpec(options)), `${name}: cumulative distribution of the samples`));
  }
  return figures;
}

async function transferCharts(document: ResultDocument): Promise<string[]> {
  const measured = document.cases.filter((c) => notRunLabel(c) === undefined);
  const caseOrder = measured.map((c) => c.id);
  // One chart per workload on its link: every transport's samples of the same transfer side by side.
  const groups = new Map<string, typeof measured>();
  for (const c of measured) {
    const key = `${workloadLabel(c)} on ${profileOf(document, c)}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  const figures: string[] = [];
  for (const [key, cases] of groups) {
    const series = cases.flatMap((c) => c.samples.flatMap((s) => (s.status === 'ok' && s.series?.bytesOverTime ? [{ caseId: c.id, sampleIndex: s.index, points: s.series.bytesOverTime }] : [])));
    if (series.length === 0) continue;
    figures.push(figure(await renderSvg(bytesOverTimeSpec({ caseOrder, series })), `${key}: body bytes over time, one line per sample (flat = stalled)`));
  }
  return figures;
}

/** Message scenarios (realtime): every message's RTT as a CDF per case, and messages delivered over time. */
async function messageCharts(document: ResultDocument): Promise<string[]> {
  const measured = document.cases.filter((c) => notRunLabel(c) === undefined);
  const caseOrder = measured.map((c) => c.id);
  const ok = (c: (typeof measured)[number]) => c.samples.filter((s) => s.status === 'ok');
  const rtts = measured.flatMap((c) => {
    const rttsMs = ok(c).flatMap((s) => (s.series?.rttByMessage ?? []).map(([, rttMs]) => rttMs));
    return rttsMs.length > 0 ? [{ caseId: c.id, rttsMs }] : [];
  });
  const series = measured.flatMap((c) => ok(c).flatMap((s) => (s.series?.deliveredOverTime ? [{ caseId: c.id, sampleIndex: s.index, points: s.series.deliveredOverTime }] : [])));
  const figures: string[] = [];
  if (rtts.length > 0)
    figures.push(figure(await renderSvg(messageRttCdfSpec({ caseOrder, rtts })), 'every delivered message of every sample: round-trip time, cumulative per case (lost messages are not in it: see deliveredFraction)'));
  if (series.length > 0) figures.push(figure(await renderSvg(deliveredOverTimeSpec({ caseOrder, series })), 'messages echoed back over time, one line per sample (flat while messages are outstanding = stalled)'));
  return figures;
}

/**
 * Competition (several flows over one bottleneck): the fairness table, each pairing's goodput per
 * flow and queue over time (its representative sample), and the probe's RTT CDF loaded vs idle.
 * Empty when the document has no competing case.
 */
async function competitionSection(document: ResultDocument): Promise<string[]> {
  const fairness = fairnessTable(document);
  if (fairness === null) return [];
  const parts = ['<h3>Competition: how the flows shared the link</h3>', tableHtml(fairness)];
  parts.push(
    '<p class="note">Medians over the ok samples. Share: of what all the flows got in the span when every flow ran. Time to converge: until every flow stayed within 20% of a fair share ("never": samples where they did not). Aggregate: all the flows together, of the link\'s downlink rate.</p>',
  );
  const goodput: string[] = [];
  const queues: string[] = [];
  const missing: string[] = [];
  for (const c of measuredCompetitionCases(document)) {
    const chosen = representativeSample(c);
    if (chosen === null) {
      missing.push(`${c.id}: no ok sample, no over-time charts`);
      continue;
    }
    const flows = flowGoodputOverTime(c, chosen.sample);
    const without = flows.missing.length > 0 ? `; no byte series (left out): ${flows.missing.join(', ')}` : '';
    if (flows.points.length > 0) {
      const spec = flowGoodputSpec({ title: c.id, flowOrder: c.workload.flows.map(flowLabel), points: flows.points });
      goodput.push(figure(await renderSvg(spec), `${c.id}: goodput per ${GOODPUT_INTERVAL_MS} ms of each flow, ${chosen.reason}${without}`));
    } else missing.push(`${c.id}: ${chosen.reason} has no flow byte series with a whole ${GOODPUT_INTERVAL_MS} ms interval, no goodput chart`);
    const queue = queueOverTime(chosen.sample);
    if (queue.queueKb !== null) {
      const caption = `${c.id}: the bottleneck's downlink queue, ${chosen.reason}${queue.drops === null ? '; overflow drops not recorded' : ', red: overflow drops so far'}`;
      queues.push(figure(await renderSvg(queueOverTimeSpec({ title: `${c.id}: queue`, queueKb: queue.queueKb, drops: queue.drops })), caption));
    } else missing.push(`${c.id}: ${chosen.reason} has no queue series, no queue chart`);
  }
  if (goodput.length > 0) parts.push('<h3>Competition: goodput per flow over time</h3>', `<div class="charts">${goodput.join('')}</div>`);
  const probes = probeRttLines(document);
  const latency = competitionLatencyTable(document);
  parts.push('<h3>Competition: latency under each mix</h3>');
  if (probes.lines.length > 0) {
    const messageProbes = messageProbeIds(document);
    const caseOrder = probes.lines.map((line) => line.caseId);
    parts.push(
      figure(
        await renderSvg(probeRttCdfSpec({ caseOrder, rtts: probes.lines })),
        `small UDP echoes beside the flows: each case while all its flows ran (ok samples pooled), and idle before the flows (every case pooled)${
          messageProbes.length > 0 ? `; the message probe's messages (${messageProbes.join(', ')}) alike, each from its send to its echo` : ''
        }; lost probes are not in it`,
      ),
    );
  }
  if (latency !== null) parts.push(tableHtml(latency), '<p class="note">Medians over the ok samples of each percentile; inflation: loaded p95 minus idle p95 (and their ratio).</p>');
  if (queues.length > 0) parts.push('<h3>Competition: the bottleneck queue</h3>', `<div class="charts">${queues.join('')}</div>`);
  const notes = [...missing, ...probes.missing];
  if (notes.length > 0) parts.push(`<ul class="note">${notes.map((line) => `<li>${escapeHtml(line)}</li>`).join('')}</ul>`);
  return parts;
}

async function heatmaps(documents: readonly ResultDocument[], pairs: readonly TransportPair[]): Promise<string[]> {
  const chosen = headlinePairs(pairs);
  const rows = [...new Set(chosen.map((p) => p.profile))];
  const columns = [...new Set(chosen.map((p) => p.workload))];
  const names = [...new Set(documents.flatMap((d) => d.headline))];
  const figures: string[] = [];
  for (const name of names) {
    const cells: HeatmapCell[] = chosen.flatMap((pair) => {
      const c = pair.comparisons.find((x) => x.metric.name === name);
      if (!c || c.metric.better === 'neither') return [];
      const ratio = c.ratio?.estimate ?? null;
      return [
        {
          row: pair.profile,
          column: pair.workload,
          ratio,
          significant: c.significant,
          label: ratio === null ? '-' : `${formatNumber(ratio)} (${c.verdict === 'too few samples' ? 'too few samples' : `p ${formatPValue(c.pValue)}`})`,
        },
      ];
    });
    if (cells.length === 0) continue;
    const better = documents.flatMap((d) => d.metrics).find((m) => m.name === name)?.better === 'higher' ? 'higher' : 'lower';
    const title = `${name}: QUIC / TCP+TLS`;
    figures.push(figure(await renderSvg(heatmapSpec({ title, rows, columns, cells, better })), `${name}, ratio of medians per profile and workload`));
  }
  return figures;
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:1200px;padding:0 1em;color:#222}
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ccc}h3{margin-top:1.5em}
table{border-collapse:collapse;margin:.5em 0;font-size:13px}th,td{padding:3px 8px;border-bottom:1px solid #eee;vertical-align:top}
th{background:#f5f5f5}td.right,th.right{text-align:right;font-variant-numeric:tabular-nums}td.left,th.left{text-align:left}
.charts{display:flex;flex-wrap:wrap;gap:1em}figure{margin:0}figcaption{font-size:12px;color:#555;max-width:640px}
.note{color:#555}.warning{color:#a40}`;

export async function renderHtmlReport(documents: readonly ResultDocument[], options: ComparisonOptions, pairs: readonly TransportPair[]): Promise<string> {
  const first = documents[0];
  if (!first) throw new RangeError('a report needs a result');
  const title = `${first.scenario}: QUIC vs TCP+TLS 1.3`;
  const body: string[] = [`<h1>${escapeHtml(title)}</h1>`];
  body.push('<h2 id="quic-vs-tcp">QUIC vs TCP+TLS</h2>');
  const maps = await heatmaps(documents, pairs);
  if (maps.length > 0) body.push(`<div class="charts">${maps.join('')}</div>`);
  body.push(pairs.length > 0 ? tableHtml(transportTable(pairs)) : '<p>No QUIC and TCP+TLS cases of the same workload.</p>');
  body.push(`<p class="note">${escapeHtml(methodSentence(options))}</p>`);
  for (const [i, document] of documents.entries()) {
    body.push(`<h2 id="run-${i + 1}">Run ${escapeHtml(document.runId)}</h2>`, `<p>${escapeHtml(runHeadline(document))}</p>`);
    body.push(tableHtml(summaryTable(document)), '<p class="note">Median (p5-p95) of the successful samples.</p>');
    const matrix = matrixTable(document);
    if (matrix) body.push(`<h3>Server x client: median ${escapeHtml(matrix.metric)} (ok/n)</h3>`, tableHtml(matrix.table));
    const verdicts = verdictTable(document);
    if (verdicts) {
      body.push(`<h3>Verdicts: ${escapeHtml(verdictCounts(verdicts.counts))}</h3>`, tableHtml(verdicts.table, 'verdicts'));
      body.push(`<ul class="note">${verdicts.notes.map((note) => `<li>${escapeHtml(note)}</li>`).join('')}</ul>`);
    }
    const notes = noteLines(document);
    if (notes.length > 0) body.push(`<ul class="note">${notes.map((line) => `<li>${escapeHtml(line.trim())}</li>`).join('')}</ul>`);
    const link = linkTable(document);
    body.push('<h3>Link: configured vs achieved</h3>', link ? tableHtml(link) : '<p>loopback: no emulated link</p>');
    body.push('<h3>Samples</h3>', `<div class="charts">${(await distributionCharts(document)).join('')}</div>`);
    const transfers = await transferCharts(document);
    if (transfers.length > 0) body.push('<h3>Bytes over time</h3>', `<div class="charts">${transfers.join('')}</div>`);
    const messages = await messageCharts(document);
    if (messages.length > 0) body.push('<h3>Messages</h3>', `<div class="charts">${messages.join('')}</div>`);
    body.push(...(await competitionSection(document)));
    body.push('<h3>Environment</h3>', tableHtml(environmentTable(document)));
  }
  const warnings = environmentNotes(documents);
  if (warnings.length > 0) body.push(`<ul class="warning">${warnings.map((w) => `<li>warning: ${escapeHtml(w)}</li>`).join('')}</ul>`);
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    // Nothing may be fetched: the report must read the same offline.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    `<title>${escapeHtml(title)} - QUIC lab</title>`,
    `<style>${STYLE}</style></head><body>`,
    ...body,
    `<footer class="note"><p>QUIC lab ${escapeHtml(first.tool.version)}, report from ${documents.length} result file${documents.length === 1 ? '' : 's'}.</p></footer>`,
    '</body></html>',
    '',
  ].join('\n');
}
