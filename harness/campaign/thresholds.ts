// k6-style thresholds over a campaign's runs: "quic-h3 handshakeRoundTrips p50 < 1.2" or
// "h3 goodputBitsPerSecond p50 >= 0.9 x h2". Each run gives one value per series (the
// statistic of its samples); the threshold is checked on the median of the runs' values, since
// runs differ from each other more than samples within a run do. A threshold that matches no
// case is an error, never a silent pass.
import { median } from '../measure/statistics.js';
import { profileOf, runKey, workloadLabel } from '../results/case-key.js';
import type { MetricSummary, ResultCase, ResultDocument } from '../results/schema.js';
import { thresholdHolds } from '../report/trend-changes.js';

export class ThresholdError extends Error {}

export const STATISTICS = ['p50', 'mean', 'p95', 'p5', 'min', 'max'] as const;
export type Statistic = (typeof STATISTICS)[number];
const SUMMARY_FIELD: Record<Statistic, keyof MetricSummary> = { p50: 'median', mean: 'mean', p95: 'p95', p5: 'p5', min: 'min', max: 'max' };

export const COMPARISONS = ['<=', '>=', '<', '>'] as const;
export type Comparison = (typeof COMPARISONS)[number];

/** A case id ("quic-h3") or an application ("h3", "h2", "http/1.1"), optionally of one scenario ("throughput:quic-h3"). */
export interface CaseSelector {
  scenario?: string;
  name: string;
}

export interface Threshold {
  text: string;
  selector: CaseSelector;
  metric: string;
  statistic: Statistic;
  comparison: Comparison;
  /** The number, or the factor of `relativeTo`'s value. */
  value: number;
  relativeTo?: CaseSelector;
}

function selectorOf(token: string): CaseSelector {
  const colon = token.indexOf(':');
  return colon > 0 ? { scenario: token.slice(0, colon), name: token.slice(colon + 1) } : { name: token };
}

function selectorText(selector: CaseSelector): string {
  return selector.scenario !== undefined ? `${selector.scenario}:${selector.name}` : selector.name;
}

/** Parses "SELECTOR METRIC [STAT] OP NUMBER [x SELECTOR]"; a ThresholdError names the threshold and what is wrong. */
export function parseThreshold(text: string): Threshold {
  const fail = (what: string): never => {
    throw new ThresholdError(`threshold "${text}": ${what}`);
  };
  const tokens = text
    .trim()
    .replace(/(\d)(x|\*)(?=\s)/g, '$1 $2')
    .split(/\s+/)
    .filter((t) => t !== '');
  const opAt = tokens.findIndex((t) => (COMPARISONS as readonly string[]).includes(t));
  if (opAt < 0) return fail(`no comparison (one of: ${COMPARISONS.join(', ')}), e.g. "quic-h3 handshakeMs p50 < 100"`);
  const left = tokens.slice(0, opAt);
  const right = tokens.slice(opAt + 1);
  if (left.length < 2) return fail('the left side needs a case and a metric, e.g. "quic-h3 handshakeMs" or "h3 handshakeMs p95"');
  if (left.length > 3) return fail(`the left side is a case, a metric and a statistic; "${left.slice(3).join(' ')}" is left over`);
  const [selector, metric, statistic = 'p50'] = left as [string, string, string?];
  if (!/^[A-Za-z][A-Za-z0-9]*$/.test(metric)) return fail(`"${metric}" is not a metric name (e.g. handshakeMs)`);
  if (!(STATISTICS as readonly string[]).includes(statistic)) return fail(`"${statistic}" is not a statistic (one of: ${STATISTICS.join(', ')})`);
  if (right.length === 0) return fail('nothing after the comparison: a number, or a factor "x" a case (e.g. 0.9 x h2)');
  const value = Number(right[0]);
  if (!/^-?\d+(\.\d+)?(e-?\d+)?$/i.test(right[0] as string) || !Number.isFinite(value)) return fail(`"${right[0]}" is not a number`);
  let relativeTo: CaseSelector | undefined;
  if (right.length > 1) {
    if (right[1] !== 'x' && right[1] !== '*') return fail(`after ${right[0]}: "x" and a case (e.g. 0.9 x h2), not "${right[1]}"`);
    if (right.length !== 3) return fail(`after "${right[0]} ${right[1]}": one case (e.g. h2 or tcp-tls-h2)`);
    relativeTo = selectorOf(right[2] as string);
  }
  return {
    text,
    selector: selectorOf(selector),
    metric,
    statistic: statistic as Statistic,
    comparison: tokens[opAt] as Comparison,
    value,
    ...(relativeTo ? { relativeTo } : {}),
  };
}

/** Whether `selector` names this case of this scenario (its id or its application). */
export function selectorMatches(selector: CaseSelector, document: Pick<ResultDocument, 'scenario'>, resultCase: Pick<ResultCase, 'id' | 'application'>): boolean {
  if (selector.scenario !== undefined && selector.scenario !== document.scenario) return false;
  return resultCase.id === selector.name || resultCase.application === selector.name;
}

/** One series (scenario, case, link, parameters) checked over the campaign's runs. */
export interface SeriesCheck {
  scenario: string;
  caseId: string;
  profile: string;
  /** "1KB resumed", "10MB up": what the case asked for. */
  workload: string;
  /** Each run's value of the statistic, in run order (null: the run did not measure it). */
  runIds: string[];
  values: Array<number | null>;
  /** The median of the runs' values (null: none measured it). */
  value: number | null;
  /** For "x CASE": the other case's values in the same runs, their median, and its id. */
  reference?: { caseId: string; values: Array<number | null>; value: number | null };
  /** What `value` was compared with: the number, or the factor times the reference's median. */
  limit: number | null;
  status: 'pass' | 'fail' | 'error';
  error?: string;
}

export interface ThresholdResult {
  threshold: string;
  status: 'pass' | 'fail' | 'error';
  /** Why the threshold as a whole could not be checked (it matched no case). */
  error?: string;
  series: SeriesCheck[];
}

const valueOf = (resultCase: ResultCase, metric: string, statistic: Statistic): number | null => resultCase.summary[metric]?.[SUMMARY_FIELD[statistic]] ?? null;

const medianOf = (values: ReadonlyArray<number | null>): number | null => {
  const present = values.filter((v): v is number => v !== null);
  return present.length > 0 ? median(present) : null;
};

/** Checks each threshold on the completed runs' documents (in run order). */
export function evaluateThresholds(thresholds: readonly Threshold[], documents: readonly ResultDocument[]): ThresholdResult[] {
  const completed = documents.filter((d) => d.status === 'completed');
  return thresholds.map((threshold) => evaluateOne(threshold, completed));
}

function evaluateOne(threshold: Threshold, documents: readonly ResultDocument[]): ThresholdResult {
  const series = new Map<string, SeriesCheck>();
  for (const document of documents) {
    for (const resultCase of document.cases) {
      if (!selectorMatches(threshold.selector, document, resultCase) || resultCase.unsupported !== undefined || resultCase.unavailable !== undefined) continue;
      const key = runKey(document, resultCase);
      let check = series.get(key);
      if (!check) {
        check = { scenario: document.scenario, caseId: resultCase.id, profile: profileOf(document, resultCase), workload: workloadLabel(resultCase), runIds: [], values: [], value: null, limit: null, status: 'error' };
        series.set(key, check);
      }
      check.runIds.push(document.runId);
      check.values.push(valueOf(resultCase, threshold.metric, threshold.statistic));
      if (threshold.relativeTo) {
        const relativeTo = threshold.relativeTo;
        const profile = profileOf(document, resultCase);
        const counterparts = document.cases.filter(
          (c) => c !== resultCase && selectorMatches(relativeTo, document, c) && profileOf(document, c) === profile && JSON.stringify(c.parameters) === JSON.stringify(resultCase.parameters),
        );
        const reference = (check.reference ??= { caseId: counterparts.map((c) => c.id).join(',') || '-', values: [], value: null });
        if (counterparts.length > 1) check.error = `"${selectorText(relativeTo)}" matches ${counterparts.length} cases beside ${resultCase.id} (${counterparts.map((c) => c.id).join(', ')}): name one case id`;
        reference.values.push(counterparts.length === 1 ? valueOf(counterparts[0] as ResultCase, threshold.metric, threshold.statistic) : null);
      }
    }
  }
  if (series.size === 0) {
    return { threshold: threshold.text, status: 'error', error: `"${selectorText(threshold.selector)}" matches no case in the campaign's completed runs`, series: [] };
  }
  for (const check of series.values()) {
    check.value = medianOf(check.values);
    if (check.reference) check.reference.value = medianOf(check.reference.values);
    if (check.error !== undefined) continue;
    if (check.value === null) {
      check.error = `no run measured ${threshold.metric}`;
      continue;
    }
    if (threshold.relativeTo) {
      const reference = check.reference?.value ?? null;
      if (reference === null) {
        check.error = `no case "${selectorText(threshold.relativeTo)}" with ${threshold.metric} on the same link and parameters`;
        continue;
      }
      check.limit = threshold.value * reference;
    } else {
      check.limit = threshold.value;
    }
    check.status = thresholdHolds(check.value, { op: threshold.comparison, value: check.limit }) ? 'pass' : 'fail';
  }
  const checks = [...series.values()];
  const status = checks.some((c) => c.error !== undefined) ? 'error' : checks.some((c) => c.status === 'fail') ? 'fail' : 'pass';
  return { threshold: threshold.text, status, series: checks };
}
