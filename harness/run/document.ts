// A result document from its parts: what is known before the first sample (the head: the run's
// identity, environment, link and cases without samples) and each case's samples. The run loop
// builds its result this way, and so does the recovery of a killed run's journal (journal.ts).
import { summarize } from '../measure/statistics.js';
import { definitionsFor, sourcesSeen, type DeclaredMetric } from '../results/metric-definitions.js';
import type { ResultCase, ResultDocument, Sample } from '../results/schema.js';
import { preferWireMetrics } from './wire-stage.js';
import { caseVerdict } from '../scenario/verdict.js';

/** A case before its samples: `timingSources` holds every source its client may give (the summary keeps those measured). */
export type CaseHead = Omit<ResultCase, 'samples' | 'summary'>;

export interface DocumentHead {
  document: Omit<ResultDocument, 'cases' | 'metrics' | 'headline' | 'status' | 'errors' | 'finishedAt'>;
  /** In the scenario's order, unsupported variants included. */
  cases: CaseHead[];
  /** The scenario's metrics and the harness's (definitions of those measured go in the document). */
  declaredMetrics: DeclaredMetric[];
  /** The scenario's headline metrics (a wire counterpart replaces a metric where measured). */
  headline: string[];
  /** A scenario with a test per case (interop): each case records its verdict beside its samples. */
  verdicts?: boolean;
}

/** A case with its samples, summarized over those that succeeded. */
export function caseWithSamples(head: CaseHead, samples: Sample[]): ResultCase {
  const okSamples = samples.filter((sample) => sample.status === 'ok');
  const metricNames = [...new Set(okSamples.flatMap((sample) => Object.keys(sample.metrics)))].sort();
  const summary: ResultCase['summary'] = {};
  for (const name of metricNames) {
    const values = okSamples.map((sample) => sample.metrics[name]).filter((v): v is number => v !== undefined);
    const stats = summarize(values);
    if (stats) summary[name] = stats;
  }
  const timingSources = Object.fromEntries(Object.entries(head.timingSources).filter(([metric]) => metricNames.includes(metric)));
  return { ...head, timingSources, samples, summary };
}

/** The whole document: the head, each case's samples (by case id), and how the run ended. */
export function assembleDocument(head: DocumentHead, samplesOf: (caseId: string) => Sample[], end: Pick<ResultDocument, 'status' | 'errors' | 'finishedAt'>): ResultDocument {
  const withSamples = head.cases.map((c) => caseWithSamples(c, samplesOf(c.id)));
  const cases = head.verdicts ? withSamples.map((c) => ({ ...c, verdict: caseVerdict(c) })) : withSamples;
  const measured = cases.flatMap((c) => Object.keys(c.summary));
  return {
    ...head.document,
    finishedAt: end.finishedAt,
    status: end.status,
    errors: end.errors,
    metrics: definitionsFor(measured, head.declaredMetrics, sourcesSeen(cases)),
    // The wire's figure where the run has it: one definition for every client.
    headline: preferWireMetrics(head.headline, new Set(measured)),
    cases,
  };
}
