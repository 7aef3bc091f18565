// The history's shapes, shared by its index (store, ingest), change detection and the trend
// report. A series is one metric of one measurement repeated: the case key (scenario, case,
// profile, parameters) plus both implementations' versions and the host. A point is one run:
// its median and a bootstrap interval of that median (never pooled raw samples: runs differ
// from each other more than samples within a run do).
import type { MetricDefinition, ResultCase } from '../results/schema.js';

export interface SeriesIdentity {
  /** Stable over re-ingests: a hash of every field below but application, unit and better (the case key decides those). */
  seriesId: string;
  scenario: string;
  caseId: string;
  /** The case's application (h3, h2, http/1.1...): what a campaign threshold may select by. */
  application: ResultCase['application'];
  profile: string;
  parameters: Record<string, string | number | boolean>;
  client: { implementation: string; version: string };
  server: { implementation: string; version: string };
  hostname: string;
  metric: string;
  unit: MetricDefinition['unit'];
  better: MetricDefinition['better'];
}

/** One run's point in a series. */
export interface SeriesPoint {
  runId: string;
  /** ISO time the run started: the series' order. */
  startedAt: string;
  median: number;
  /** 95% percentile-bootstrap interval of the median; null with fewer than two samples. */
  low: number | null;
  high: number | null;
  /** Samples that had the metric. */
  n: number;
  /** The run's result JSON, and its HTML report when one was written beside it. */
  resultPath: string;
  reportPath: string | null;
}

/** A shift in a series' level found by change-point detection. */
export interface ChangePoint {
  /** Index (in the series' points) of the first point after the change. */
  index: number;
  runId: string;
  startedAt: string;
  meanBefore: number;
  meanAfter: number;
  /** (meanAfter - meanBefore) / meanBefore. */
  relativeChange: number;
  pValue: number;
  /** By the metric's `better`; "change" for a metric with no better direction. */
  kind: 'regression' | 'improvement' | 'change';
  /** The reason of the acknowledgement that dismissed it, if one did. */
  acknowledged?: string;
}

/** The newest point against the segment it would belong to (the points since the last change). */
export interface NewestPointCheck {
  runId: string;
  value: number;
  segmentMean: number;
  relativeChange: number;
  pValue: number;
  /** Significant and beyond the minimum magnitude. */
  outlier: boolean;
  kind: ChangePoint['kind'];
}

/** A series whose points stopped coming: no point for two expected periods. */
export interface DataStoppage {
  lastStartedAt: string;
  expectedPeriodMs: number;
  silentMs: number;
}

export interface SeriesAnalysis {
  changePoints: ChangePoint[];
  newest: NewestPointCheck | null;
  stoppage: DataStoppage | null;
}
