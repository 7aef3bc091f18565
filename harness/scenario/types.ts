// What a scenario is: declarative data (name, cases, metrics, defaults) plus one small
// function that measures one sample. The harness owns everything else.
import type { Application, CapableClient, ClientNeed, CongestionControl, ExchangeClient, MessagesClient, Protocol, ServerAddress, ServerEndpoint, SessionMode } from '../endpoints/types.js';
import type { ClientName, ServerName } from '../endpoints/implementations.js';
import { KEY_TYPES, type CertificateSpec, type KeyType } from '../pki/generate.js';
import type { CompetitionFlow, MessageProbe, Workload } from '../results/workload.js';
import type { QueueSeries } from '../lab/emulator-queue-series.js';
import type { Impairment } from '../lab/impairment.js';
import type { Sample } from '../results/schema.js';
import type { DeclaredMetric } from '../results/metric-definitions.js';
import type { WireConnection } from '../capture/wire-analysis.js';

// The names are the implementations' (endpoints/implementations.ts); re-exported for scenarios.
export type { ClientName, ServerName };

export interface CaseDefinition {
  /** Stable id that says what the case is, e.g. "quic-h3" or "tcp-tls-h2". */
  id: string;
  protocol: Protocol;
  application: Application;
  client: ClientName;
  server: ServerName;
  /**
   * What the case measures, typed (results/workload.ts): a handshake (its session mode and, for
   * the sweep, the server's own certificate), a transfer, a batch of objects or a file copy. The
   * parameters a result records are derived from it (parametersOf).
   */
  workload: Workload;
  /** What the case needs its client to do, when not the scenario's `needs` (see SampleContext). */
  needs?: ClientNeed;
  /** Why this variant cannot be measured with these endpoints: recorded, never sampled. */
  unsupported?: string;
  /** Why its server or client is not installed (scenario/availability.ts): recorded like an unsupported case, never sampled. */
  unavailable?: string;
  /**
   * Impairment of this case's samples on top of the run's link, both directions (loss
   * recovery): the harness sets it on the emulator before each of the case's samples.
   */
  impairment?: Impairment;
  /** This case's bound of one sample, when it is shorter than the run's (--timeout caps it). */
  timeoutMs?: number;
}

export type { CertificateSpec };

/** A case whose workload is of one kind. */
export type CaseOf<K extends Workload['kind']> = CaseDefinition & { workload: Extract<Workload, { kind: K }> };

/** The case's workload, which must be of `kind` (a scenario's measure() knows which its cases have). */
export function workloadOf<K extends Workload['kind']>(definition: Pick<CaseDefinition, 'id' | 'workload'>, kind: K): Extract<Workload, { kind: K }> {
  if (definition.workload.kind !== kind) throw new Error(`case ${definition.id}: a ${definition.workload.kind} workload, not ${kind}`);
  return definition.workload as Extract<Workload, { kind: K }>;
}

/** How the measured connection starts: a handshake's session mode; every other workload is cold. */
export function sessionOf(definition: Pick<CaseDefinition, 'workload'>): SessionMode {
  return definition.workload.kind === 'handshake' ? (definition.workload.session ?? 'cold') : 'cold';
}

/** The server's own certificate a handshake asks for (the sweep); undefined: the lab PKI. */
export function certificateOf(definition: Pick<CaseDefinition, 'id' | 'workload'>): CertificateSpec | undefined {
  const certificate = definition.workload.kind === 'handshake' ? definition.workload.certificate : undefined;
  if (certificate === undefined) return undefined;
  const keyType = KEY_TYPES.find((k) => k === certificate.keyType);
  if (keyType === undefined) throw new Error(`case ${definition.id}: key type "${certificate.keyType}" is not one of ${KEY_TYPES.join(', ')}`);
  return { keyType: keyType satisfies KeyType, intermediates: certificate.intermediates };
}

/** Whether the client sends the body (an upload or an SMB put). */
export function sendsBody(workload: Workload): boolean {
  return (workload.kind === 'transfer' || workload.kind === 'copy') && workload.direction === 'up';
}

export interface TransferOptions {
  sizesBytes: readonly number[];
  /** "down": the server sends the body (GET); "up": the client does (POST). */
  direction: 'down' | 'up';
}

/** Message scenarios (realtime): each message's size, how many a second, for how long. */
export interface MessageOptions {
  messageBytes: number;
  ratePerSecond: number;
  durationMs: number;
}

/** Competition scenarios: how long the flows should compete at a fair share, when later flows join, and the bottleneck's rate the flows' sizes follow from. */
export interface ContestOptions {
  durationMs: number;
  /** Flow k (from 0) starts k x staggerMs after the first. */
  staggerMs: number;
  /** The link's rate in the flows' direction (down): each flow's body is its fair share of durationMs at this rate. */
  downRateBitsPerSecond: number;
  /** The run's --cc: the controller of every flow that does not choose its own (absent: each stack's default). */
  congestionControl?: CongestionControl;
  /** The flows of each mix to run, by the scenario's flow names (--mix); absent: its default pairings. */
  mixes?: ReadonlyArray<readonly string[]>;
  /** A realtime case whose messages probe each mix beside the UDP echoes (--message-probe); absent: the echoes alone. */
  messageProbe?: string;
}

/** A competition case's other flows (every flow of its workload but the first, which is the case's own client and server). */
export function companionFlowsOf(definition: Pick<CaseDefinition, 'id' | 'workload' | 'protocol' | 'application' | 'client' | 'server'>): readonly CompetitionFlow[] {
  if (definition.workload.kind !== 'competition') return [];
  const [own, ...others] = definition.workload.flows;
  if (own === undefined || own.client !== definition.client || own.server !== definition.server || own.protocol !== definition.protocol || own.application !== definition.application) {
    throw new Error(`case ${definition.id}: its first flow must be its own client, server, protocol and application`);
  }
  return others;
}

/** A competition case's message probe (its realtime session's client and server), if it has one. */
export function messageProbeOf(definition: Pick<CaseDefinition, 'workload'>): MessageProbe | undefined {
  return definition.workload.kind === 'competition' ? definition.workload.probe.messages : undefined;
}

/** `count` objects of `bytes` each, loaded at once ("100x10KB"). */
export interface ObjectSet {
  count: number;
  bytes: number;
}

/** A metric as a scenario declares it; `better` defaults from the unit, `provenance` from the name and timing sources (see results/metric-definitions). */
export type MetricDefinition = DeclaredMetric;

interface SampleContextFields {
  caseDefinition: CaseDefinition;
  server: ServerEndpoint;
  target: ServerAddress;
  /**
   * The path of a body of `bytes` bytes: "/N" on the lab's servers, the --target URL template's
   * path on a remote one ("/files/N"). Every scenario asks for bodies through it.
   */
  bodyPath: (bytes: number) => string;
  timeoutMs: number;
  /** The lab's namespaces; absent on loopback. */
  namespaces?: { client: string; server: string };
  /** Live control of the lab link (emulator backend); absent on loopback. */
  link?: LinkControl;
  /** A competition case's other flows (companionFlowsOf), each with its own client and server, started by the harness like the case's own. */
  companions?: readonly CompanionEndpoints[];
  /** The emulator's queue over time (emulator backend); absent elsewhere. */
  queue?: QueueRecorder;
  /** A competition's message probe (messageProbeOf), its client and server started by the harness. */
  messageProbe?: MessageProbeEndpoints;
}

/** A message probe's endpoints, ready: its realtime client, its server and where that server listens. */
export interface MessageProbeEndpoints {
  probe: MessageProbe;
  client: MessagesClient;
  server: ServerEndpoint;
  target: ServerAddress;
}

/** One companion flow's endpoints, ready: its client, its server and where that server listens. */
export interface CompanionEndpoints {
  flow: CompetitionFlow;
  client: ExchangeClient;
  server: ServerEndpoint;
  target: ServerAddress;
}

/** The emulator's queue recording (lab/emulator-process.ts), one at a time. */
export interface QueueRecorder {
  start(options: { intervalMs: number; maxSamples?: number }): Promise<void>;
  stop(): Promise<void>;
  series(): Promise<QueueSeries>;
  /** CLOCK_MONOTONIC ms (process.hrtime) of the series' zero (elapsedMs 0). */
  readonly startMonotonicMs: number;
}

/**
 * What measure() gets for one sample: the case, its server, and its client typed for what the
 * case needs (`needs`: "exchange" gives an ExchangeClient, "batch" a BatchClient, "copy" a
 * FileCopyClient). With several needs it is a union: narrow it on `needs`.
 */
export type SampleContext<N extends ClientNeed = 'exchange'> = SampleContextFields & CapableClient<N>;

export interface LinkControl {
  /** A NAT rebinding from now on: the client's packets come from a new port, or a new address. */
  rebind(kind: 'port' | 'address'): Promise<void>;
  /** Undoes every rebinding: the client's own address and port again (the run loop, before a sample). */
  restore(): Promise<void>;
}

/** Whether a case's samples change the lab link (a NAT rebinding): the next sample must start from it restored. */
export function changesLink(definition: Pick<CaseDefinition, 'workload'>): boolean {
  return definition.workload.kind === 'transfer' && definition.workload.rebind !== undefined;
}

/** The lab servers' path of a body of `bytes` bytes. */
export function labBodyPath(bytes: number): string {
  return `/${bytes}`;
}

/** What one sample measured: numbers by metric name, and any time series. */
export interface SampleMeasurement {
  metrics: Record<string, number>;
  series?: Record<string, Array<[number, number]>>;
  /** The protocol the client says it negotiated (ExchangeTimings.alpn). */
  clientAlpn?: string;
  /** Things worth a second look that did not fail the sample (an echo twice, say): the sample's flags. */
  flags?: string[];
}

interface ScenarioFields<N extends ClientNeed> {
  name: string;
  /** Short code for tables, as the QUIC interop runner's test cases have. */
  abbreviation: string;
  description: string;
  metrics: readonly MetricDefinition[];
  /** Metrics of the terminal table (default: all); the result file has every metric. */
  headline?: readonly string[];
  defaults: { samples: number; warmup: number; sampleTimeoutMs: number };
  cases: readonly CaseDefinition[];
  /** Record a packet capture and add wire-derived metrics to each sample (every scenario that moves data, and the handshake ones). */
  wireTruth?: boolean;
  /** With wireTruth: the scenario's own wire metrics of a sample, from its connections to its server (oldest first), and its case's workload. */
  wireMetrics?: (connections: readonly WireConnection[], workload: Workload) => Record<string, number>;
  /**
   * A pass/fail test per case (the interop matrix): why a sample that was measured fails its
   * case's test (read after every pipeline stage, wire metrics included), or undefined when it
   * passes. Such a sample is recorded as failed with that reason, and each case of the result
   * gets a verdict (harness/scenario/verdict.ts).
   */
  check?: (definition: CaseDefinition, sample: Sample) => string | undefined;
  /**
   * Runs over every selectable server x client that speaks its cases unless --server/--client
   * narrow it (the interop matrix); every case id then names its pair (matrixCaseId).
   */
  everyPair?: boolean;
  /** The named link profile a run gets without link options, when not the CLI's default (broadband). */
  linkProfile?: string;
  /** Runs only on the lab network, and why (it changes the link while it runs; its servers live in the namespaces). */
  needsLab?: string;
  /** Runs against a remote server (--target) with its clients alone: its bodies are asked for through SampleContext.bodyPath. */
  remoteTarget?: boolean;
  /** Run a kernel TCP reference flow (iperf3) over the lab link first (transfer scenarios). */
  linkReference?: boolean;
  /**
   * Metrics that need other cases' samples (e.g. goodput relative to the loss-free case): each
   * case's samples with them added, in the order given (a stage of harness/run/pipeline.ts).
   */
  deriveMetrics?: (cases: ReadonlyArray<{ definition: CaseDefinition; samples: readonly Sample[] }>) => Sample[][];
  /** Page-load scenarios: cases for the object sets chosen (--objects). */
  objectSets?: {
    defaults: readonly ObjectSet[];
    cases(sets: readonly ObjectSet[]): CaseDefinition[];
  };
  /** Transfer scenarios: cases for the sizes and direction chosen (--sizes, --direction). */
  transfers?: {
    defaults: TransferOptions;
    /** The directions run when --direction is not given (default: defaults.direction alone); smb-copy runs both. */
    defaultDirections?: ReadonlyArray<TransferOptions['direction']>;
    cases(options: TransferOptions): CaseDefinition[];
  };
  /** Message scenarios: cases for the message size, rate and duration chosen (--message-size, --message-rate, --duration), and the sample timeout they need. */
  messageFlows?: {
    defaults: MessageOptions;
    /** Refuses options the scenario's endpoints cannot carry (throws with the reason). */
    cases(options: MessageOptions): CaseDefinition[];
    sampleTimeoutMs(options: MessageOptions): number;
  };
  /** Competition scenarios: cases for the duration and stagger chosen (--duration, --stagger) on the run's link, and the sample timeout they need. */
  contest?: {
    defaults: Pick<ContestOptions, 'durationMs' | 'staggerMs'>;
    /** Refuses options the scenario cannot run (throws with the reason). */
    cases(options: ContestOptions): CaseDefinition[];
    sampleTimeoutMs(options: ContestOptions): number;
  };
  /** Measures one sample; throws (with a reason) when the sample fails. */
  measure(context: SampleContext<N>): Promise<SampleMeasurement>;
}

/**
 * A scenario whose samples need clients that can do N ("exchange" unless it says otherwise).
 * `needs` is what its cases need of their clients (a case may say otherwise, within N); the
 * matrix records a pair whose client cannot as unsupported, and the run never starts it.
 */
export type ScenarioDefinition<N extends ClientNeed = 'exchange'> = ScenarioFields<N> & ('exchange' extends N ? { needs?: N } : { needs: N });

/** Any scenario, whatever its clients need (lists of scenarios, the run loop; measure is a method, so each ScenarioDefinition<N> is one). */
export type AnyScenario = ScenarioDefinition<ClientNeed>;
