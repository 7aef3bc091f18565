// The harness's run loop: start the servers a scenario needs, warm up, then take samples of
// all cases interleaved (each round starts with the next case, so no case always goes
// first), each bounded by a timeout; a failed sample is recorded and the run goes on.
import { newRunId } from '../results/run-id.js';
import {
  capableClient,
  type CapableClient,
  type ClientCapabilities,
  type EndpointCase,
  type EndpointFactory,
  type MessagesClient,
  type Protocol,
  type ServerAddress,
  type ServerEndpoint,
  type TlsMaterial,
} from '../endpoints/types.js';
import type { ImplementationDescriptor } from '../endpoints/descriptor.js';
import { IMPLEMENTATIONS } from '../endpoints/implementations.js';
import { clientRole, serverRole } from '../endpoints/registry.js';
import type { WireTap } from '../capture/wire-tap.js';
import type { LinkInfo, ResultCase, ResultDocument, Sample, CertificatesInfo, RunTrigger, TargetInfo } from '../results/schema.js';
import { SCHEMA_VERSION } from '../results/schema.js';
import { parametersOf, workloadSchema } from '../results/workload.js';
import { hostInfo, toolInfo } from '../results/environment.js';
import {
  certificateOf,
  changesLink,
  companionFlowsOf,
  labBodyPath,
  messageProbeOf,
  sessionOf,
  type AnyScenario,
  type CaseDefinition,
  type CertificateSpec,
  type CompanionEndpoints,
  type LinkControl,
  type QueueRecorder,
} from '../scenario/types.js';
import type { CompetitionFlow, MessageProbe } from '../results/workload.js';
import { caseNeeds } from '../scenario/matrix.js';
import type { WireConnection } from '../capture/wire-analysis.js';
import { completeSamples } from './pipeline.js';
import { LINK_DROP_METRICS, linkDropMetrics, type DropCounters } from '../measure/link-drops.js';
import { WIRE_TIMING_METRICS, WIRE_TIMING_SOURCE, type SampleWindow } from './wire-stage.js';
import { afterServerDeath, deathOf, notRunSample, withDeath, type RunServer } from './server-restart.js';
import { assembleDocument, type CaseHead, type DocumentHead } from './document.js';
import type { SampleJournal } from './journal.js';

/** A PKI made for one case (the certificate sweep). */
export interface CaseCertificates {
  material: TlsMaterial;
  info: CertificatesInfo;
}

/** What the run reports as it goes: setup steps, and each sample with the run's overall count (cli/progress.ts shows it). */
export type ProgressEvent =
  | { kind: 'setup'; message: string }
  | {
      kind: 'sample';
      caseId: string;
      index: number;
      samples: number;
      warmup: boolean;
      status: 'ok' | 'failed';
      error?: string;
      /** Samples taken so far in the run (warm-up included), of `total`, and the time they took. */
      done: number;
      total: number;
      elapsedMs: number;
    };

export interface RunOptions {
  /** The run's id (default a new one): the capture's kept files carry it too. */
  runId?: string;
  samples: number;
  warmup: number;
  sampleTimeoutMs: number;
  tls: TlsMaterial;
  certificates: CertificatesInfo;
  /** PKIs for cases with a certificate of their own. */
  certificatesFor?: (spec: CertificateSpec) => Promise<CaseCertificates>;
  wireTap?: WireTap;
  /** Sets a case's impairment on the lab link before its samples (cases with `impairment`). */
  setImpairment?: (impairment: CaseDefinition['impairment']) => Promise<void>;
  /** Live control of the lab link, for scenarios that change it mid-sample (migration); the loop restores it between samples. */
  linkControl?: LinkControl;
  /** The lab emulator's counters (read, never reset): each sample records the drops by cause during it. */
  linkStats?: () => Promise<DropCounters>;
  /** The lab emulator's queue recording, for scenarios that record the queue during a sample (competition). */
  queueRecorder?: QueueRecorder;
  /** The lab's namespaces, for scenarios that read kernel counters there; absent on loopback. */
  namespaces?: { client: string; server: string };
  /** The run's calibrated round trip: timings are also given in round trips (lab runs). */
  roundTripMs?: number;
  link: LinkInfo;
  endpoints: EndpointFactory;
  /** Where the recorded names of unsupported cases' implementations are looked up (default: all the lab's). */
  implementations?: readonly ImplementationDescriptor[];
  signal?: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
  /** Resolves when the lab's link is gone (its emulator died): the sample in flight fails at once and the run ends. */
  linkLost?: Promise<string>;
  /** Told the document's head before the first sample and each sample as it completes (the run's journal). */
  journal?: SampleJournal;
  /** How the run was started (campaigns): recorded in the document. */
  trigger?: RunTrigger;
  /** Where the servers serve a body of N bytes (default "/N"; a remote target's URL template). */
  bodyPath?: (bytes: number) => string;
  /** A remote target instead of the lab's servers: recorded in the document. */
  target?: TargetInfo;
}

interface LiveCase {
  definition: CaseDefinition;
  /** The client, typed for what the case needs of it. */
  capable: CapableClient;
  server: ServerEndpoint;
  /** Its entry in the run's servers (restarts after a death). */
  runServer: RunServer;
  target: ServerAddress;
  samples: Sample[];
  /** When each recorded sample ran (epoch ms), to find its connections in a capture. */
  windows: Map<number, SampleWindow>;
  certificates?: CertificatesInfo;
  /** A competition's other flows: each one's client and server (the server's address read at each sample: it may have restarted). */
  companions: Array<{ flow: CompetitionFlow; client: ExchangeCapable; runServer: RunServer }>;
  /** A competition's message probe: its realtime client and server. */
  messageProbe?: { probe: MessageProbe; client: MessagesClient; runServer: RunServer };
}

type ExchangeCapable = CompanionEndpoints['client'];

/** Endpoints enforce a sample's timeout themselves (and say why); the harness's own stop comes later. */
const HARNESS_TIMEOUT_MARGIN_MS = 5000;

/** Rejects after `timeoutMs`; dispose() clears the timer (also when something else won the race). */
function deadline(timeoutMs: number, what: string): { promise: Promise<never>; dispose: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  return { promise, dispose: () => clearTimeout(timer) };
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

/** Reads the emulator's counters now; after() reads them again and gives the drops by cause in between. */
async function linkDropsDuring(linkStats: () => Promise<DropCounters>): Promise<{ after: () => Promise<{ metrics?: Record<string, number>; problem?: string }> }> {
  const problem = (error: unknown) => ({ problem: `link drops not recorded: ${errorMessage(error)}` });
  const before = await linkStats().catch((error: unknown) => problem(error));
  return {
    after: async () => {
      if ('problem' in before) return before;
      const after = await linkStats().catch((error: unknown) => problem(error));
      if ('problem' in after) return after;
      const metrics = linkDropMetrics(before, after);
      return metrics === null ? { problem: 'link drops not recorded: the emulator counters were reset during the sample' } : { metrics };
    },
  };
}

/** One sample; null when the run was interrupted while it was being taken (it is dropped). */
async function takeSample(
  scenario: AnyScenario,
  live: LiveCase,
  index: number,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  namespaces: RunOptions['namespaces'],
  link: RunOptions['linkControl'],
  linkStats: RunOptions['linkStats'],
  linkLost: RunOptions['linkLost'],
  bodyPath: (bytes: number) => string,
  queue: RunOptions['queueRecorder'],
): Promise<{ sample: Sample; window: SampleWindow } | null> {
  const counters = linkStats === undefined ? undefined : await linkDropsDuring(linkStats);
  const startEpochMs = Date.now();
  const startedAt = new Date(startEpochMs).toISOString();
  const windowUntilNow = (): SampleWindow => ({ startEpochMs, endEpochMs: Date.now() });
  const interrupted = untilAborted(signal);
  const timeout = deadline(timeoutMs + HARNESS_TIMEOUT_MARGIN_MS, `sample ${index} of ${live.definition.id}`);
  try {
    const measured = await Promise.race([
      scenario.measure({
        caseDefinition: live.definition,
        ...live.capable,
        server: live.server,
        target: live.target,
        bodyPath,
        timeoutMs,
        ...(namespaces !== undefined ? { namespaces } : {}),
        ...(link !== undefined ? { link } : {}),
        ...(live.companions.length > 0 ? { companions: live.companions.map(({ flow, client, runServer }) => ({ flow, client, server: runServer.endpoint, target: runServer.address })) } : {}),
        ...(live.messageProbe !== undefined
          ? { messageProbe: { probe: live.messageProbe.probe, client: live.messageProbe.client, server: live.messageProbe.runServer.endpoint, target: live.messageProbe.runServer.address } }
          : {}),
        ...(queue !== undefined ? { queue } : {}),
      }),
      timeout.promise,
      interrupted.promise,
      // The link's death ends the sample at once: it could only time out.
      ...(linkLost ? [linkLost.then((reason) => ({ linkLost: reason }))] : []),
    ]);
    if (measured === null) return null;
    const window = windowUntilNow();
    if ('linkLost' in measured) return { sample: { index, status: 'failed', error: "the lab's link went down", startedAt, metrics: {} }, window };
    const { series, clientAlpn } = measured;
    const drops = await counters?.after();
    const metrics = { ...measured.metrics, ...drops?.metrics };
    const flagged = [...(measured.flags ?? []), ...(drops?.problem !== undefined ? [drops.problem] : [])];
    const flags = flagged.length > 0 ? { flags: flagged } : {};
    const negotiated = clientAlpn !== undefined ? { negotiated: { clientAlpn } } : {};
    return { sample: { index, status: 'ok', startedAt, metrics, ...(series !== undefined ? { series } : {}), ...flags, ...negotiated }, window };
  } catch (error) {
    return signal?.aborted ? null : { sample: { index, status: 'failed', error: errorMessage(error), startedAt, metrics: {} }, window: windowUntilNow() };
  } finally {
    interrupted.dispose();
    timeout.dispose();
  }
}

/** What a case asks for, as recorded: its workload, and the flat parameters derived from it. */
type RecordedWorkload = Pick<ResultCase, 'workload' | 'parameters'>;

function caseWorkload(definition: CaseDefinition): RecordedWorkload {
  const checked = workloadSchema.safeParse(definition.workload);
  if (!checked.success) throw new Error(`case ${definition.id}: its workload cannot be recorded (${checked.error.issues[0]?.path.join('.') ?? ''}: ${checked.error.issues[0]?.message ?? 'invalid'})`);
  return { workload: checked.data, parameters: parametersOf(checked.data) };
}

function certificateKey(spec: CertificateSpec | undefined): string {
  return spec === undefined ? 'lab' : `${spec.keyType}/${spec.intermediates}`;
}

/** A case that is not run: unsupported by its endpoints, or one of them not installed. */
function unsupportedCase(definition: CaseDefinition, recorded: RecordedWorkload, warmup: number, implementations: readonly ImplementationDescriptor[]): CaseHead {
  // Never started, so the version is not known; the name is the one a run would record.
  const unknown = (implementation: string) => ({ implementation, version: 'unknown', settings: {} });
  return {
    id: definition.id,
    protocol: definition.protocol,
    application: definition.application,
    client: unknown(clientRole(definition.client, implementations).implementation),
    server: unknown(serverRole(definition.server, implementations).implementation),
    ...recorded,
    ...(definition.unsupported !== undefined ? { unsupported: definition.unsupported } : { unavailable: definition.unavailable ?? 'not installed' }),
    timingSources: {},
    warmupSamples: warmup,
  };
}

/** A measured case as the result records it, before its samples: every timing source its client may give. */
function caseHead(live: LiveCase, recorded: RecordedWorkload, warmup: number): CaseHead {
  const timingSources: CaseHead['timingSources'] = { ...live.capable.client.timingSources };
  for (const metric of WIRE_TIMING_METRICS) timingSources[metric] = WIRE_TIMING_SOURCE;
  return {
    id: live.definition.id,
    protocol: live.definition.protocol,
    application: live.definition.application,
    client: live.capable.client.info(),
    server: live.server.info(),
    ...recorded,
    ...(live.certificates !== undefined ? { certificates: live.certificates } : {}),
    ...(live.companions.length > 0 ? { companions: live.companions.map(({ flow, client, runServer }) => ({ flow: flow.id, client: client.info(), server: runServer.endpoint.info() })) } : {}),
    ...(live.messageProbe !== undefined ? { messageProbe: { id: live.messageProbe.probe.id, client: live.messageProbe.client.info(), server: live.messageProbe.runServer.endpoint.info() } } : {}),
    timingSources,
    warmupSamples: warmup,
  };
}

export async function runScenario(scenario: AnyScenario, options: RunOptions): Promise<ResultDocument> {
  const startedAt = new Date();
  const progress = options.onProgress ?? (() => {});
  const errors: string[] = [];
  // One server per (implementation, certificate): the sweep gives each PKI its own server.
  // A server that speaks both transports (Caddy) is captured on each its cases use.
  const servers = new Map<string, RunServer & { protocols: Set<Protocol> }>();
  const live: LiveCase[] = [];
  // Companion flows' clients, closed with the cases' own at the end (also when a later case fails to start).
  const companionClients: Array<{ implementation: string; close?: () => Promise<void> }> = [];
  const unsupported = new Map<string, CaseHead>();
  const runId = options.runId ?? newRunId(scenario.name, startedAt);
  const tool = await toolInfo();
  let status: ResultDocument['status'] = 'completed';
  let wireStarted = false;
  let connections: WireConnection[] | undefined;
  // A case whose workload the result cannot record fails now, before anything starts.
  const recorded = new Map(scenario.cases.map((definition) => [definition.id, caseWorkload(definition)]));
  const recordedOf = (definition: CaseDefinition): RecordedWorkload => recorded.get(definition.id) as RecordedWorkload;
  // In the scenario's order, unsupported variants included, so a report shows every gap.
  const head = (): DocumentHead => ({
    document: {
      schemaVersion: SCHEMA_VERSION,
      tool,
      runId,
      scenario: scenario.name,
      startedAt: startedAt.toISOString(),
      options: { samples: options.samples, warmup: options.warmup, sampleTimeoutMs: options.sampleTimeoutMs },
      host: hostInfo(),
      link: options.link,
      certificates: options.certificates,
      ...(options.trigger ? { trigger: options.trigger } : {}),
      ...(options.target ? { target: options.target } : {}),
    },
    cases: scenario.cases
      .map((definition) => {
        const current = live.find((c) => c.definition.id === definition.id);
        return current ? caseHead(current, recordedOf(definition), options.warmup) : unsupported.get(definition.id);
      })
      .filter((c): c is CaseHead => c !== undefined),
    declaredMetrics: [...scenario.metrics, ...LINK_DROP_METRICS],
    verdicts: scenario.check !== undefined,
    headline: [...(scenario.headline ?? scenario.metrics.map((m) => m.name))],
  });
  let linkGone: string | undefined;
  void options.linkLost?.then((reason) => (linkGone = reason));
  try {
    for (const definition of scenario.cases) {
      if (definition.unsupported !== undefined || definition.unavailable !== undefined) {
        unsupported.set(definition.id, unsupportedCase(definition, recordedOf(definition), options.warmup, options.implementations ?? IMPLEMENTATIONS));
        continue;
      }
      let tls = options.tls;
      let certificates: CertificatesInfo | undefined;
      const certificate = certificateOf(definition);
      if (certificate !== undefined) {
        if (!options.certificatesFor) throw new Error(`case ${definition.id} needs its own certificate, but the run has no PKI maker`);
        progress({ kind: 'setup', message: `making certificates ${certificateKey(certificate)}` });
        ({ material: tls, info: certificates } = await options.certificatesFor(certificate));
      }
      // One server per (implementation, certificate), unless it serves one client at a time (iperf3): then one per flow.
      const serverFor = async (name: CaseDefinition['server'], protocol: Protocol, flowId: string): Promise<RunServer> => {
        const single = serverRole(name, options.implementations ?? IMPLEMENTATIONS).oneClientAtATime !== undefined;
        const serverKey = `${name}|${certificateKey(certificate)}${single ? `|${definition.id}/${flowId}` : ''}`;
        if (!servers.has(serverKey)) {
          progress({ kind: 'setup', message: `starting the ${name} server${certificate ? ` (certificate ${certificateKey(certificate)})` : ''}${single ? ` for ${definition.id}` : ''}` });
          const endpoint = options.endpoints.server(name, tls);
          // A server that fails to start is stopped all the same: it may have started processes.
          const address = await endpoint.start().catch(async (error: unknown) => {
            await endpoint.stop().catch(() => undefined);
            throw error;
          });
          servers.set(serverKey, { endpoint, address, protocols: new Set(), restarts: 0 });
        }
        const server = servers.get(serverKey) as RunServer & { protocols: Set<Protocol> };
        server.protocols.add(protocol);
        return server;
      };
      const companionFlows = companionFlowsOf(definition);
      const ownFlowId = definition.workload.kind === 'competition' ? (definition.workload.flows[0]?.id ?? 'own') : 'own';
      const server = await serverFor(definition.server, definition.protocol, ownFlowId);
      // A companion's client, prepared (closed at once when that fails: it is in no case yet), closed at the end with the cases' own.
      const companionClient = async <N extends 'exchange' | 'messages'>(name: string, spec: EndpointCase, needs: N, what: string): Promise<ClientCapabilities[N]> => {
        const companion = options.endpoints.client(name as CaseDefinition['client'], spec, tls);
        const capable = capableClient(companion, needs);
        if (capable?.needs !== needs) throw new Error(`case ${definition.id}: ${what}'s ${companion.implementation} client cannot do what it needs (${needs})`);
        await companion.prepare().catch(async (error: unknown) => {
          await companion.close?.().catch(() => undefined);
          throw error;
        });
        companionClients.push(companion);
        return capable.client as ClientCapabilities[N];
      };
      const companions: LiveCase['companions'] = [];
      for (const flow of companionFlows) {
        const runServer = await serverFor(flow.server as CaseDefinition['server'], flow.protocol, flow.id);
        const spec = { id: `${definition.id}/${flow.id}`, protocol: flow.protocol, application: flow.application, workload: { kind: 'transfer', bodyBytes: flow.bodyBytes, direction: 'down' } } as const;
        companions.push({ flow, client: await companionClient(flow.client, spec, 'exchange', `flow ${flow.id}`), runServer });
      }
      const probe = messageProbeOf(definition);
      let messageProbe: LiveCase['messageProbe'];
      if (probe !== undefined) {
        const runServer = await serverFor(probe.server as CaseDefinition['server'], probe.protocol, `probe-${probe.id}`);
        const spec = { id: `${definition.id}/probe-${probe.id}`, protocol: probe.protocol, application: probe.application, workload: probe.messages };
        messageProbe = { probe, client: await companionClient(probe.client, spec, 'messages', `the message probe ${probe.id}`), runServer };
      }
      const client = options.endpoints.client(definition.client, definition, tls);
      const needs = caseNeeds(scenario, definition);
      const capable = capableClient(client, needs);
      if (!capable) throw new Error(`case ${definition.id}: the ${client.implementation} client cannot do what the case needs (${needs})`);
      if (!client.sessionModes.includes(sessionOf(definition))) {
        throw new Error(`case ${definition.id}: the ${client.implementation} client cannot do session mode "${sessionOf(definition)}"`);
      }
      // A client whose preparation fails is closed at once: it is in no case yet, so nothing else would.
      await client.prepare().catch(async (error: unknown) => {
        await client.close?.().catch(() => undefined);
        throw error;
      });
      live.push({
        definition,
        capable,
        server: server.endpoint,
        runServer: server,
        target: server.address,
        samples: [],
        windows: new Map(),
        companions,
        ...(messageProbe !== undefined ? { messageProbe } : {}),
        ...(certificates ? { certificates } : {}),
      });
    }
    if (options.wireTap && scenario.wireTruth) {
      progress({ kind: 'setup', message: 'starting the packet capture' });
      await options.wireTap.start([...servers.values()].flatMap(({ address, protocols }) => [...protocols].map((protocol) => ({ address, protocol }))));
      wireStarted = true;
    }
    await options.journal?.begin(head());
    const rounds = options.warmup + options.samples;
    const total = rounds * live.length;
    const loopStartedMs = Date.now();
    let done = 0;
    let currentImpairment: CaseDefinition['impairment'];
    let previousChangedLink = false;
    const goOn = (): boolean => !options.signal?.aborted && linkGone === undefined;
    for (let round = 0; round < rounds && goOn(); round++) {
      const warmup = round < options.warmup;
      const index = warmup ? round : round - options.warmup;
      for (let k = 0; k < live.length && goOn(); k++) {
        const current = live[(round + k) % live.length] as LiveCase;
        if (current.definition.impairment !== undefined || currentImpairment !== undefined) {
          const wanted = current.definition.impairment;
          if (JSON.stringify(wanted) !== JSON.stringify(currentImpairment)) {
            if (!options.setImpairment) throw new Error(`case ${current.definition.id} impairs the link, which needs the lab's emulator (add link options)`);
            await options.setImpairment(wanted);
            currentImpairment = wanted;
          }
        }
        // Every sample starts from the same link: what the previous sample changed (a rebinding) is undone.
        if (changesLink(current.definition) || previousChangedLink) await options.linkControl?.restore();
        previousChangedLink = changesLink(current.definition);
        const what = `${warmup ? 'warm-up ' : ''}sample ${index} of ${current.definition.id}`;
        const restarted = (address: ServerAddress): void => {
          for (const other of live) if (other.runServer === current.runServer) other.target = address;
        };
        const deadBefore = current.runServer.gaveUp === undefined ? deathOf(current.runServer) : null;
        if (deadBefore !== null) errors.push(await afterServerDeath(current.runServer, `${deadBefore} before ${what}`, restarted));
        const gaveUp = current.runServer.gaveUp;
        const taken =
          gaveUp !== undefined
            ? { sample: notRunSample(index, gaveUp), window: { startEpochMs: Date.now(), endEpochMs: Date.now() } }
            : await takeSample(
                scenario,
                current,
                index,
                Math.min(options.sampleTimeoutMs, current.definition.timeoutMs ?? Infinity),
                options.signal,
                options.namespaces,
                options.linkControl,
                options.linkStats,
                options.linkLost,
                options.bodyPath ?? labBodyPath,
                options.queueRecorder,
              );
        if (taken === null) break;
        if (linkGone !== undefined) {
          // Without its link the lab measures nothing more: this sample fails, the run ends.
          taken.sample = withDeath(taken.sample, `${linkGone} during ${what}`);
          status = 'failed';
          errors.push(`${linkGone} during ${what}: the run ends, the samples taken are kept`);
        }
        const deadAfter = gaveUp === undefined ? deathOf(current.runServer) : null;
        if (deadAfter !== null) {
          taken.sample = withDeath(taken.sample, `${deadAfter} during ${what}`);
          errors.push(await afterServerDeath(current.runServer, `${deadAfter} during ${what}`, restarted));
        }
        const { sample } = taken;
        if (!warmup) {
          current.samples.push(sample);
          current.windows.set(sample.index, taken.window);
          await options.journal?.sample(current.definition.id, sample);
        }
        done++;
        progress({
          kind: 'sample',
          done,
          total,
          elapsedMs: Date.now() - loopStartedMs,
          caseId: current.definition.id,
          index,
          samples: warmup ? options.warmup : options.samples,
          warmup,
          status: sample.status,
          ...(sample.error !== undefined ? { error: sample.error } : {}),
        });
      }
    }
    if (linkGone !== undefined && status !== 'failed') {
      status = 'failed';
      errors.push(`${linkGone} between samples: the run ends, the samples taken are kept`);
    }
    if (options.signal?.aborted) {
      status = 'aborted';
      errors.push(errorMessage(options.signal.reason));
    }
  } catch (error) {
    status = 'failed';
    errors.push(errorMessage(error));
  } finally {
    if (wireStarted) {
      try {
        // An interrupted run stops the capture but does not wait for its analysis.
        const finished = await (options.wireTap as WireTap).finish(!options.signal?.aborted);
        errors.push(...finished.problems.map((problem) => `packet capture: ${problem}`));
        connections = finished.connections;
      } catch (error) {
        errors.push(`packet capture: ${errorMessage(error)}`);
      }
    }
    for (const client of [...live.map((current) => current.capable.client), ...companionClients]) {
      try {
        await client.close?.();
      } catch (error) {
        errors.push(`closing ${client.implementation} client: ${errorMessage(error)}`);
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
  const staged = completeSamples(
    live.map((current) => ({
      definition: current.definition,
      samples: current.samples,
      timingSources: current.capable.client.timingSources,
      serverPort: current.target.port,
      windows: current.windows,
      scenarioWireMetrics: scenario.wireMetrics,
    })),
    {
      ...(connections ? { connections } : {}),
      ...(scenario.deriveMetrics ? { deriveMetrics: scenario.deriveMetrics } : {}),
      ...(options.roundTripMs !== undefined ? { roundTripMs: options.roundTripMs } : {}),
      ...(options.link.configured?.payloadCapacity !== undefined ? { payloadCapacity: options.link.configured.payloadCapacity } : {}),
      ...(scenario.check ? { check: scenario.check } : {}),
    },
  );
  const stagedOf = new Map(live.map((current, k) => [current.definition.id, staged[k] ?? []]));
  return assembleDocument(head(), (caseId) => stagedOf.get(caseId) ?? [], { status, errors, finishedAt: new Date().toISOString() });
}
