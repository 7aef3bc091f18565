// Numbers as the reports print them: three significant figures or so, units spelled out,
// p-values and intervals in one shape everywhere.
import type { ConfidenceInterval } from '../measure/inference.js';
import type { MetricDefinition } from '../results/schema.js';
import { formatRate } from './link-summary.js';

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude >= 100) return value.toFixed(0);
  if (magnitude >= 10) return value.toFixed(1);
  if (magnitude >= 0.01 || magnitude === 0) return value.toFixed(2);
  return value.toPrecision(2);
}

/** A metric's value with its unit: "125 ms", "19.08 Mbit/s", "1.04 RTT", "1816 B". */
export function formatMetricValue(value: number | null, unit: MetricDefinition['unit']): string {
  if (value === null) return '-';
  switch (unit) {
    case 'ms':
      return `${formatNumber(value)} ms`;
    case 'bits/s':
      return formatRate(value);
    case 'round trips':
      return `${formatNumber(value)} RTT`;
    case 'bytes':
      return Math.abs(value) >= 1e6 ? `${formatNumber(value / 1e6)} MB` : `${formatNumber(value)} B`;
    default:
      return formatNumber(value);
  }
}

/** "0.51 (0.49-0.53)": estimate and interval. */
export function formatInterval(interval: ConfidenceInterval | null): string {
  if (interval === null) return '-';
  return `${formatNumber(interval.estimate)} (${formatNumber(interval.low)}-${formatNumber(interval.high)})`;
}

export function formatPValue(pValue: number | null): string {
  if (pValue === null) return '-';
  return pValue < 0.001 ? '<0.001' : pValue.toFixed(3);
}
