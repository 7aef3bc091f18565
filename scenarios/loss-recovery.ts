// loss-recovery: the same downloads as throughput, on the same link, under random loss of
// 0.1 to 5%, bursty loss and reordering (each case sets its impairment on the emulator
// before its samples; the cases are interleaved, so every impairment sees the same host).
// Besides goodput and completion: the goodput relative to the loss-free case of the same
// protocol and size, the sender's retransmissions and the longest stall.
import { median } from '../harness/measure/statistics.js';
import { formatSize } from '../harness/files/sizes.js';
import { workloadOf, type CaseDefinition, type ScenarioDefinition, type TransferOptions } from '../harness/scenario/types.js';
import type { Sample } from '../harness/results/schema.js';
import { transferCases, TRANSFER_METRICS } from './throughput.js';
import { transferSample } from './transfer-sample.js';

type Impairment = NonNullable<CaseDefinition['impairment']>;

/** Name in case ids -> what is applied both ways. */
export const IMPAIRMENTS: ReadonlyArray<readonly [string, Impairment]> = [
  ['lossfree', {}],
  ['loss0.1', { lossRate: 0.001 }],
  ['loss0.5', { lossRate: 0.005 }],
  ['loss1', { lossRate: 0.01 }],
  ['loss2', { lossRate: 0.02 }],
  ['loss5', { lossRate: 0.05 }],
  // 2% on average in bursts of 3 packets on average (Gilbert-Elliott: p = r * 2% / 98%, r = 1/3).
  ['burst2', { burstLoss: { goodToBad: (1 / 3) * (0.02 / 0.98), badToGood: 1 / 3, lossInBad: 1, maxBurstPackets: null } }],
  // 10 ms of jitter that may reorder, and 1% of packets held back: spurious loss detection.
  ['reorder', { jitterMs: 10, jitterReorders: true, reorderRate: 0.01 }],
];

function lossRecoveryCases(options: TransferOptions): CaseDefinition[] {
  return IMPAIRMENTS.flatMap(([name, impairment]) =>
    transferCases(options)
      .filter((c) => c.application !== 'http/1.1')
      .map((c): CaseDefinition => ({ ...c, id: `${c.id}-${name}`, workload: { ...c.workload, impairment: name }, impairment })),
  );
}

/** The wire's goodput where the capture has it (one definition for every client), else the client's. */
const goodputOf = (sample: Sample): number | undefined => sample.metrics.wireGoodputBitsPerSecond ?? sample.metrics.goodputBitsPerSecond;

/** goodputRelativeToLossFree: each sample's goodput over the median of the loss-free case of its protocol and size. */
function relativeGoodput(cases: ReadonlyArray<{ definition: CaseDefinition; samples: readonly Sample[] }>): Sample[][] {
  return cases.map(({ definition, samples }) => {
    const { bodyBytes } = workloadOf(definition, 'transfer');
    const base = cases.find(({ definition: other }) => {
      const workload = workloadOf(other, 'transfer');
      return workload.impairment === 'lossfree' && other.application === definition.application && workload.bodyBytes === bodyBytes;
    });
    const okGoodputs = base?.samples.filter((s) => s.status === 'ok').flatMap((s) => goodputOf(s) ?? []) ?? [];
    const baseline = okGoodputs.length > 0 ? median(okGoodputs) : undefined;
    return samples.map((sample) => {
      const goodput = goodputOf(sample);
      if (baseline === undefined || !(baseline > 0) || sample.status !== 'ok' || goodput === undefined) return sample;
      return { ...sample, metrics: { ...sample.metrics, goodputRelativeToLossFree: goodput / baseline } };
    });
  });
}

const DEFAULTS: TransferOptions = { sizesBytes: [2_000_000], direction: 'down' };

export const lossRecovery: ScenarioDefinition = {
  name: 'loss-recovery',
  abbreviation: 'LR',
  description: `Downloads (default ${formatSize(2_000_000)}) under 0.1-5% random loss, bursty loss and reordering: completion, goodput relative to loss-free, retransmissions, longest stall; HTTP/2 over TCP+TLS vs HTTP/3 over QUIC`,
  metrics: [
    ...TRANSFER_METRICS,
    {
      name: 'goodputRelativeToLossFree',
      unit: 'ratio',
      better: 'higher',
      description: 'goodput over the median goodput of the loss-free case of the same protocol and size',
      provenance: {
        kind: 'derived',
        from: ['wireGoodputBitsPerSecond', 'goodputBitsPerSecond'],
        method: 'goodput (the wire one where the run has a capture, else the client one) over the median goodput of the loss-free case of the same application and size',
      },
    },
  ],
  headline: ['goodputBitsPerSecond', 'goodputRelativeToLossFree', 'completionMs', 'retransmittedPackets', 'longestStallMs'],
  defaults: { samples: 3, warmup: 1, sampleTimeoutMs: 120_000 },
  cases: lossRecoveryCases(DEFAULTS),
  transfers: { defaults: DEFAULTS, cases: lossRecoveryCases },
  wireTruth: true,
  deriveMetrics: relativeGoodput,
  measure: transferSample,
};
