// The stacks bench: every HTTP/3 server the lab has, with its own client (or the nearest
// client where it has none: Caddy is quic-go inside), side by side in one bench, through the
// run engine as `npm run scenario` runs it:
//   (a) handshake round trips at a 40 ms RTT (cold);
//   (b) goodput of 10 MB on a loss-free 20 Mbit/s, 40 ms link as a fraction of iperf3 TCP in
//       the same run (wire against wire), and (c) at 1% random loss relative to loss-free;
//   (d) 50 x 10 KB at 2% loss: all done and the first object, beside HTTP/2;
//   (e) the loopback ceiling for 100 MB in MB/s beside Caddy over HTTP/2;
//   (f) the peers' build times: cold (recorded by setup in the cache) and warm (timed here).
import { readFile, readdir, realpath } from 'node:fs/promises';
import { cpus, release } from 'node:os';
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ImplementationDescriptor } from '../endpoints/descriptor.js';
import { IMPLEMENTATIONS } from '../endpoints/implementations.js';
import { startLab } from '../lab/lab.js';
import type { LinkOptions } from '../lab/profiles.js';
import { resolveLinkConditions } from '../lab/profiles.js';
import { interruptSignal } from '../process/cleanup.js';
import { runCommand } from '../process/managed-process.js';
import { projectPath } from '../project-root.js';
import type { ResultDocument } from '../results/schema.js';
import { installedImplementations } from '../run/availability.js';
import { runSession } from '../run/session.js';
import { shapeScenario } from '../run/shape.js';
import { expandMatrix } from '../scenario/matrix.js';
import type { AnyScenario, CaseDefinition } from '../scenario/types.js';
import { handshake } from '../../scenarios/handshake.js';
import { multiplexing } from '../../scenarios/multiplexing.js';
import { throughput } from '../../scenarios/throughput.js';

type Log = (message: string) => void;

const LINK = { rtt: '40ms', rate: '20mbit' } as const;
const TRANSFER_BYTES = 10_000_000;
const LOOPBACK_BYTES = 100_000_000;
const OBJECTS = { count: 50, bytes: 10_000 } as const;
/** Clients to pair a server with when its implementation has no HTTP/3 client, in order of preference. */
const FALLBACK_CLIENTS = ['quic-go', 'ngtcp2'] as const;

/** One HTTP/3 server and the client measured against it. */
export interface StackPair {
  stack: string;
  server: string;
  client: string;
}

const speaksH3 = (role: { speaks: ReadonlyArray<{ protocol: string; application: string }> } | undefined): boolean => role?.speaks.some((s) => s.protocol === 'quic' && s.application === 'h3') ?? false;

/**
 * Every available HTTP/3 server with its own client, else the first available fallback (pure:
 * unit-tested). `available`: the implementations whose roles are installed.
 */
export function stackPairs(implementations: readonly ImplementationDescriptor[], available: ReadonlySet<string>): StackPair[] {
  const clients = implementations.filter((i) => speaksH3(i.client) && available.has(i.name)).map((i) => i.client?.name as string);
  return implementations.flatMap((i): StackPair[] => {
    if (!speaksH3(i.server) || !available.has(i.name) || !i.server?.selectable) return [];
    const own = speaksH3(i.client) ? i.client?.name : undefined;
    const client = own !== undefined && clients.includes(own) ? own : FALLBACK_CLIENTS.find((c) => clients.includes(c));
    return client === undefined ? [] : [{ stack: i.name, server: i.server.name, client }];
  });
}

/** The scenario's h3 case `variant` run by each pair, beside its other variants `alongside` (unchanged). */
function perStack(scenario: AnyScenario, variant: string, alongside: readonly string[], pairs: readonly StackPair[]): AnyScenario {
  const base = scenario.cases.find((c) => c.id === variant);
  if (!base) throw new Error(`${scenario.name} has no case ${variant}`);
  const one = { ...scenario, cases: [base] };
  const h3: CaseDefinition[] = pairs.flatMap((p) => expandMatrix(one, { servers: [p.server], clients: [p.client] }).cases);
  return { ...scenario, cases: [...h3, ...scenario.cases.filter((c) => alongside.includes(c.id))] };
}

async function onLab(link: LinkOptions, purpose: string, runs: ReadonlyArray<{ scenario: AnyScenario; samples: number; tcpReferenceSeconds?: number }>, log: Log): Promise<ResultDocument[]> {
  const lab = await startLab({ conditions: resolveLinkConditions(link), backend: 'emulator', purpose });
  try {
    const documents: ResultDocument[] = [];
    for (const run of runs) {
      log(`${purpose}: ${run.scenario.name}, ${run.scenario.cases.length} cases x ${run.samples} samples`);
      const { document } = await runSession(
        run.scenario,
        {
          link: { kind: 'lab', conditions: lab.conditions, backend: lab.backend, profile: null },
          lab,
          samples: run.samples,
          warmup: 1,
          sampleTimeoutMs: 120_000,
          ...(run.tcpReferenceSeconds !== undefined ? { tcpReferenceSeconds: run.tcpReferenceSeconds } : {}),
          signal: interruptSignal,
        },
        { onProgress: (event) => event.kind === 'setup' && log(`  ${event.message}`) },
      );
      documents.push(document);
    }
    return documents;
  } finally {
    await lab.stop();
  }
}

/** The median of a metric over a case's good samples, as its summary has it; null when none has it. */
export function caseMedian(document: ResultDocument, caseId: string, metric: string): number | null {
  return document.cases.find((c) => c.id === caseId)?.summary[metric]?.median ?? null;
}

/** Each case's failed samples, "case: reason", so a missing figure says why. */
function failures(documents: readonly ResultDocument[]): string[] {
  return documents.flatMap((d) =>
    d.cases.flatMap((c) => [
      ...(c.unsupported !== undefined ? [`${d.scenario} ${c.id}: unsupported: ${c.unsupported}`] : []),
      ...c.samples.filter((s) => s.status === 'failed').map((s) => `${d.scenario} ${c.id}: ${s.error ?? 'failed'}`),
    ]),
  );
}

/** The id a pair's case got from expandMatrix. */
function pairCaseId(scenario: AnyScenario, pair: StackPair): string | undefined {
  return scenario.cases.find((c) => c.server === pair.server && c.client === pair.client && c.protocol === 'quic')?.id;
}

/** Cold build seconds per peer, as setup recorded them in the cache, and a warm setup of every peer timed now. */
async function buildTimes(log: Log): Promise<Record<string, unknown>> {
  const peers = await readdir(projectPath('peers'), { withFileTypes: true }).then((entries) => entries.filter((e) => e.isDirectory()).map((e) => e.name));
  const coldSeconds: Record<string, number | null> = {};
  for (const peer of peers) {
    const out = await realpath(projectPath('peers', peer, 'out')).catch(() => null);
    coldSeconds[peer] = out === null ? null : Number((await readFile(join(out, '.build-seconds'), 'utf8').catch(() => '')).trim()) || null;
    if (out !== null) log(`peer ${peer}: build ${basename(out)}, cold ${coldSeconds[peer] ?? '?'} s`);
  }
  const started = performance.now();
  const warm = await runCommand({ name: 'build-peers (warm)', command: 'bash', args: [projectPath('scripts', 'build-peers.sh')], timeoutMs: 600_000 });
  if (warm.code !== 0) throw new Error(`scripts/build-peers.sh exited ${warm.code}: ${warm.stderr.slice(-300)}`);
  return {
    method: 'cold: seconds each peer took to build into an empty cache, recorded by scripts/build-peers.sh when setup built it (.build-seconds); warm: this bench runs scripts/build-peers.sh again, every peer cached',
    coldSecondsByPeer: coldSeconds,
    coldSecondsTotal: Object.values(coldSeconds).reduce<number>((sum, s) => sum + (s ?? 0), 0),
    warmSeconds: (performance.now() - started) / 1000,
  };
}

export async function runStacksBench(log: Log = () => undefined): Promise<Record<string, unknown>> {
  const started = Date.now();
  const pairs = stackPairs(IMPLEMENTATIONS, await installedImplementations());
  if (pairs.length === 0) throw new Error('no HTTP/3 server with a client is installed: run `npm run setup`');
  log(`stacks: ${pairs.map((p) => `${p.server} <- ${p.client}`).join(', ')}`);

  const hs = perStack(handshake, 'quic-h3', ['tcp-tls-h2'], pairs);
  const transfers = perStack(shapeScenario(throughput, { sizesBytes: [TRANSFER_BYTES], direction: 'down' }), 'quic-h3-10MB', ['tcp-tls-h2-10MB'], pairs);
  const pages = perStack(shapeScenario(multiplexing, { objects: [OBJECTS] }), 'quic-h3-50x10KB', ['tcp-tls-h2-50x10KB'], pairs);
  const loopbackBase = shapeScenario(throughput, { sizesBytes: [LOOPBACK_BYTES], direction: 'down' });
  const caddyH2 = expandMatrix({ ...loopbackBase, cases: loopbackBase.cases.filter((c) => c.id === 'tcp-tls-h2-100MB') }, { servers: ['caddy'], clients: ['curl'] }).cases;
  const loopbackH3 = perStack(loopbackBase, 'quic-h3-100MB', [], pairs);
  const loopback = { ...loopbackH3, cases: [...loopbackH3.cases, ...caddyH2] };

  const [hsDoc, cleanDoc] = await onLab(
    LINK,
    'bench stacks (loss-free)',
    [
      { scenario: hs, samples: 5 },
      { scenario: transfers, samples: 3, tcpReferenceSeconds: 10 },
    ],
    log,
  );
  const [lossyDoc] = await onLab({ ...LINK, loss: '1%' }, 'bench stacks (1% loss)', [{ scenario: transfers, samples: 3 }], log);
  const [pagesDoc] = await onLab({ ...LINK, loss: '2%' }, 'bench stacks (2% loss)', [{ scenario: pages, samples: 5 }], log);
  log(`loopback: ${loopback.cases.length} cases x 2 samples of 100 MB`);
  // No capture: 1.2 GB of it would take tshark minutes, and the ceiling is the client's own figure.
  const { document: loopDoc } = await runSession(loopback, { link: { kind: 'loopback' }, samples: 2, warmup: 0, sampleTimeoutMs: 300_000, capture: false, signal: interruptSignal });
  const documents = [hsDoc, cleanDoc, lossyDoc, pagesDoc, loopDoc].filter((d): d is ResultDocument => d !== undefined);
  if (!hsDoc || !cleanDoc || !lossyDoc || !pagesDoc) throw new Error('a lab run returned no result');

  const reference = cleanDoc.link.achieved?.tcpReference?.wire?.goodputBitsPerSecond ?? null;
  const h2Pages = { allDoneMs: caseMedian(pagesDoc, 'tcp-tls-h2-50x10KB', 'allDoneMs'), objectFirstMs: caseMedian(pagesDoc, 'tcp-tls-h2-50x10KB', 'objectFirstMs') };
  const perStackFigures = pairs.map((pair) => {
    const id = (scenario: AnyScenario) => pairCaseId(scenario, pair) ?? '';
    const clean = caseMedian(cleanDoc, id(transfers), 'wireGoodputBitsPerSecond');
    const lossy = caseMedian(lossyDoc, id(transfers), 'wireGoodputBitsPerSecond');
    const loopbackBitsPerSecond = caseMedian(loopDoc, id(loopback), 'goodputBitsPerSecond');
    return {
      ...pair,
      serverVersion: hsDoc.cases.find((c) => c.id === id(hs))?.server.version ?? null,
      clientVersion: hsDoc.cases.find((c) => c.id === id(hs))?.client.version ?? null,
      // On the wire (the server's Finished arriving), beside the client's own event.
      wireHandshakeRoundTrips: caseMedian(hsDoc, id(hs), 'wireHandshakeRoundTrips'),
      clientHandshakeRoundTrips: caseMedian(hsDoc, id(hs), 'handshakeRoundTrips'),
      wireHandshakeMs: caseMedian(hsDoc, id(hs), 'wireHandshakeMs'),
      goodputBitsPerSecond: clean,
      goodputFractionOfIperf3: clean === null || reference === null ? null : clean / reference,
      goodputAtOnePercentLossBitsPerSecond: lossy,
      goodputAtOnePercentLossRelativeToLossFree: clean === null || lossy === null ? null : lossy / clean,
      pagesAllDoneMs: caseMedian(pagesDoc, id(pages), 'allDoneMs'),
      pagesObjectFirstMs: caseMedian(pagesDoc, id(pages), 'objectFirstMs'),
      loopbackMegabytesPerSecond: loopbackBitsPerSecond === null ? null : loopbackBitsPerSecond / 8e6,
    };
  });
  const caddyLoopback = caddyH2[0] ? caseMedian(loopDoc, caddyH2[0].id, 'goodputBitsPerSecond') : null;
  return {
    bench: 'stacks',
    startedAt: new Date(started).toISOString(),
    durationSeconds: Math.round((Date.now() - started) / 1000),
    host: { kernel: release(), cpus: cpus().length, cpuModel: cpus()[0]?.model ?? null, node: process.version },
    link: LINK,
    method:
      'medians over samples after one warm-up; handshake round trips from the calibrated RTT; goodput on the wire (body bits over first to last body packet), iperf3 TCP cubic on the wire in the same run as the reference; loss runs on fresh labs of the same link with random loss; loopback goodput as the client measured it',
    stacks: perStackFigures,
    beside: {
      h2WireHandshakeRoundTrips: caseMedian(hsDoc, 'tcp-tls-h2', 'wireHandshakeRoundTrips'),
      h2GoodputFractionOfIperf3: reference === null ? null : (caseMedian(cleanDoc, 'tcp-tls-h2-10MB', 'wireGoodputBitsPerSecond') ?? NaN) / reference,
      iperf3WireGoodputBitsPerSecond: reference,
      h2Pages,
      caddyH2LoopbackMegabytesPerSecond: caddyLoopback === null ? null : caddyLoopback / 8e6,
    },
    build: await buildTimes(log),
    failures: failures(documents),
    runs: documents.map((d) => ({ scenario: d.scenario, runId: d.runId, status: d.status, errors: d.errors })),
  };
}
