// Vega-Lite specs for the HTML report, built from plain data: every value is inline (no URLs),
// each case keeps one color in every chart (the color domain is the report's case order), and
// axis titles carry their unit. charts.ts turns them into SVG.
import type { TopLevelSpec } from 'vega-lite';

export const CHART_WIDTH_PX = 560;

export interface CaseSample {
  caseId: string;
  value: number;
}

export interface HeatmapCell {
  row: string;
  column: string;
  /** QUIC / TCP+TLS; null when there is nothing to compare. */
  ratio: number | null;
  significant: boolean;
  label: string;
}

/** The ECDF of `values`: sorted, the i-th (from 1) of n at cumulative fraction i/n. */
export function ecdfPoints(values: readonly number[]): Array<{ value: number; fraction: number }> {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.map((value, i) => ({ value, fraction: (i + 1) / sorted.length }));
}

/** One color per case, the same in every chart: tableau10 for up to 10 cases, else tableau20. */
function caseColor(caseOrder: readonly string[], legend: boolean) {
  return {
    field: 'caseId',
    type: 'nominal' as const,
    title: 'case',
    scale: { domain: [...caseOrder], scheme: caseOrder.length <= 10 ? 'tableau10' : 'tableau20' },
    ...(legend ? {} : { legend: null }),
  };
}

function checkCases(caseOrder: readonly string[], caseIds: Iterable<string>): void {
  const known = new Set(caseOrder);
  for (const caseId of caseIds) {
    if (!known.has(caseId)) throw new Error(`chart: case ${caseId} is not in caseOrder (${caseOrder.join(', ')})`);
  }
}

/** Every sample of a known case, and a number. */
function checkSamples(options: SampleChartOptions): void {
  checkCases(
    options.caseOrder,
    options.samples.map((s) => s.caseId),
  );
  checkFinite(
    options.samples.map((s) => s.value),
    `${options.metric} samples`,
  );
}

export function checkFinite(values: Iterable<number>, what: string): void {
  for (const value of values) {
    if (!Number.isFinite(value)) throw new Error(`chart: ${what} must be finite numbers, got ${value}`);
  }
}

interface SampleChartOptions {
  metric: string;
  axisTitle: string;
  caseOrder: string[];
  samples: CaseSample[];
}

/** A horizontal box plot per case (whiskers at min and max), every sample a tick over it. */
export function boxPlotSpec(options: SampleChartOptions): TopLevelSpec {
  checkSamples(options);
  const x = { field: 'value', type: 'quantitative' as const, title: options.axisTitle, scale: { zero: false } };
  const y = { field: 'caseId', type: 'nominal' as const, title: null, sort: [...options.caseOrder] };
  return {
    title: options.metric,
    width: CHART_WIDTH_PX,
    height: { step: 28 },
    data: { values: options.samples.map((s) => ({ caseId: s.caseId, value: s.value })) },
    layer: [
      { mark: { type: 'boxplot', extent: 'min-max', size: 14, median: { color: 'black' } }, encoding: { x, y, color: caseColor(options.caseOrder, false) } },
      { mark: { type: 'tick', color: '#222', opacity: 0.5, thickness: 1, size: 20 }, encoding: { x, y } },
    ],
  };
}

/** The empirical CDF per case as a step line: where each case's samples lie, all of them. */
export function cdfSpec(options: SampleChartOptions): TopLevelSpec {
  checkSamples(options);
  const values = options.caseOrder.flatMap((caseId) => ecdfPoints(options.samples.filter((s) => s.caseId === caseId).map((s) => s.value)).map((p) => ({ caseId, ...p })));
  return {
    title: options.metric,
    width: CHART_WIDTH_PX,
    height: 300,
    data: { values },
    mark: { type: 'line', interpolate: 'step-after' },
    encoding: {
      x: { field: 'value', type: 'quantitative', title: options.axisTitle, scale: { zero: false } },
      y: { field: 'fraction', type: 'quantitative', title: 'fraction of samples', scale: { domain: [0, 1] } },
      color: caseColor(options.caseOrder, true),
      order: { field: 'fraction', type: 'quantitative' },
    },
  };
}

/** Legend ends worth reading: the smallest of these at least as far from 1 as the data. */
const NICE_RATIO_LIMITS = [1.1, 1.25, 1.5, 2, 3, 5, 10, 20, 50, 100, 1000];

/** The colored extent of the heatmap: [1/m, m], symmetric around 1 on a log scale. */
export function ratioDomain(ratios: readonly number[]): [number, number] {
  const furthest = Math.max(1, ...ratios.map((r) => Math.max(r, 1 / r)));
  const limit = NICE_RATIO_LIMITS.find((m) => m >= furthest) ?? furthest;
  return [1 / limit, limit];
}

/** Legend labels: the domain ends, the nice ratio below the upper end, their inverses and 1. */
function ratioLegendValues(domain: [number, number]): number[] {
  const below = NICE_RATIO_LIMITS.filter((m) => m < domain[1]).slice(-1);
  const upper = [...below, domain[1]];
  return [...upper.map((m) => 1 / m).reverse(), 1, ...upper];
}

/**
 * Ratio QUIC / TCP+TLS per profile (row) and workload (column) on a diverging log scale centered
 * on 1. Non-significant cells are faded, outlined in dashes and say "n.s."; cells without a
 * ratio (none given, or not positive) are grey with "-".
 */
export function heatmapSpec(options: {
  title: string;
  rows: string[];
  columns: string[];
  cells: HeatmapCell[];
  /** Which way QUIC is better; blue always means QUIC better, orange QUIC worse (default: lower). */
  better?: 'lower' | 'higher';
}): TopLevelSpec {
  const byKey = new Map(options.cells.map((c) => [JSON.stringify([c.row, c.column]), c]));
  const values = options.rows.flatMap((row) =>
    options.columns.map((column) => {
      const cell = byKey.get(JSON.stringify([row, column]));
      const ratio = cell && cell.ratio !== null && Number.isFinite(cell.ratio) && cell.ratio > 0 ? cell.ratio : null;
      const significant = ratio !== null && cell?.significant === true;
      const lines = ratio === null ? ['-'] : significant ? [cell?.label ?? ''] : [cell?.label ?? '', 'n.s.'];
      return { row, column, ratio, significant, lines };
    }),
  );
  const domain = ratioDomain(values.flatMap((v) => (v.ratio === null ? [] : [v.ratio])));
  const x = { field: 'column', type: 'nominal' as const, title: null, sort: [...options.columns], axis: { orient: 'top' as const, labelAngle: 0 } };
  const y = { field: 'row', type: 'nominal' as const, title: null, sort: [...options.rows] };
  const strongLog = 0.6 * Math.log(domain[1]);
  return {
    title: {
      text: options.title,
      subtitle: [
        `ratio QUIC / TCP+TLS, log scale centered on 1: blue = QUIC better (${options.better === 'higher' ? 'higher' : 'lower'}), orange = QUIC worse`,
        'faded, dashed, "n.s.": difference not significant; grey "-": no ratio',
      ],
    },
    width: CHART_WIDTH_PX,
    height: { step: 44 },
    data: { values },
    encoding: { x, y },
    layer: [
      { mark: { type: 'rect', fill: '#e0e0e0' } },
      {
        transform: [{ filter: 'datum.ratio !== null' }],
        mark: { type: 'rect' },
        encoding: {
          color: {
            field: 'ratio',
            type: 'quantitative',
            title: 'QUIC / TCP+TLS',
            scale: { type: 'log', domain, domainMid: 1, scheme: 'blueorange', clamp: true, reverse: options.better === 'higher' },
            legend: { values: ratioLegendValues(domain), format: '.3~r' },
          },
          opacity: { condition: { test: 'datum.significant', value: 1 }, value: 0.35 },
        },
      },
      {
        transform: [{ filter: 'datum.ratio !== null && !datum.significant' }],
        mark: { type: 'rect', fill: null, stroke: '#555', strokeWidth: 1.5, strokeDash: [4, 3] },
      },
      {
        mark: { type: 'text', baseline: 'middle', lineHeight: 14 },
        encoding: {
          text: { field: 'lines', type: 'nominal' },
          color: { condition: { test: `datum.significant && abs(log(datum.ratio)) > ${strongLog}`, value: 'white' }, value: 'black' },
        },
      },
    ],
  };
}

/** Body bytes received over time, a line per sample colored by case: a stall is a flat segment. */
export function bytesOverTimeSpec(options: { caseOrder: string[]; series: SampleSeries[] }): TopLevelSpec {
  return stepSeriesSpec(options, { what: 'time and byte counts', xTitle: 'time since request (ms)', yField: 'megabytes', yTitle: 'body bytes received (MB)', y: (bytes) => bytes / 1e6 });
}

/** One sample's series of a case: [ms, a cumulative count]. */
type SampleSeries = { caseId: string; sampleIndex: number; points: Array<[number, number]> };

/** Cumulative series as step lines, one per sample, colored by case (bytes received, messages delivered). */
function stepSeriesSpec(options: { caseOrder: string[]; series: SampleSeries[] }, axes: { what: string; xTitle: string; yField: string; yTitle: string; y: (value: number) => number }): TopLevelSpec {
  checkCases(
    options.caseOrder,
    options.series.map((s) => s.caseId),
  );
  checkFinite(
    options.series.flatMap((s) => s.points.flat()),
    axes.what,
  );
  const values = options.series.flatMap((s) => s.points.map(([timeMs, value], i) => ({ caseId: s.caseId, sampleIndex: s.sampleIndex, i, timeMs, [axes.yField]: axes.y(value) })));
  return {
    width: CHART_WIDTH_PX,
    height: 300,
    data: { values },
    mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1, opacity: 0.7 },
    encoding: {
      x: { field: 'timeMs', type: 'quantitative', title: axes.xTitle },
      y: { field: axes.yField, type: 'quantitative', title: axes.yTitle },
      color: caseColor(options.caseOrder, true),
      detail: { field: 'sampleIndex', type: 'nominal' },
      order: { field: 'i', type: 'quantitative' },
    },
  };
}

/**
 * At most about `maxPoints` points of the ECDF of `values`: every k-th point and the last, so
 * the tail (the largest value, at fraction 1) always stays; all of them when there are few.
 */
export function thinnedEcdfPoints(values: readonly number[], maxPoints: number): Array<{ value: number; fraction: number }> {
  const all = ecdfPoints(values);
  if (all.length <= maxPoints) return all;
  const step = Math.ceil(all.length / maxPoints);
  return all.filter((_, i) => i % step === step - 1 || i === all.length - 1);
}

/** Points of each case's per-message CDF kept in the chart (an inline SVG stays small). */
export const MESSAGE_CDF_POINTS = 500;

/** The CDF of every message's RTT per case, all samples pooled: the tail is head-of-line blocking. */
export function messageRttCdfSpec(options: { caseOrder: string[]; rtts: Array<{ caseId: string; rttsMs: number[] }> }): TopLevelSpec {
  return rttCdfSpec(options, { title: 'per-message RTT', what: 'message RTTs', xTitle: 'round-trip time of a message (ms', yTitle: 'fraction of delivered messages' });
}

/** The latency probe's round trips as a CDF per line (each case loaded, and idle), samples pooled: the queue the flows built. */
export function probeRttCdfSpec(options: { caseOrder: string[]; rtts: Array<{ caseId: string; rttsMs: number[] }> }): TopLevelSpec {
  // Case ids of a competition are long ("h3-ngtcp2-vs-h2-node"): the legend shows them whole.
  return rttCdfSpec(options, { title: 'latency probe RTT, idle and under each mix', what: 'probe RTTs', xTitle: 'round-trip time of a probe (ms', yTitle: 'fraction of answered probes', legendLabelLimitPx: 320 });
}

/** Round trips per line (a case, or the idle probes), ECDF thinned to MESSAGE_CDF_POINTS with the tail kept. */
function rttCdfSpec(options: { caseOrder: string[]; rtts: Array<{ caseId: string; rttsMs: number[] }> }, labels: { title: string; what: string; xTitle: string; yTitle: string; legendLabelLimitPx?: number }): TopLevelSpec {
  checkCases(
    options.caseOrder,
    options.rtts.map((r) => r.caseId),
  );
  checkFinite(
    options.rtts.flatMap((r) => r.rttsMs),
    labels.what,
  );
  const values = options.rtts.flatMap((r) => thinnedEcdfPoints(r.rttsMs, MESSAGE_CDF_POINTS).map((p) => ({ caseId: r.caseId, ...p })));
  const positive = values.every((v) => v.value > 0);
  return {
    title: labels.title,
    width: CHART_WIDTH_PX,
    height: 300,
    data: { values },
    mark: { type: 'line', interpolate: 'step-after' },
    encoding: {
      // Log scale when it can be (every RTT above 0): the tail is what differs between cases.
      x: positive ? { field: 'value', type: 'quantitative', title: `${labels.xTitle}, log scale)`, scale: { type: 'log' } } : { field: 'value', type: 'quantitative', title: `${labels.xTitle})` },
      y: { field: 'fraction', type: 'quantitative', title: labels.yTitle, scale: { domain: [0, 1] } },
      color: { ...caseColor(options.caseOrder, true), ...(labels.legendLabelLimitPx !== undefined ? { legend: { labelLimit: labels.legendLabelLimitPx } } : {}) },
      order: { field: 'fraction', type: 'quantitative' },
    },
  };
}

/** Messages delivered over time, a line per sample colored by case: a stall is a flat segment. */
export function deliveredOverTimeSpec(options: { caseOrder: string[]; series: SampleSeries[] }): TopLevelSpec {
  return stepSeriesSpec(options, { what: 'times and message counts', xTitle: 'time since the first packet (ms)', yField: 'delivered', yTitle: 'messages echoed back', y: (delivered) => delivered });
}
