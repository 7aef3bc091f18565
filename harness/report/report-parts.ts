// Pieces every report format shares: the run's one-line description, the QUIC vs TCP+TLS
// pairs of all runs, how the statistics were computed, and environment differences.
import { environmentDifferences } from '../analysis/environment-diff.js';
import type { ComparisonOptions } from '../analysis/sample-comparison.js';
import { transportPairs, type TransportPair } from '../analysis/transport-pairs.js';
import type { ResultDocument } from '../results/schema.js';
import { describeRunLink } from './link-summary.js';

export function runHeadline(document: ResultDocument): string {
  return `${document.startedAt} · status ${document.status} · ` + `${document.options.samples} samples per case after ${document.options.warmup} warm-up · ${describeRunLink(document)}`;
}

/** QUIC vs TCP+TLS pairs of every run, on each run's headline metrics. */
export function reportPairs(documents: readonly ResultDocument[], options: ComparisonOptions): TransportPair[] {
  return documents.flatMap((document) => transportPairs(document, document.headline, options));
}

/** How the intervals and p-values were computed, in one sentence a reader can check. */
export function methodSentence(options: ComparisonOptions): string {
  return (
    `Ratio of medians QUIC / TCP+TLS with a 95% percentile-bootstrap interval (${options.resamples ?? 2000} resamples, seed ${options.seed}); ` +
    `p: two-sided Mann-Whitney U (normal approximation, tie- and continuity-corrected); significant when p < ${options.alpha}.`
  );
}

/** Where later runs' environments differ from the first's. */
export function environmentNotes(documents: readonly ResultDocument[]): string[] {
  const first = documents[0];
  if (!first) return [];
  return documents.slice(1).flatMap((document, i) => environmentDifferences(first, document, [first.runId, documents[i + 1]?.runId ?? '']));
}
