// competition: two flows download at once over the lab's one bottleneck, beside a latency probe.
// Each pairing is a case: HTTP/3 against HTTP/2, against iperf3 TCP with cubic and with bbr,
// HTTP/3 from two stacks, and an iperf3 cubic pair as the control (Jain's index near 1 shows
// the method is sound). Each flow is its fair share of --duration at the link's rate; flow k
// joins k x --stagger after the first. The harness starts every flow's client and server; the
// sample runs them (competition-sample.ts), the figures are measure/competition.ts's.
import type { CongestionControl } from '../harness/endpoints/types.js';
import { competitionMetricNames } from '../harness/measure/competition.js';
import { MAX_COMPETING_FLOWS, MESSAGE_PROBE_NAMES, UDP_PROBE_NAMES, type ProbeNames } from '../harness/results/competition-names.js';
import type { CompetitionFlow, CompetitionWorkload, MessageProbe, MessagesWorkload } from '../harness/results/workload.js';
import type { CaseDefinition, ContestOptions, MetricDefinition, ScenarioDefinition } from '../harness/scenario/types.js';
import { didYouMean } from '../harness/files/did-you-mean.js';
import { competitionSample, PROBE_IDLE_MS, PROBE_RATE_PER_SECOND } from './competition-sample.js';
import { REALTIME_DEFAULTS, REALTIME_DRAIN_TIMEOUT_MS, realtimeCases } from './realtime.js';

/** A flow as a pairing names it: the sender's controller is iperf3's own, else the run's --cc or the stack's default. */
interface FlowSpec extends Omit<CompetitionFlow, 'bodyBytes' | 'startAfterMs' | 'congestionControl'> {
  /** iperf3: the controller it asks for (-C); the others: their stack's default without --cc. */
  congestionControl: CongestionControl;
  ownController: boolean;
}

/** HTTP/3 from a QUIC stack's own client and server; its controller the run's --cc or the stack's default. */
const h3 = (stack: 'ngtcp2' | 'quiche' | 'quic-go' | 'aioquic', defaultCc: CongestionControl): FlowSpec => ({
  id: `h3-${stack}`,
  protocol: 'quic',
  application: 'h3',
  client: stack,
  server: stack,
  congestionControl: defaultCc,
  ownController: false,
});
const H3_NGTCP2 = h3('ngtcp2', 'cubic');
const H3_QUICHE = h3('quiche', 'cubic');
const H2_NODE: FlowSpec = { id: 'h2-node', protocol: 'tcp-tls', application: 'h2', client: 'undici', server: 'node', congestionControl: 'cubic', ownController: false };
const H1_NODE: FlowSpec = { id: 'h1-node', protocol: 'tcp-tls', application: 'http/1.1', client: 'undici', server: 'node', congestionControl: 'cubic', ownController: false };
const iperf3 = (cc: CongestionControl, suffix = ''): FlowSpec => ({ id: `iperf3-${cc}${suffix}`, protocol: 'tcp', application: 'none', client: 'iperf3', server: 'iperf3', congestionControl: cc, ownController: true });

/** Every flow a mix (--mix) may name, by its id. */
export const FLOW_CATALOG: ReadonlyMap<string, FlowSpec> = new Map(
  [H3_NGTCP2, H3_QUICHE, h3('quic-go', 'reno'), h3('aioquic', 'reno'), H2_NODE, H1_NODE, iperf3('cubic'), iperf3('bbr'), iperf3('reno')].map((spec) => [spec.id, spec]),
);

/** A mix of catalog flows as a pairing: its id "a-vs-b", a flow named twice numbered (-1, -2). */
export function mixPairing(names: readonly string[]): { id: string; flows: FlowSpec[] } {
  if (names.length < 2 || names.length > MAX_COMPETING_FLOWS) throw new Error(`--mix: ${names.join('+')} has ${names.length} flows; a mix has 2 to ${MAX_COMPETING_FLOWS}`);
  const flows = names.map((name, k) => {
    const spec = FLOW_CATALOG.get(name);
    if (spec === undefined) throw new Error(`--mix: no flow "${name}"${didYouMean(name, [...FLOW_CATALOG.keys()])} (flows: ${[...FLOW_CATALOG.keys()].join(', ')})`);
    const twice = names.filter((n) => n === name).length > 1;
    return twice ? { ...spec, id: `${spec.id}-${names.slice(0, k + 1).filter((n) => n === name).length}` } : spec;
  });
  return { id: names.join('-vs-'), flows };
}

/** The default pairings, the control last. */
export const PAIRINGS: ReadonlyArray<{ id: string; flows: readonly FlowSpec[] }> = [
  { id: 'h3-vs-h2', flows: [H3_NGTCP2, H2_NODE] },
  { id: 'h3-vs-iperf3-cubic', flows: [H3_NGTCP2, iperf3('cubic')] },
  { id: 'h3-vs-iperf3-bbr', flows: [H3_NGTCP2, iperf3('bbr')] },
  { id: 'h3-ngtcp2-vs-h3-quiche', flows: [H3_NGTCP2, H3_QUICHE] },
  { id: 'control-iperf3-cubic', flows: [iperf3('cubic', '-1'), iperf3('cubic', '-2')] },
];

export const COMPETITION_DEFAULTS: Pick<ContestOptions, 'durationMs' | 'staggerMs'> = { durationMs: 20_000, staggerMs: 0 };
/** The broadband profile's down rate: the static cases' sizes (a run recomputes them for its link). */
const DEFAULT_DOWN_RATE_BITS_PER_SECOND = 20_000_000;
const MAX_DURATION_MS = 300_000;
const CONNECT_MARGIN_MS = 30_000;
const FLOW_BYTES_STEP = 100_000;

/** Each flow's body: its fair share of durationMs at the link's rate. */
export function flowBytes(options: ContestOptions, flows: number): number {
  if (!Number.isFinite(options.durationMs) || options.durationMs < 2000 || options.durationMs > MAX_DURATION_MS) {
    throw new Error(`--duration: ${options.durationMs} ms is out of range (2 s to ${MAX_DURATION_MS / 1000} s of competing)`);
  }
  if (!Number.isFinite(options.staggerMs) || options.staggerMs < 0 || options.staggerMs >= options.durationMs / 2) {
    throw new Error(`--stagger: ${options.staggerMs} ms must be at least 0 and under half of --duration (${options.durationMs} ms), or the flows would hardly overlap`);
  }
  if (!(options.downRateBitsPerSecond > 0)) throw new Error('competition: the link needs a rate limit (--rate or a profile with one): the flows compete for a bottleneck');
  // Whole 100 kB: iperf3 sends whole blocks (of at most 128 KiB), so its flows move exactly their bytes.
  return Math.ceil(((options.downRateBitsPerSecond / 8) * (options.durationMs / 1000)) / flows / FLOW_BYTES_STEP) * FLOW_BYTES_STEP;
}

/** The message probe's session outlasts the contest at a fair share by this factor (the first flow's last byte ends the loaded span). */
const MESSAGE_PROBE_SPAN_FACTOR = 1.25;

/**
 * The realtime cases a message probe may run (--message-probe): every one the realtime scenario
 * can sample but Chromium's. Its page times messages from after the browser's launch and page
 * load (about a second, up to 5 s), which the sample could not place on its clock: the first
 * loaded messages would count as idle.
 */
export function messageProbeCases(): CaseDefinition[] {
  return realtimeCases(REALTIME_DEFAULTS).filter((c) => c.unsupported === undefined && c.client !== 'chromium');
}

/** The realtime case `id` names for --message-probe, or why there is none. */
function messageProbeCase(id: string): CaseDefinition & { workload: MessagesWorkload } {
  const cases = messageProbeCases();
  const found = cases.find((c) => c.id === id);
  if (found === undefined || found.workload.kind !== 'messages') {
    throw new Error(
      `--message-probe: no realtime case "${id}"${didYouMean(
        id,
        cases.map((c) => c.id),
      )} (cases: ${cases.map((c) => c.id).join(', ')})`,
    );
  }
  return found as CaseDefinition & { workload: MessagesWorkload };
}

/**
 * The message probe of `found` (messageProbeCase) for a mix of `flows` flows: the realtime
 * case's session at the realtime defaults (200 B, 50 a second), from the idle time on until
 * past the contest.
 */
function messageProbe(found: CaseDefinition & { workload: MessagesWorkload }, options: ContestOptions, flows: number): MessageProbe {
  const sessionMs = PROBE_IDLE_MS + options.durationMs * MESSAGE_PROBE_SPAN_FACTOR + options.staggerMs * (flows - 1);
  return {
    id: found.id,
    protocol: found.protocol as MessageProbe['protocol'],
    application: found.application as MessageProbe['application'],
    client: found.client,
    server: found.server,
    messages: { ...found.workload, count: Math.ceil((found.workload.ratePerSecond * sessionMs) / 1000) },
  };
}

/** A flow's controller as recorded: iperf3's own, else the run's --cc, else the stack's default. */
function controllerOf(spec: FlowSpec, runCongestionControl: CongestionControl | undefined): CongestionControl {
  return spec.ownController ? spec.congestionControl : (runCongestionControl ?? spec.congestionControl);
}

/** Every pairing's case for `options` (refused with the reason when out of bounds). */
export function competitionCases(options: ContestOptions): CaseDefinition[] {
  const pairings = options.mixes !== undefined ? options.mixes.map(mixPairing) : PAIRINGS;
  const ids = pairings.map((p) => p.id);
  const twice = ids.find((id, k) => ids.indexOf(id) !== k);
  if (twice !== undefined) throw new Error(`--mix: ${twice} is given twice`);
  const probeCase = options.messageProbe !== undefined ? messageProbeCase(options.messageProbe) : undefined;
  return pairings.map(({ id, flows }): CaseDefinition => {
    const bodyBytes = flowBytes(options, flows.length);
    const workload: CompetitionWorkload = {
      kind: 'competition',
      flows: flows.map((spec, k) => ({
        id: spec.id,
        protocol: spec.protocol,
        application: spec.application,
        client: spec.client,
        server: spec.server,
        congestionControl: controllerOf(spec, options.congestionControl),
        bodyBytes,
        startAfterMs: k * options.staggerMs,
      })),
      probe: {
        ratePerSecond: PROBE_RATE_PER_SECOND,
        idleMs: PROBE_IDLE_MS,
        ...(probeCase !== undefined ? { messages: messageProbe(probeCase, options, flows.length) } : {}),
      },
    };
    const own = flows[0] as FlowSpec;
    return { id, protocol: own.protocol, application: own.application, client: own.client, server: own.server, workload } as CaseDefinition;
  });
}

/** A sample's bound: the contest at the slowest flow's share (a quarter of the link), the idle probe and connecting; a message probe's drain too. */
export function competitionSampleTimeoutMs(options: ContestOptions): number {
  return PROBE_IDLE_MS + options.durationMs * 2 + options.staggerMs * (MAX_COMPETING_FLOWS - 1) + CONNECT_MARGIN_MS + (options.messageProbe !== undefined ? REALTIME_DRAIN_TIMEOUT_MS : 0);
}

const DESCRIPTIONS: Record<string, Omit<MetricDefinition, 'name'>> = {
  GoodputBitsPerSecond: { unit: 'bits/s', description: 'the flow’s goodput while every flow ran (the shared span), from its bytes-over-time series' },
  Share: { unit: 'ratio', better: 'neither', description: 'the flow’s part of what all flows got in the shared span (0..1)' },
  CompletionMs: { unit: 'ms', description: 'from the flow’s exchange start to its last body byte' },
  RetransmittedPackets: {
    unit: 'count',
    better: 'lower',
    description: "the flow's sender's retransmissions: iperf3's report, ngtcp2's qlog, or the server namespace's TCP counter less iperf3's when one kernel TCP flow is left",
  },
};

/** A probe's metrics (the UDP echoes' or the message probe's), described alike. */
function probeDescriptions(names: ProbeNames, words: { roundTrip: string; lost: string; inflation: string }): Record<string, Omit<MetricDefinition, 'name'>> {
  const rt = words.roundTrip;
  return {
    [names.idleP50Ms]: { unit: 'ms', description: `${rt} before the first flow started (idle link), median` },
    [names.idleP95Ms]: { unit: 'ms', description: `${rt} on the idle link, 95th percentile` },
    [names.idleP99Ms]: { unit: 'ms', description: `${rt} on the idle link, 99th percentile` },
    [names.loadedP50Ms]: { unit: 'ms', description: `${rt} while every flow ran, median` },
    [names.loadedP95Ms]: { unit: 'ms', description: `${rt} while every flow ran, 95th percentile` },
    [names.loadedP99Ms]: { unit: 'ms', description: `${rt} while every flow ran, 99th percentile` },
    [names.loadedLostRate]: { unit: 'ratio', better: 'lower', description: words.lost },
    [names.inflationP95Ms]: { unit: 'ms', description: `loaded minus idle ${rt}, 95th percentile: ${words.inflation}` },
    [names.inflationP95Ratio]: { unit: 'ratio', better: 'lower', description: `loaded over idle ${rt}, 95th percentile` },
  };
}

const MIX_METRICS: Record<string, Omit<MetricDefinition, 'name'>> = {
  aggregateGoodputBitsPerSecond: { unit: 'bits/s', description: 'every flow’s goodput over the shared span, added' },
  sharedSpanMs: { unit: 'ms', better: 'neither', description: 'from the last flow’s first byte to the first flow’s last byte: when every flow ran' },
  jainIndex: { unit: 'ratio', better: 'higher', description: "Jain's fairness index over the flows' goodputs in the shared span: 1 equal, 1/n one flow has all" },
  timeToConvergeMs: { unit: 'ms', description: 'from the last flow’s first byte until every flow stayed within ±20% of the mean for 2 s (500 ms intervals); absent when never' },
  inBandFraction: {
    unit: 'ratio',
    better: 'higher',
    description: 'the part of the shared span’s 500 ms intervals in which every flow was within ±20% of the mean: flows that start together are in band at first, this says whether they stayed',
  },
  ...probeDescriptions(UDP_PROBE_NAMES, { roundTrip: 'probe round trip', lost: 'probes sent while every flow ran that never came back', inflation: 'the queueing delay the mix causes' }),
  ...probeDescriptions(MESSAGE_PROBE_NAMES, {
    roundTrip: 'message probe round trip (--message-probe: a message to its echo)',
    lost: 'message probe: messages sent while every flow ran whose echo never came back (a datagram lost; a reliable mode only past the drain)',
    inflation: 'what the mix adds to an application’s messages over that transport',
  }),
  peakQueueBytesDown: { unit: 'bytes', better: 'lower', description: "the emulator's down queue at its fullest in the shared span" },
  meanQueueBytesDown: { unit: 'bytes', better: 'lower', description: "the emulator's down queue on average in the shared span" },
  queueOverflowDropsDown: { unit: 'count', better: 'neither', description: 'packets the full down queue dropped from the first flow’s start to the last byte' },
  queueOverflowDropsUp: { unit: 'count', better: 'neither', description: 'packets the full up queue dropped from the first flow’s start to the last byte' },
};

function metricOf(name: string): MetricDefinition {
  const mix = MIX_METRICS[name];
  if (mix) return { name, ...mix };
  const flow = /^flow(\d+)(\w+)$/.exec(name);
  const described = flow ? DESCRIPTIONS[flow[2] as string] : undefined;
  if (!flow || !described) throw new Error(`competition: no description of metric ${name}`);
  return { name, ...described, description: `flow ${flow[1]}: ${described.description}` };
}

export const competition: ScenarioDefinition = {
  name: 'competition',
  abbreviation: 'CP',
  description:
    "Flows sharing one bottleneck: each flow's share and goodput over time, Jain's index, time to converge, and the queueing delay each mix adds to a latency probe (HTTP/3 vs HTTP/2, vs iperf3 cubic and bbr, two QUIC stacks, an iperf3 control pair)",
  metrics: competitionMetricNames(MAX_COMPETING_FLOWS).map(metricOf),
  headline: ['jainIndex', 'flow1Share', 'flow2Share', 'timeToConvergeMs', 'inBandFraction', 'latencyInflationP95Ms', 'queueOverflowDropsDown'],
  // Four samples a case: compare tests a difference from four a side.
  defaults: { samples: 4, warmup: 0, sampleTimeoutMs: competitionSampleTimeoutMs({ ...COMPETITION_DEFAULTS, downRateBitsPerSecond: DEFAULT_DOWN_RATE_BITS_PER_SECOND }) },
  cases: competitionCases({ ...COMPETITION_DEFAULTS, downRateBitsPerSecond: DEFAULT_DOWN_RATE_BITS_PER_SECOND }),
  contest: { defaults: COMPETITION_DEFAULTS, cases: competitionCases, sampleTimeoutMs: competitionSampleTimeoutMs },
  needsLab: 'its flows share the emulated bottleneck, and its probe and queue record are the lab’s',
  measure: competitionSample,
};
