// Runs against runs: cases paired by their key (scenario, case, profile, parameters) across
// result files, each metric's change from the first run (the baseline) to the last, and the
// medians in between for a trend.
import { profileOf, runKey } from '../results/case-key.js';
import { metricDefinition } from '../results/metric-definitions.js';
import type { MetricDefinition, ResultCase, ResultDocument } from '../results/schema.js';
import { compareSamples, medianOf, metricValues, worsening, type ComparisonOptions, type SampleComparison } from './sample-comparison.js';

export interface MetricTrend {
  /** Baseline (first run) against the last run. */
  change: SampleComparison;
  /** The metric's median in each run, in the order given; null where the run has no samples. */
  medians: Array<number | null>;
  /** Significantly worse by more than the threshold. */
  regression: boolean;
  /** Significantly better. */
  improvement: boolean;
}

export interface CaseTrend {
  caseId: string;
  profile: string;
  metrics: MetricTrend[];
}

export interface RunComparison {
  cases: CaseTrend[];
  /** Cases of the baseline without a partner in the last run, and the other way round. */
  onlyInBaseline: string[];
  onlyInLatest: string[];
  /** "threshold" as a fraction: 0.05 = 5%. */
  threshold: number;
}

function caseLabel(document: ResultDocument, resultCase: ResultCase): string {
  return `${resultCase.id} (${profileOf(document, resultCase)})`;
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

export function compareRuns(documents: readonly ResultDocument[], options: ComparisonOptions & { threshold: number; metrics?: readonly string[] }): RunComparison {
  if (documents.length < 2) throw new RangeError('compareRuns needs two or more runs');
  const baseline = documents[0] as ResultDocument;
  const latest = documents[documents.length - 1] as ResultDocument;
  const byKey = documents.map((d) => new Map(d.cases.filter((c) => c.unsupported === undefined && c.unavailable === undefined).map((c) => [runKey(d, c), c])));
  const baselineCases = byKey[0] as Map<string, ResultCase>;
  const latestCases = byKey[byKey.length - 1] as Map<string, ResultCase>;
  const definitions = definitionsOf(documents, options.metrics);
  const cases: CaseTrend[] = [];
  for (const [key, first] of baselineCases) {
    const last = latestCases.get(key);
    if (!last) continue;
    const metrics = definitions.flatMap((definition): MetricTrend[] => {
      const a = metricValues(first, definition.name);
      const b = metricValues(last, definition.name);
      if (a.length === 0 && b.length === 0) return [];
      const change = compareSamples(definition, a, b, options);
      const medians = byKey.map((cases) => {
        const c = cases.get(key);
        return c ? medianOf(metricValues(c, definition.name)) : null;
      });
      return [{ change, medians, regression: change.verdict === 'worse' && worsening(change) > options.threshold, improvement: change.verdict === 'better' }];
    });
    cases.push({ caseId: first.id, profile: profileOf(baseline, first), metrics });
  }
  return {
    cases,
    onlyInBaseline: [...baselineCases].filter(([key]) => !latestCases.has(key)).map(([, c]) => caseLabel(baseline, c)),
    onlyInLatest: [...latestCases].filter(([key]) => !baselineCases.has(key)).map(([, c]) => caseLabel(latest, c)),
    threshold: options.threshold,
  };
}
