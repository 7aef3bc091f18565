// A case's pass/fail verdict, as the QUIC interop runner gives one per test and pair: a case
// the pair cannot do is unsupported (with the descriptors' reason), a case with every sample
// measured and passing its test (the scenario's check, see run/pipeline.ts) passed, anything
// else failed with the first failure's reason.
import type { ResultCase } from '../results/schema.js';

export type CaseVerdict = { status: 'passed' } | { status: 'failed'; reason: string } | { status: 'unsupported'; reason: string } | { status: 'unavailable'; reason: string };

export function caseVerdict(c: Pick<ResultCase, 'unsupported' | 'unavailable' | 'samples'>): CaseVerdict {
  if (c.unsupported !== undefined) return { status: 'unsupported', reason: c.unsupported };
  if (c.unavailable !== undefined) return { status: 'unavailable', reason: c.unavailable };
  if (c.samples.length === 0) return { status: 'failed', reason: 'no sample was taken (the run ended first)' };
  const failed = c.samples.filter((s) => s.status === 'failed');
  const first = failed[0];
  if (first === undefined) return { status: 'passed' };
  const of = failed.length === c.samples.length ? 'every sample' : `${failed.length} of ${c.samples.length} samples`;
  return { status: 'failed', reason: `${first.error ?? 'failed'} (${of} failed; the first: sample ${first.index})` };
}
