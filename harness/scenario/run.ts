// The harness's run loop: start the servers a scenario needs, warm up, then take samples of
// all cases interleaved (each round starts with the next case, so no case always goes
// first), each bounded by a timeout; a failed sample is recorded and the run goes on.
import { randomBytes } from 'node:crypto';
import type { ClientEndpoint, ServerAddress, ServerEndpoint, TlsMaterial } from '../endpoints/types.js';
import { summarize } from '../measure/statistics.js';
import type { LinkInfo, ResultCase, ResultDocument, Sample, CertificatesInfo } from '../results/schema.js';
import { SCHEMA_VERSION } from '../results/schema.js';
import { hostInfo, toolInfo } from '../results/environment.js';
import type { CaseDefinition, ClientName, ScenarioDefinition, ServerName } from './types.js';

export interface EndpointFactory {
  server(name: ServerName): ServerEndpoint;
  client(name: ClientName, caseDefinition: CaseDefinition): ClientEndpoint;
}

export type ProgressEvent =
  | { kind: 'setup'; message: string }
  | { kind: 'sample'; caseId: string; index: number; samples: number; warmup: boolean; status: 'ok' | 'failed'; error?: string };

export interface RunOptions {
  samples: number;
  warmup: number;
  sampleTimeoutMs: number;
  tls: TlsMaterial;
  certificates: CertificatesInfo;
  link: LinkInfo;
  endpoints: EndpointFactory;
  signal?: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
}

interface LiveCase {
  definition: CaseDefinition;
  client: ClientEndpoint;
  target: ServerAddress;
  samples: Sample[];
}

export function newRunId(scenario: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${scenario}-${stamp}-${randomBytes(3).toString('hex')}`;
}

/** Endpoints enforce a sample's timeout themselves (and say why); the harness's own stop comes later. */
const HARNESS_TIMEOUT_MARGIN_MS = 5000;

function withTimeout<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function errorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.trim() || 'unknown error';
}

/** Resolves with null as soon as `signal` aborts, so an interrupt need not wait for a slow sample. */
function untilAborted(signal: AbortSignal | undefined): { promise: Promise<null>; dispose: () => void } {
  if (!signal) return { promise: new Promise<null>(() => {}), dispose: () => {} };
  let onAbort = (): void => {};
  const promise = new Promise<null>((resolve) => {
    onAbort = () => resolve(null);
    if (signal.aborted) resolve(null);
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  return { promise, dispose: () => signal.removeEventListener('abort', onAbort) };
}

/** One sample; null when the run was interrupted while it was being taken (it is dropped). */
async function takeSample(scenario: ScenarioDefinition, live: LiveCase, index: number, timeoutMs: number, signal?: AbortSignal): Promise<Sample | null> {
  const startedAt = new Date().toISOString();
  const interrupted = untilAborted(signal);
  try {
    const metrics = await Promise.race([
      withTimeout(
        scenario.measure({ caseDefinition: live.definition, client: live.client, target: live.target, timeoutMs }),
        timeoutMs + HARNESS_TIMEOUT_MARGIN_MS,
        `sample ${index} of ${live.definition.id}`,
      ),
      interrupted.promise,
    ]);
    return metrics === null ? null : { index, status: 'ok', startedAt, metrics };
  } catch (error) {
    return signal?.aborted ? null : { index, status: 'failed', error: errorMessage(error), startedAt, metrics: {} };
  } finally {
    interrupted.dispose();
  }
}

function summarizeCase(live: LiveCase, warmup: number): ResultCase {
  const okSamples = live.samples.filter((sample) => sample.status === 'ok');
  const metricNames = [...new Set(okSamples.flatMap((sample) => Object.keys(sample.metrics)))].sort();
  const summary: ResultCase['summary'] = {};
  for (const name of metricNames) {
    const values = okSamples.map((sample) => sample.metrics[name]).filter((v): v is number => v !== undefined);
    const stats = summarize(values);
    if (stats) summary[name] = stats;
  }
  const timingSources: ResultCase['timingSources'] = {};
  for (const [metric, source] of Object.entries(live.client.timingSources)) {
    if (metricNames.includes(metric)) timingSources[metric] = source;
  }
  return {
    id: live.definition.id,
    protocol: live.definition.protocol,
    application: live.definition.application,
    client: live.client.info(),
    server: { implementation: live.definition.server, version: 'unknown', settings: {} },
    parameters: live.definition.parameters,
    timingSources,
    warmupSamples: warmup,
    samples: live.samples,
    summary,
  };
}

export async function runScenario(scenario: ScenarioDefinition, options: RunOptions): Promise<ResultDocument> {
  const startedAt = new Date();
  const progress = options.onProgress ?? (() => {});
  const errors: string[] = [];
  const servers = new Map<ServerName, { endpoint: ServerEndpoint; address: ServerAddress }>();
  const live: LiveCase[] = [];
  let status: ResultDocument['status'] = 'completed';
  try {
    for (const definition of scenario.cases) {
      if (!servers.has(definition.server)) {
        progress({ kind: 'setup', message: `starting ${definition.server} server` });
        const endpoint = options.endpoints.server(definition.server);
        const address = await endpoint.start();
        servers.set(definition.server, { endpoint, address });
      }
      const client = options.endpoints.client(definition.client, definition);
      await client.prepare();
      live.push({ definition, client, target: (servers.get(definition.server) as { address: ServerAddress }).address, samples: [] });
    }
    const rounds = options.warmup + options.samples;
    for (let round = 0; round < rounds && !options.signal?.aborted; round++) {
      const warmup = round < options.warmup;
      const index = warmup ? round : round - options.warmup;
      for (let k = 0; k < live.length && !options.signal?.aborted; k++) {
        const current = live[(round + k) % live.length] as LiveCase;
        const sample = await takeSample(scenario, current, index, options.sampleTimeoutMs, options.signal);
        if (sample === null) break;
        if (!warmup) current.samples.push(sample);
        progress({
          kind: 'sample',
          caseId: current.definition.id,
          index,
          samples: warmup ? options.warmup : options.samples,
          warmup,
          status: sample.status,
          ...(sample.error !== undefined ? { error: sample.error } : {}),
        });
      }
    }
    if (options.signal?.aborted) {
      status = 'aborted';
      errors.push(errorMessage(options.signal.reason));
    }
  } catch (error) {
    status = 'failed';
    errors.push(errorMessage(error));
  } finally {
    for (const current of live) {
      try {
        await current.client.close?.();
      } catch (error) {
        errors.push(`closing ${current.client.implementation} client: ${errorMessage(error)}`);
      }
    }
    for (const { endpoint } of servers.values()) {
      try {
        await endpoint.stop();
      } catch (error) {
        errors.push(`stopping ${endpoint.implementation} server: ${errorMessage(error)}`);
      }
    }
  }
  for (const current of live) current.samples.sort((a, b) => a.index - b.index);
  const cases = live.map((current) => {
    const result = summarizeCase(current, options.warmup);
    const server = servers.get(current.definition.server);
    return server ? { ...result, server: server.endpoint.info() } : result;
  });
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: await toolInfo(),
    runId: newRunId(scenario.name, startedAt),
    scenario: scenario.name,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    status,
    errors,
    options: { samples: options.samples, warmup: options.warmup, sampleTimeoutMs: options.sampleTimeoutMs },
    host: hostInfo(),
    link: options.link,
    certificates: options.certificates,
    cases,
  };
}
