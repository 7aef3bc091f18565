// The trend report: one self-contained HTML page (inline CSS, charts as inline SVG, a CSP that
// forbids every fetch) over the history's series. First a table of what changed (change
// points, a newest point off its segment, series that stopped, thresholds the newest point
// breaks), then per scenario and case a small multiple per metric. A pure function of its
// input (series, points, analyses and thresholds as data), so the same input gives the same page.
import { renderSvg } from './charts.js';
import { formatMetricValue } from './format.js';
import { caseLabel, changeLabel, changeRows, runHref, type ChangeRow, type TrendReportInput, type TrendSeries, type TrendThreshold } from './trend-changes.js';
import { axisOf, escapeHtml } from './html.js';
import { trendChartSpec, type TrendChartChange } from './trend-chart-spec.js';

function changeTable(rows: readonly ChangeRow[]): string {
  const header = ['what', 'series', 'metric', 'run', 'before → after', 'change', 'p'];
  const body = rows.map((row) => {
    const run = row.href === '' ? escapeHtml(row.runId) : `<a href="${escapeHtml(row.href)}">${escapeHtml(row.runId)}</a>`;
    const cells = [
      escapeHtml(row.kind),
      `<a href="#s-${row.seriesId}">${escapeHtml(row.series)}</a>`,
      escapeHtml(row.metric),
      `${run}<br><span class="note">${escapeHtml(row.startedAt)}</span>`,
      escapeHtml(row.beforeAfter),
      escapeHtml(row.relativeChange),
      escapeHtml(row.pValue),
    ];
    return `<tr class="${escapeHtml(row.kind.replace(/[^a-z]+/g, '-'))}">${cells.map((cell, i) => `<td class="${i >= 5 ? 'right' : 'left'}">${cell}</td>`).join('')}</tr>`;
  });
  return `<table class="changes"><thead><tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${body.join('')}</tbody></table>`;
}

async function seriesChart(entry: TrendSeries, thresholds: readonly TrendThreshold[], outputDir: string): Promise<string> {
  const { series: s, points, analysis } = entry;
  const { divisor } = axisOf({ name: s.metric, unit: s.unit });
  // The chart's title names the metric; its axis only the unit, so small charts keep their room for the data.
  const unitTitle = s.unit === 'bits/s' ? 'Mbit/s' : s.unit === 'count' || s.unit === 'ratio' ? null : s.unit;
  const scaled = (v: number | null) => (v === null ? null : v / divisor);
  const changes: TrendChartChange[] = analysis.changePoints.map((c) => ({ startedAt: c.startedAt, kind: c.acknowledged !== undefined ? 'acknowledged' : c.kind, label: changeLabel(c, s.unit) }));
  const svg = await renderSvg(
    trendChartSpec({
      title: s.metric,
      axisTitle: unitTitle,
      points: points.map((p) => ({ startedAt: p.startedAt, median: p.median / divisor, low: scaled(p.low), high: scaled(p.high), href: runHref(p, outputDir) })),
      changes,
      thresholds: thresholds.filter((t) => t.seriesId === s.seriesId).map((t) => ({ value: t.value / divisor, label: `${t.label} (${t.op} ${formatMetricValue(t.value, s.unit)})` })),
    }),
  );
  return `<figure id="s-${s.seriesId}">${svg}<figcaption>${points.length} run${points.length === 1 ? '' : 's'}, median and 95% interval of each</figcaption></figure>`;
}

/** The series of one case (all its metrics), in the order given. */
function groupsByCase(series: readonly TrendSeries[]): Map<string, Map<string, TrendSeries[]>> {
  const scenarios = new Map<string, Map<string, TrendSeries[]>>();
  for (const entry of series) {
    const cases = scenarios.get(entry.series.scenario) ?? new Map<string, TrendSeries[]>();
    const label = caseLabel(entry.series) + (Object.keys(entry.series.parameters).length > 0 ? ` · ${JSON.stringify(entry.series.parameters)}` : '');
    cases.set(label, [...(cases.get(label) ?? []), entry]);
    scenarios.set(entry.series.scenario, cases);
  }
  return scenarios;
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:1400px;padding:0 1em;color:#222}
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5em 0;font-size:13px}th,td{padding:3px 8px;border-bottom:1px solid #eee;vertical-align:top}
th{background:#f5f5f5;text-align:left}td.right{text-align:right;font-variant-numeric:tabular-nums}
tr.regression td:first-child,tr.threshold-broken td:first-child,tr.newest-point-regression td:first-child{color:#c0392b;font-weight:600}
tr.improvement td:first-child{color:#1e8449}
details{margin:.6em 0}summary{cursor:pointer;font-weight:600}
.charts{display:flex;flex-wrap:wrap;gap:.8em}figure{margin:0}figcaption{font-size:11px;color:#555}
.note{color:#555}`;

export async function renderTrendReport(input: TrendReportInput): Promise<string> {
  const rows = changeRows(input);
  const pointCount = input.series.reduce((sum, s) => sum + s.points.length, 0);
  const body: string[] = ['<h1>QUIC lab: trends</h1>'];
  body.push(`<p>${input.series.length} series, ${pointCount} points. Each point is one run: the median of its successful samples and the 95% bootstrap interval of that median; click a point for its run's report.</p>`);
  for (const note of input.notes ?? []) body.push(`<p class="note">${escapeHtml(note)}</p>`);
  body.push('<h2 id="changes">What changed</h2>');
  body.push(rows.length > 0 ? changeTable(rows) : '<p>Nothing: no change point, no newest point off its segment, no stopped series, no broken threshold.</p>');
  const flagged = new Set(rows.filter((r) => r.kind !== 'acknowledged').map((r) => r.seriesId));
  for (const [scenario, cases] of groupsByCase(input.series)) {
    body.push(`<h2 id="scenario-${escapeHtml(scenario)}">${escapeHtml(scenario)}</h2>`);
    for (const [label, entries] of cases) {
      const changed = entries.filter((e) => flagged.has(e.series.seriesId)).length;
      const figures: string[] = [];
      for (const entry of entries) figures.push(await seriesChart(entry, input.thresholds, input.outputDir));
      // Cases with something to look at are open; the rest stay folded so many series stay readable.
      body.push(
        `<details${changed > 0 ? ' open' : ''}><summary>${escapeHtml(label)}: ${entries.length} metric${entries.length === 1 ? '' : 's'}${changed > 0 ? `, ${changed} changed` : ''}</summary><div class="charts">${figures.join('')}</div></details>`,
      );
    }
  }
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    // Nothing may be fetched: the report must read the same offline. Links to run reports are navigation, not fetches.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    '<title>Trends - QUIC lab</title>',
    `<style>${STYLE}</style></head><body>`,
    ...body,
    '</body></html>',
    '',
  ].join('\n');
}
