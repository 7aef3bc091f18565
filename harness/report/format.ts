// Numbers as the reports print them: three significant figures or so, units spelled out,
// p-values and intervals in one shape everywhere.
import type { ConfidenceInterval } from '../measure/inference.js';
import type { MetricDefinition } from '../results/schema.js';

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude >= 100) return value.toFixed(0);
  if (magnitude >= 10) return value.toFixed(1);
  if (magnitude >= 0.01 || magnitude === 0) return value.toFixed(2);
  return value.toPrecision(2);
}

/** A count: whole, or with one decimal where a median or percentile falls between two counts. */
export function formatCount(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

/**
 * A metric that is 1 or 0 per sample (a certificate sent, a limit exceeded): a count whose
 * description says "1 when ...", as the scenarios declare them.
 */
export function isYesNoMetric(definition: Pick<MetricDefinition, 'unit' | 'description'>): boolean {
  return definition.unit === 'count' && /(^|\W)1 when\b/.test(definition.description);
}

/** A metric's value with its unit: "125 ms", "19.1 Mbit/s", "1.04 RTT", "1816 B", "3" (a count). Rates always in Mbit/s, as the tables' columns. */
export function formatMetricValue(value: number | null, unit: MetricDefinition['unit']): string {
  if (value === null) return '-';
  switch (unit) {
    case 'ms':
      return `${formatNumber(value)} ms`;
    case 'bits/s':
      return `${formatNumber(value / 1e6)} Mbit/s`;
    case 'count':
      return formatCount(value);
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
  // A bootstrap whose resampled denominators reach 0 has no interval to give.
  if (!Number.isFinite(interval.low) || !Number.isFinite(interval.high)) return `${formatNumber(interval.estimate)} (-)`;
  return `${formatNumber(interval.estimate)} (${formatNumber(interval.low)}-${formatNumber(interval.high)})`;
}

export function formatPValue(pValue: number | null): string {
  if (pValue === null) return '-';
  return pValue < 0.001 ? '<0.001' : pValue.toFixed(3);
}

/** "unsupported" or "unavailable" for a case that was not run (no samples by design), else undefined. */
export function notRunLabel(c: { unsupported?: string | undefined; unavailable?: string | undefined }): 'unsupported' | 'unavailable' | undefined {
  return c.unsupported !== undefined ? 'unsupported' : c.unavailable !== undefined ? 'unavailable' : undefined;
}
