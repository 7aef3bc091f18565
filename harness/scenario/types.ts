// What a scenario is: declarative data (name, cases, metrics, defaults) plus one small
// function that measures one sample. The harness owns everything else.
import type { Application, ClientEndpoint, Protocol, ServerAddress } from '../endpoints/types.js';

export type ServerName = 'node' | 'ngtcp2';
export type ClientName = 'node-tls' | 'undici' | 'ngtcp2';

export interface CaseDefinition {
  /** Stable id that says what the case is, e.g. "quic-h3" or "tcp-tls-h2". */
  id: string;
  protocol: Protocol;
  application: Application;
  client: ClientName;
  server: ServerName;
  parameters: Record<string, string | number | boolean>;
}

export interface MetricDefinition {
  name: string;
  unit: 'ms' | 'bytes' | 'bits/s' | 'count';
  description: string;
}

export interface SampleContext {
  caseDefinition: CaseDefinition;
  client: ClientEndpoint;
  target: ServerAddress;
  timeoutMs: number;
}

export interface ScenarioDefinition {
  name: string;
  /** Short code for tables, as the QUIC interop runner's test cases have. */
  abbreviation: string;
  description: string;
  metrics: readonly MetricDefinition[];
  defaults: { samples: number; warmup: number; sampleTimeoutMs: number };
  cases: readonly CaseDefinition[];
  /** Measures one sample; throws (with a reason) when the sample fails. */
  measure(context: SampleContext): Promise<Record<string, number>>;
}
