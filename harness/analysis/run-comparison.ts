// Runs against runs: cases paired by their key (scenario, case, profile, parameters) across
// result files, each metric's change from the first run (the baseline) to the last, and the
// medians in between for a trend. Every test of one comparison is one family: its p-values are
// adjusted together (Holm by default), so twenty metrics do not give one false alarm in
// twenty; and a change is only called a regression or an improvement beyond the threshold,
// because runs differ from each other by more than the within-run test assumes.
import { adjustPValues, type Correction } from '../measure/inference.js';
import { profileOf, runKey } from '../results/case-key.js';
import { metricDefinition } from '../results/metric-definitions.js';
import type { MetricDefinition, ResultCase, ResultDocument } from '../results/schema.js';
import { compareSamples, medianOf, metricValues, shiftSize, type ComparisonOptions, type SampleComparison } from './sample-comparison.js';

/**
 * regression / improvement / changed (a metric better neither way): significant after the
 * correction and shifted by more than the threshold. 'within threshold': significant after the
 * correction, shifted by the threshold or less. The rest say why nothing is claimed.
 */
export type ChangeLabel = 'regression' | 'improvement' | 'changed' | 'within threshold' | 'not significant' | 'too few samples' | 'not comparable';

export interface MetricTrend {
  /** Baseline (first run) against the last run; its pValue and significance are of this one test alone. */
  change: SampleComparison;
  /** The metric's median in each run, in the order given; null where the run has no samples. */
  medians: Array<number | null>;
  /** change.pValue adjusted over the comparison's family; null where there is no test. */
  adjustedPValue: number | null;
  /** adjustedPValue < alpha and the medians differ. */
  significant: boolean;
  /** |median B - median A| / |median A| (Infinity from a zero baseline). */
  shift: number;
  /** Which way the last run moved, read with the metric's better direction. */
  direction: 'better' | 'worse' | 'either' | 'none';
  label: ChangeLabel;
  /** label === 'regression' */
  regression: boolean;
  /** label === 'improvement' */
  improvement: boolean;
}

export interface CaseTrend {
  caseId: string;
  /** The case's profile; "A vs B" when paired across links with different ones. */
  profile: string;
  metrics: MetricTrend[];
}

export interface FamilyCorrection {
  method: Correction;
  /** How many tests were adjusted together: every paired case and metric with a p-value. */
  familySize: number;
  alpha: number;
}

export interface RunComparison {
  cases: CaseTrend[];
  /** Cases of the baseline without a partner in the last run, and the other way round. */
  onlyInBaseline: string[];
  onlyInLatest: string[];
  /** "threshold" as a fraction: 0.05 = 5%. */
  threshold: number;
  correction: FamilyCorrection;
  /** Cases were paired without their link (scenario, case id, parameters). */
  acrossLinks: boolean;
}

export interface RunComparisonOptions extends ComparisonOptions {
  threshold: number;
  metrics?: readonly string[];
  /** Default 'holm'. */
  correction?: Correction;
  /** Pair cases by scenario, case id and parameters, whatever link they ran on. */
  acrossLinks?: boolean;
}

function caseLabel(document: ResultDocument, resultCase: ResultCase): string {
  return `${resultCase.id} (${profileOf(document, resultCase)})`;
}

/** The same measurement on any link: runKey without the profile. */
function keyWithoutLink(document: Pick<ResultDocument, 'scenario'>, resultCase: Pick<ResultCase, 'id' | 'parameters'>): string {
  const parameters = Object.entries(resultCase.parameters).sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify([document.scenario, resultCase.id, parameters]);
}

/** Which metrics to compare: those asked for, else the baseline's headline, that have a definition. */
function definitionsOf(documents: readonly ResultDocument[], metrics: readonly string[] | undefined): MetricDefinition[] {
  const names = metrics ?? (documents[0] as ResultDocument).headline;
  const latest = documents[documents.length - 1] as ResultDocument;
  return names.flatMap((name) => {
    const definition = metricDefinition(latest, name) ?? metricDefinition(documents[0] as ResultDocument, name);
    return definition ? [definition] : [];
  });
}

function directionOf(change: SampleComparison): MetricTrend['direction'] {
  const { medianA, medianB, metric } = change;
  if (medianA === null || medianB === null || medianA === medianB) return 'none';
  if (metric.better === 'neither') return 'either';
  return medianB < medianA === (metric.better === 'lower') ? 'better' : 'worse';
}

/** The label of one metric's change, given its significance after the correction. */
export function labelChange(change: SampleComparison, significant: boolean, threshold: number): ChangeLabel {
  if (change.verdict === 'too few samples') return 'too few samples';
  if (change.medianA === null || change.medianB === null) return 'not comparable';
  if (!significant) return 'not significant';
  if (shiftSize(change) <= threshold) return 'within threshold';
  const direction = directionOf(change);
  return direction === 'better' ? 'improvement' : direction === 'worse' ? 'regression' : 'changed';
}

export function compareRuns(documents: readonly ResultDocument[], options: RunComparisonOptions): RunComparison {
  if (documents.length < 2) throw new RangeError('compareRuns needs two or more runs');
  const acrossLinks = options.acrossLinks ?? false;
  const keyOf = (d: ResultDocument, c: ResultCase) => (acrossLinks ? keyWithoutLink(d, c) : runKey(d, c));
  const baseline = documents[0] as ResultDocument;
  const latest = documents[documents.length - 1] as ResultDocument;
  const byKey = documents.map((d) => new Map(d.cases.filter((c) => c.unsupported === undefined && c.unavailable === undefined).map((c) => [keyOf(d, c), c])));
  const baselineCases = byKey[0] as Map<string, ResultCase>;
  const latestCases = byKey[byKey.length - 1] as Map<string, ResultCase>;
  const definitions = definitionsOf(documents, options.metrics);
  const paired: Array<{ caseId: string; profile: string; metrics: Array<{ change: SampleComparison; medians: Array<number | null> }> }> = [];
  for (const [key, first] of baselineCases) {
    const last = latestCases.get(key);
    if (!last) continue;
    const metrics = definitions.flatMap((definition) => {
      const a = metricValues(first, definition.name);
      const b = metricValues(last, definition.name);
      if (a.length === 0 && b.length === 0) return [];
      const medians = byKey.map((cases) => {
        const c = cases.get(key);
        return c ? medianOf(metricValues(c, definition.name)) : null;
      });
      return [{ change: compareSamples(definition, a, b, options), medians }];
    });
    const [profileA, profileB] = [profileOf(baseline, first), profileOf(latest, last)];
    paired.push({ caseId: first.id, profile: profileA === profileB ? profileA : `${profileA} vs ${profileB}`, metrics });
  }
  // One family: every test of this comparison, adjusted together.
  const method = options.correction ?? 'holm';
  const tested = paired.flatMap((c) => c.metrics).filter((m) => m.change.pValue !== null);
  const adjustedPValues = adjustPValues(
    tested.map((m) => m.change.pValue as number),
    method,
  );
  const adjusted = new Map(tested.map((m, i) => [m, adjustedPValues[i] as number]));
  const cases = paired.map((c): CaseTrend => ({
    ...c,
    metrics: c.metrics.map((m): MetricTrend => {
      const adjustedPValue = adjusted.get(m) ?? null;
      const significant = adjustedPValue !== null && adjustedPValue < options.alpha && m.change.medianA !== m.change.medianB;
      const label = labelChange(m.change, significant, options.threshold);
      return { ...m, adjustedPValue, significant, shift: shiftSize(m.change), direction: directionOf(m.change), label, regression: label === 'regression', improvement: label === 'improvement' };
    }),
  }));
  return {
    cases,
    onlyInBaseline: [...baselineCases].filter(([key]) => !latestCases.has(key)).map(([, c]) => caseLabel(baseline, c)),
    onlyInLatest: [...latestCases].filter(([key]) => !baselineCases.has(key)).map(([, c]) => caseLabel(latest, c)),
    threshold: options.threshold,
    correction: { method, familySize: tested.length, alpha: options.alpha },
    acrossLinks,
  };
}
