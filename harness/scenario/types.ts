// What a scenario is: declarative data (name, cases, metrics, defaults) plus one small
// function that measures one sample. The harness owns everything else.
import type { Application, CapableClient, ClientNeed, Protocol, ServerAddress, ServerEndpoint, SessionMode } from '../endpoints/types.js';
import type { ClientName, ServerName } from '../endpoints/implementations.js';
import type { CertificateSpec } from '../pki/generate.js';
import type { Impairment } from '../lab/impairment.js';
import type { Sample } from '../results/schema.js';
import type { DeclaredMetric } from '../results/metric-definitions.js';

// The names are the implementations' (endpoints/implementations.ts); re-exported for scenarios.
export type { ClientName, ServerName };

export interface CaseDefinition {
  /** Stable id that says what the case is, e.g. "quic-h3" or "tcp-tls-h2". */
  id: string;
  protocol: Protocol;
  application: Application;
  client: ClientName;
  server: ServerName;
  parameters: Record<string, string | number | boolean>;
  /** How the measured connection starts (default "cold"); recorded as parameter "session". */
  session?: SessionMode;
  /** A server certificate of its own (default: the lab PKI in certs/); recorded as parameters. */
  certificate?: CertificateSpec;
  /** What the case needs its client to do, when not the scenario's `needs` (see SampleContext). */
  needs?: ClientNeed;
  /** Why this variant cannot be measured with these endpoints: recorded, never sampled. */
  unsupported?: string;
  /**
   * Impairment of this case's samples on top of the run's link, both directions (loss
   * recovery): the harness sets it on the emulator before each of the case's samples.
   */
  impairment?: Impairment;
}

export type { CertificateSpec };

export interface TransferOptions {
  sizesBytes: readonly number[];
  /** "down": the server sends the body (GET); "up": the client does (POST). */
  direction: 'down' | 'up';
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
  timeoutMs: number;
  /** The lab's namespaces; absent on loopback. */
  namespaces?: { client: string; server: string };
  /** Live control of the lab link (emulator backend); absent on loopback. */
  link?: LinkControl;
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
}

/** What one sample measured: numbers by metric name, and any time series. */
export interface SampleMeasurement {
  metrics: Record<string, number>;
  series?: Record<string, Array<[number, number]>>;
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
  /** Record a packet capture and add wire-derived metrics to each sample (handshake scenarios). */
  wireTruth?: boolean;
  /** Runs only on the lab network, and why (it changes the link while it runs; its servers live in the namespaces). */
  needsLab?: string;
  /** Run a kernel TCP reference flow (iperf3) over the lab link first (transfer scenarios). */
  linkReference?: boolean;
  /**
   * Metrics that need other cases' samples (e.g. goodput relative to the loss-free case): each
   * case's samples with them added, in the order given (a stage of harness/run/pipeline.ts).
   */
  deriveMetrics?(cases: ReadonlyArray<{ definition: CaseDefinition; samples: readonly Sample[] }>): Sample[][];
  /** Page-load scenarios: cases for the object sets chosen (--objects). */
  objectSets?: {
    defaults: readonly ObjectSet[];
    cases(sets: readonly ObjectSet[]): CaseDefinition[];
  };
  /** Transfer scenarios: cases for the sizes and direction chosen (--sizes, --direction). */
  transfers?: {
    defaults: TransferOptions;
    cases(options: TransferOptions): CaseDefinition[];
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

