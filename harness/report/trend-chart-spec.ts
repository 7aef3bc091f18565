// The Vega-Lite spec of one series' trend: each run's median over time (UTC) with its interval
// as an error bar, each point a link to its run's report, change points as vertical rules with
// their label, thresholds as dashed horizontal rules. All values inline; charts.ts renders it.
import type { TopLevelSpec } from 'vega-lite';

export const TREND_CHART_WIDTH_PX = 320;
export const TREND_CHART_HEIGHT_PX = 140;

export interface TrendChartPoint {
  startedAt: string;
  median: number;
  low: number | null;
  high: number | null;
  /** Relative link to the run's report. */
  href: string;
}

export interface TrendChartChange {
  startedAt: string;
  kind: 'regression' | 'improvement' | 'change' | 'acknowledged';
  label: string;
}

export interface TrendChartThreshold {
  value: number;
  label: string;
}

export interface TrendChartOptions {
  title: string;
  /** The unit (the title names the metric); null for a count or a ratio. */
  axisTitle: string | null;
  points: TrendChartPoint[];
  changes: TrendChartChange[];
  thresholds: TrendChartThreshold[];
}

type Layer = Extract<TopLevelSpec, { layer: unknown }>['layer'][number];

const KIND_COLORS = { domain: ['regression', 'improvement', 'change', 'acknowledged'], range: ['#c0392b', '#1e8449', '#555555', '#999999'] };
const THRESHOLD_COLOR = '#b9770e';

export function trendChartSpec(options: TrendChartOptions): TopLevelSpec {
  for (const p of options.points) {
    if (![p.median, p.low ?? 0, p.high ?? 0].every(Number.isFinite)) throw new Error(`chart: ${options.title}: a point of ${p.startedAt} is not a finite number`);
  }
  const x = { field: 'startedAt', type: 'temporal' as const, title: null, scale: { type: 'utc' as const }, axis: { format: '%b %d %H:%M', labelAngle: 0, tickCount: 3, labelOverlap: true } };
  // '~g': 1200 and 36.5, not 1,200.000000 (what a constant series' axis gets by default).
  const y = { field: 'median', type: 'quantitative' as const, title: options.axisTitle, scale: { zero: false }, axis: { format: '~g', tickCount: 5 } };
  const withInterval = options.points.filter((p) => p.low !== null && p.high !== null);
  const layer: Layer[] = [];
  if (withInterval.length > 0) {
    layer.push({ data: { values: withInterval }, mark: { type: 'rule', color: '#7f8c8d' }, encoding: { x, y: { ...y, field: 'low' }, y2: { field: 'high' } } });
  }
  layer.push({ data: { values: options.points }, mark: { type: 'line', color: '#2e86c1' }, encoding: { x, y } });
  layer.push({ data: { values: options.points }, mark: { type: 'point', filled: true, color: '#2e86c1', size: 30, cursor: 'pointer' }, encoding: { x, y, href: { field: 'href' } } });
  if (options.changes.length > 0) {
    const color = { field: 'kind', type: 'nominal' as const, scale: KIND_COLORS, legend: null };
    layer.push({ data: { values: options.changes }, mark: { type: 'rule', strokeDash: [4, 2], strokeWidth: 1.5 }, encoding: { x, color } });
    // A label reads away from the nearer edge: rightwards in the first half of the time range, leftwards in the second.
    const times = options.points.map((p) => Date.parse(p.startedAt));
    const middle = (Math.min(...times) + Math.max(...times)) / 2;
    const early = options.changes.filter((c) => Date.parse(c.startedAt) <= middle);
    const late = options.changes.filter((c) => Date.parse(c.startedAt) > middle);
    for (const [values, align, dx] of [[early, 'left', 3] as const, [late, 'right', -3] as const]) {
      if (values.length > 0) layer.push({ data: { values }, mark: { type: 'text', align, baseline: 'top', dx, y: 2, fontSize: 10 }, encoding: { x, color, text: { field: 'label' } } });
    }
  }
  if (options.thresholds.length > 0) {
    const thresholdY = { field: 'value', type: 'quantitative' as const };
    layer.push({ data: { values: options.thresholds }, mark: { type: 'rule', strokeDash: [2, 2], color: THRESHOLD_COLOR }, encoding: { y: thresholdY } });
    layer.push({
      data: { values: options.thresholds },
      mark: { type: 'text', align: 'right', baseline: 'bottom', x: 'width', dy: -1, fontSize: 10, color: THRESHOLD_COLOR },
      encoding: { y: thresholdY, text: { field: 'label' } },
    });
  }
  return { title: { text: options.title, fontSize: 12 }, width: TREND_CHART_WIDTH_PX, height: TREND_CHART_HEIGHT_PX, layer };
}
