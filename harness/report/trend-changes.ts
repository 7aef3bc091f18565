// What changed in the history, as rows: change points, a newest point off its segment, series
// that stopped and thresholds the newest point breaks, most urgent first. Shared by the trend
// report and `history changes`; no charts here, so the command loads no vega.
import { relative, sep } from 'node:path';
import type { ChangePoint, SeriesAnalysis, SeriesIdentity, SeriesPoint } from '../history/types.js';
import { formatMetricValue, formatPValue } from './format.js';

export interface TrendThreshold {
  seriesId: string;
  metric: string;
  op: '<' | '<=' | '>' | '>=';
  value: number;
  label: string;
}

export interface TrendSeries {
  series: SeriesIdentity;
  /** Oldest first. */
  points: SeriesPoint[];
  analysis: SeriesAnalysis;
}

export interface TrendReportInput {
  series: TrendSeries[];
  thresholds: TrendThreshold[];
  /** The directory the page is written to: links to run reports are relative to it. */
  outputDir: string;
  /** Lines shown under the title (e.g. what the analysis did not do). */
  notes?: string[];
}

/** One row of "what changed". */
export interface ChangeRow {
  kind: string;
  seriesId: string;
  series: string;
  metric: string;
  runId: string;
  href: string;
  startedAt: string;
  beforeAfter: string;
  relativeChange: string;
  pValue: string;
}

/** A relative link (URL-encoded segments) from the output directory to the run's HTML report, else its result JSON. */
export function runHref(point: Pick<SeriesPoint, 'reportPath' | 'resultPath'>, outputDir: string): string {
  return relative(outputDir, point.reportPath ?? point.resultPath)
    .split(sep)
    .map(encodeURIComponent)
    .join('/');
}

/** "+10.1%" */
export function formatRelativeChange(fraction: number): string {
  return `${fraction >= 0 ? '+' : ''}${(fraction * 100).toFixed(1)}%`;
}

/** "32.8 ms → 36.1 ms (+10.1%)": the label of a change point. */
export function changeLabel(change: Pick<ChangePoint, 'meanBefore' | 'meanAfter' | 'relativeChange'>, unit: SeriesIdentity['unit']): string {
  return `${formatMetricValue(change.meanBefore, unit)} → ${formatMetricValue(change.meanAfter, unit)} (${formatRelativeChange(change.relativeChange)})`;
}

/** The case a series measures, metric aside: "quic-h3 on 4g · ngtcp2 1.2 → ngtcp2 1.2 · host lab". */
export function caseLabel(s: SeriesIdentity): string {
  const implementations = `${s.client.implementation} ${s.client.version} → ${s.server.implementation} ${s.server.version}`;
  return `${s.caseId} on ${s.profile} · ${implementations} · host ${s.hostname}`;
}

export function thresholdHolds(value: number, threshold: Pick<TrendThreshold, 'op' | 'value'>): boolean {
  switch (threshold.op) {
    case '<':
      return value < threshold.value;
    case '<=':
      return value <= threshold.value;
    case '>':
      return value > threshold.value;
    case '>=':
      return value >= threshold.value;
  }
}

const KIND_ORDER = ['regression', 'threshold broken', 'newest point: regression', 'data stopped', 'improvement', 'newest point: improvement', 'change', 'newest point: change', 'acknowledged'];

/** What changed, most urgent first: regressions, broken thresholds, stoppages, improvements, other changes, acknowledged ones. */
export function changeRows(input: Pick<TrendReportInput, 'series' | 'thresholds' | 'outputDir'>): ChangeRow[] {
  const rows: ChangeRow[] = [];
  for (const { series: s, points, analysis } of input.series) {
    const base = { seriesId: s.seriesId, series: `${s.scenario}: ${caseLabel(s)}`, metric: s.metric };
    const at = (runId: string) => points.find((p) => p.runId === runId);
    for (const change of analysis.changePoints) {
      const point = at(change.runId);
      rows.push({
        ...base,
        kind: change.acknowledged !== undefined ? 'acknowledged' : change.kind,
        runId: change.runId,
        href: point ? runHref(point, input.outputDir) : '',
        startedAt: change.startedAt,
        beforeAfter: changeLabel(change, s.unit).replace(/ \([^)]*\)$/, ''),
        relativeChange: formatRelativeChange(change.relativeChange),
        pValue: formatPValue(change.pValue),
      });
    }
    const newest = analysis.newest;
    if (newest?.outlier) {
      const point = at(newest.runId);
      rows.push({
        ...base,
        kind: `newest point: ${newest.kind}`,
        runId: newest.runId,
        href: point ? runHref(point, input.outputDir) : '',
        startedAt: point?.startedAt ?? '',
        beforeAfter: `${formatMetricValue(newest.segmentMean, s.unit)} → ${formatMetricValue(newest.value, s.unit)}`,
        relativeChange: formatRelativeChange(newest.relativeChange),
        pValue: formatPValue(newest.pValue),
      });
    }
    const last = points.at(-1);
    if (analysis.stoppage && last) {
      const hours = (ms: number) => `${(ms / 3_600_000).toFixed(1)} h`;
      rows.push({
        ...base,
        kind: 'data stopped',
        runId: last.runId,
        href: runHref(last, input.outputDir),
        startedAt: analysis.stoppage.lastStartedAt,
        beforeAfter: `silent ${hours(analysis.stoppage.silentMs)} (expected a point every ${hours(analysis.stoppage.expectedPeriodMs)})`,
        relativeChange: '-',
        pValue: '-',
      });
    }
    for (const threshold of input.thresholds.filter((t) => t.seriesId === s.seriesId)) {
      if (!last || thresholdHolds(last.median, threshold)) continue;
      rows.push({
        ...base,
        kind: 'threshold broken',
        runId: last.runId,
        href: runHref(last, input.outputDir),
        startedAt: last.startedAt,
        beforeAfter: `${formatMetricValue(last.median, s.unit)}, not ${threshold.op} ${formatMetricValue(threshold.value, s.unit)} (${threshold.label})`,
        relativeChange: '-',
        pValue: '-',
      });
    }
  }
  const rank = (kind: string) => KIND_ORDER.indexOf(kind);
  return rows.sort((a, b) => rank(a.kind) - rank(b.kind) || a.series.localeCompare(b.series) || a.metric.localeCompare(b.metric) || a.startedAt.localeCompare(b.startedAt));
}
