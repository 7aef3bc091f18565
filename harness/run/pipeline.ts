// What happens to a sample after it is measured, stated once: each stage takes the run's
// samples and returns new ones, in this order, because each reads what the one before added:
//   measured    -> the scenario's measure() (the run loop)
//   wire        -> the capture's metrics and flags for the sample's own connection
//   derived     -> metrics that need other cases' samples (the scenario's deriveMetrics)
//   capacity    -> a flag on each goodput (measured, wire or derived) above the link's payload capacity
//   round trips -> every timing also in round trips of the calibrated RTT (wire ones included)
//   checks      -> a measured sample that fails its case's test (the scenario's check) is failed, with why
import type { WireConnection } from '../capture/wire-analysis.js';
import { sampleCapacityFlags, type PayloadCapacity } from '../measure/payload-capacity.js';
import { roundTripMetrics } from '../measure/round-trips.js';
import type { Sample } from '../results/schema.js';
import { sendsBody, sessionOf, type AnyScenario, type CaseDefinition } from '../scenario/types.js';
import { withWireMetrics, type WireStageCase } from './wire-stage.js';

export interface StagedCase extends Omit<WireStageCase, 'definition'> {
  definition: CaseDefinition;
  samples: readonly Sample[];
}

export interface PipelineInputs {
  /** The capture's connections; absent when the run had no capture (or it failed). */
  connections?: readonly WireConnection[];
  deriveMetrics?: AnyScenario['deriveMetrics'];
  /** The run's calibrated round trip (lab runs). */
  roundTripMs?: number;
  /** The link's payload capacity (lab runs). */
  payloadCapacity?: PayloadCapacity;
  /** The scenario's pass/fail test of a sample (the interop matrix). */
  check?: AnyScenario['check'];
}

/** The sample failed, with the test's reason, when it was measured but fails its case's test; its metrics stay (raw values kept). */
export function withCheck(sample: Sample, definition: CaseDefinition, check: NonNullable<AnyScenario['check']>): Sample {
  if (sample.status !== 'ok') return sample;
  const reason = check(definition, sample);
  return reason === undefined ? sample : { ...sample, status: 'failed', error: `check: ${reason}` };
}

function withCapacityFlags(sample: Sample, definition: CaseDefinition, capacity: PayloadCapacity): Sample {
  if (sample.status !== 'ok') return sample;
  const flags = sampleCapacityFlags(sample.metrics, definition.protocol, sendsBody(definition.workload) ? 'up' : 'down', capacity);
  return flags.length === 0 ? sample : { ...sample, flags: [...(sample.flags ?? []), ...flags] };
}

function withRoundTrips(sample: Sample, roundTripMs: number): Sample {
  if (sample.status !== 'ok') return sample;
  return { ...sample, metrics: { ...sample.metrics, ...roundTripMetrics(sample.metrics, roundTripMs) } };
}

/** One stage: every case's samples in, every case's samples out (new objects); absent inputs skip it. */
type Stage = (samples: readonly Sample[][], cases: readonly StagedCase[], inputs: PipelineInputs) => Sample[][];

/** The stages after measurement, in the order they run (the list above says why). */
const STAGES: ReadonlyArray<readonly [string, Stage]> = [
  [
    'wire',
    (samples, cases, { connections }) =>
      connections === undefined
        ? [...samples]
        : samples.map((list, k) => {
            const of = cases[k] as StagedCase;
            const wireCase = { ...of, definition: { protocol: of.definition.protocol, session: sessionOf(of.definition), workload: of.definition.workload } };
            return list.map((sample) => withWireMetrics(sample, wireCase, connections));
          }),
  ],
  ['derived', (samples, cases, { deriveMetrics }) => (deriveMetrics === undefined ? [...samples] : deriveMetrics(cases.map((c, k) => ({ definition: c.definition, samples: samples[k] ?? [] }))))],
  [
    'capacity',
    (samples, cases, { payloadCapacity }) => (payloadCapacity === undefined ? [...samples] : samples.map((list, k) => list.map((sample) => withCapacityFlags(sample, (cases[k] as StagedCase).definition, payloadCapacity)))),
  ],
  ['round trips', (samples, _cases, { roundTripMs }) => (roundTripMs === undefined ? [...samples] : samples.map((list) => list.map((sample) => withRoundTrips(sample, roundTripMs))))],
  ['checks', (samples, cases, { check }) => (check === undefined ? [...samples] : samples.map((list, k) => list.map((sample) => withCheck(sample, (cases[k] as StagedCase).definition, check))))],
];

export const SAMPLE_STAGES: readonly string[] = ['measured', ...STAGES.map(([name]) => name)];

/** The recorded samples of each case after every stage, in `cases` order (samples by index). */
export function completeSamples(cases: readonly StagedCase[], inputs: PipelineInputs): Sample[][] {
  const measured = cases.map((c) => [...c.samples].sort((a, b) => a.index - b.index));
  return STAGES.reduce<Sample[][]>((samples, [, stage]) => stage(samples, cases, inputs), measured);
}
