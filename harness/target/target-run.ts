// A scenario run against a remote target: its cases with the target as their server, and the
// body bytes the run will move, checked against the budget before anything is sent.
import { formatSize } from '../files/sizes.js';
import { sendsBody, type AnyScenario, type CaseDefinition } from '../scenario/types.js';
import type { TargetUrl } from './target-url.js';
import { TargetRequestError } from './target-error.js';

/** What a run against a target is asked for (the CLI's --target, --resolve, --ca, --via-lab, --max-bytes). */
export interface TargetRequest {
  url: TargetUrl;
  /** curl's HOST:PORT:ADDRESS; without it the name is resolved once, by DNS. */
  resolve?: string;
  /** CA certificate(s) to verify the target against; default the system's trust store. */
  caFile?: string;
  /** Through the lab's emulated link and out of the host (NAT), instead of directly. */
  viaLab: boolean;
  /** Body bytes the run may move at most, every sample and warm-up included. */
  maxBytes: number;
}

/** 1 GB: a default handshake run moves 0.2 MB, a default throughput run 0.2 GB. */
export const DEFAULT_TARGET_MAX_BYTES = 1_000_000_000;

/** The body bytes one sample of a case moves (a handshake's small GET, a transfer, a page's objects). */
export function sampleBodyBytes(definition: Pick<CaseDefinition, 'workload'>): number {
  const workload = definition.workload;
  switch (workload.kind) {
    case 'handshake':
    case 'transfer':
    case 'copy':
      return workload.bodyBytes;
    case 'batch':
      return workload.objects * workload.objectBytes;
    case 'messages':
      return workload.count * workload.messageBytes;
    case 'competition':
      return workload.flows.reduce((sum, f) => sum + f.bodyBytes, 0);
  }
}

/** Every sample's body bytes, warm-up included, over the cases that will be measured (samples and warm-up: the options', else the scenario's). */
export function plannedBodyBytes(scenario: Pick<AnyScenario, 'cases' | 'defaults'>, options: { samples?: number; warmup?: number }): number {
  const rounds = (options.samples ?? scenario.defaults.samples) + (options.warmup ?? scenario.defaults.warmup);
  return scenario.cases.filter((c) => c.unsupported === undefined && c.unavailable === undefined).reduce((sum, c) => sum + rounds * sampleBodyBytes(c), 0);
}

/** HTTP cases with the target as their server (a case's own client keeps its plain id). */
function retarget(cases: readonly CaseDefinition[]): CaseDefinition[] {
  return cases.filter((c) => c.protocol !== 'tcp' && c.application !== 'none' && c.application !== 'smb3').map((c): CaseDefinition => ({ ...c, server: 'target' }));
}

/**
 * The scenario with the target as every case's server, its sizes and object sets too (before
 * --sizes, --objects and --client shape it); refused when the scenario cannot run against one.
 */
export function scenarioForTarget(scenario: AnyScenario): AnyScenario {
  if (scenario.remoteTarget !== true) throw new TargetRequestError(`--target: ${scenario.name} cannot run against a remote server (handshake, throughput and multiplexing can)`);
  const { transfers, objectSets } = scenario;
  return {
    ...scenario,
    cases: retarget(scenario.cases),
    ...(transfers ? { transfers: { ...transfers, cases: (options) => retarget(transfers.cases(options)) } } : {}),
    ...(objectSets ? { objectSets: { ...objectSets, cases: (sets) => retarget(objectSets.cases(sets)) } } : {}),
    // Against a target the lab's iperf3 reference has no server to run against.
    linkReference: false,
  };
}

/** Refuses what a remote server cannot be asked for, once the scenario is shaped. */
export function checkTargetCases(scenario: Pick<AnyScenario, 'cases'>): void {
  if (scenario.cases.some((c) => sendsBody(c.workload))) throw new TargetRequestError("--target: uploads need a server that takes and checks them (the lab's own); measure downloads (drop --direction up)");
}

/** Refuses a run whose planned bytes exceed the budget, before anything is sent. */
export function checkByteBudget(planned: number, maxBytes: number): void {
  if (planned > maxBytes) {
    throw new TargetRequestError(
      `--target: the run would move ${formatSize(planned)} of bodies (every sample and warm-up), over --max-bytes ${formatSize(maxBytes)}: use fewer --samples or smaller --sizes, or raise --max-bytes`,
    );
  }
}
