// The truth bench: every endpoint metric against the wire metric of the same definition, on
// one lab link (40 ms round trip, 20 Mbit/s, the bar), through the run engine exactly
// as `npm run scenario` runs it. Each scenario that moves data runs briefly with every client
// the matrix has for it; per case and metric pair, the client-minus-wire differences of its
// samples as median and p95 (timings in ms, goodput in percent of the wire's), raw values kept.
import { cpus, release } from 'node:os';
import { startLab, type Lab } from '../lab/lab.js';
import { resolveLinkConditions } from '../lab/profiles.js';
import { percentileOfSorted } from '../measure/statistics.js';
import { interruptSignal } from '../process/cleanup.js';
import type { ResultCase, ResultDocument } from '../results/schema.js';
import { runSession } from '../run/session.js';
import { shapeScenario, type ScenarioShape } from '../run/shape.js';
import { WIRE_COUNTERPARTS } from '../run/wire-stage.js';
import type { AnyScenario } from '../scenario/types.js';
import { handshake } from '../../scenarios/handshake.js';
import { multiplexing } from '../../scenarios/multiplexing.js';
import { smbCopy } from '../../scenarios/smb-copy.js';
import { throughput } from '../../scenarios/throughput.js';

type Log = (message: string) => void;

const LINK = { rtt: '40ms', rate: '20mbit' } as const;
const BODY_BYTES = 2_000_000;

/** What runs: brief, but every client the matrix has for each scenario. */
const RUNS: ReadonlyArray<{ scenario: AnyScenario; shape: ScenarioShape; samples: number }> = [
  { scenario: handshake, shape: { variants: ['tcp-tls-h2', 'quic-h3'], servers: ['node', 'ngtcp2', 'caddy'], clients: ['undici', 'curl', 'ngtcp2', 'chromium'] }, samples: 5 },
  { scenario: throughput, shape: { sizesBytes: [BODY_BYTES], direction: 'down', servers: ['node', 'ngtcp2', 'caddy'], clients: ['undici', 'curl', 'ngtcp2', 'chromium'] }, samples: 3 },
  { scenario: throughput, shape: { sizesBytes: [BODY_BYTES], direction: 'up' }, samples: 3 },
  { scenario: multiplexing, shape: { objects: [{ count: 20, bytes: 50_000 }], servers: ['node', 'ngtcp2'], clients: ['undici', 'curl', 'ngtcp2', 'chromium'] }, samples: 3 },
  { scenario: smbCopy, shape: { sizesBytes: [BODY_BYTES], direction: 'down', variants: ['smb-style-h2-get-2MB', 'smb-style-h3-get-2MB'] }, samples: 3 },
];

export interface MetricAgreement {
  metric: string;
  wireMetric: string;
  unit: 'ms' | 'percent';
  /** Per sample with both figures: client minus wire (ms), or (client - wire) / wire x 100. */
  differences: number[];
  medianDifference: number;
  /** Of the absolute differences. */
  p95AbsoluteDifference: number;
}

export interface CaseAgreement {
  scenario: string;
  case: string;
  protocol: string;
  application: string;
  client: string;
  server: string;
  samples: number;
  flaggedSamples: number;
  metrics: MetricAgreement[];
}

/** Client against wire for every counterpart pair the case's samples have (pure: unit-tested). */
export function caseAgreement(scenario: string, resultCase: ResultCase): CaseAgreement {
  const ok = resultCase.samples.filter((s) => s.status === 'ok');
  const metrics: MetricAgreement[] = [];
  for (const [metric, wireMetric] of Object.entries(WIRE_COUNTERPARTS)) {
    const relative = wireMetric.endsWith('BitsPerSecond');
    const differences = ok.flatMap((s) => {
      const client = s.metrics[metric];
      const wire = s.metrics[wireMetric];
      if (client === undefined || wire === undefined) return [];
      return [relative ? ((client - wire) / wire) * 100 : client - wire];
    });
    if (differences.length === 0) continue;
    const sorted = [...differences].sort((a, b) => a - b);
    const absolute = differences.map(Math.abs).sort((a, b) => a - b);
    metrics.push({ metric, wireMetric, unit: relative ? 'percent' : 'ms', differences, medianDifference: percentileOfSorted(sorted, 50), p95AbsoluteDifference: percentileOfSorted(absolute, 95) });
  }
  return {
    scenario,
    case: resultCase.id,
    protocol: resultCase.protocol,
    application: resultCase.application,
    client: resultCase.client.implementation,
    server: resultCase.server.implementation,
    samples: ok.length,
    flaggedSamples: ok.filter((s) => (s.flags ?? []).length > 0).length,
    metrics,
  };
}

async function runOne(lab: Lab, run: (typeof RUNS)[number], log: Log): Promise<ResultDocument> {
  const scenario = shapeScenario(run.scenario, run.shape);
  log(`${scenario.name} ${run.shape.direction ?? ''}: ${scenario.cases.length} cases x ${run.samples} samples`);
  const { document } = await runSession(
    scenario,
    {
      link: { kind: 'lab', conditions: lab.conditions, backend: lab.backend, profile: null },
      lab,
      samples: run.samples,
      warmup: 1,
      sampleTimeoutMs: 60_000,
      tcpReferenceSeconds: 3,
      signal: interruptSignal,
    },
    { onProgress: (event) => event.kind === 'setup' && log(`  ${event.message}`) },
  );
  return document;
}

export async function runTruthBench(log: Log = () => undefined): Promise<Record<string, unknown>> {
  const started = Date.now();
  const lab = await startLab({ conditions: resolveLinkConditions(LINK), backend: 'emulator', purpose: 'bench truth' });
  const cases: CaseAgreement[] = [];
  const runs: Array<{ scenario: string; runId: string; status: string; errors: string[] }> = [];
  try {
    for (const run of RUNS) {
      const document = await runOne(lab, run, log);
      runs.push({ scenario: document.scenario, runId: document.runId, status: document.status, errors: document.errors });
      for (const resultCase of document.cases) if (resultCase.samples.length > 0) cases.push(caseAgreement(document.scenario, resultCase));
    }
  } finally {
    await lab.stop();
  }
  const goodput = cases.flatMap((c) =>
    c.metrics.filter((m) => m.metric === 'goodputBitsPerSecond').map((m) => ({ case: `${c.scenario} ${c.case}`, medianPercent: m.medianDifference, p95AbsolutePercent: m.p95AbsoluteDifference })),
  );
  return {
    bench: 'truth',
    description: 'every endpoint metric against the wire metric of the same definition: client minus wire, per case (ms, or percent of the wire goodput)',
    link: LINK,
    bodyBytes: BODY_BYTES,
    host: { cpus: cpus().length, kernel: release() },
    durationSeconds: Math.round((Date.now() - started) / 1000),
    goodputAgreement: goodput,
    cases,
    runs,
  };
}
