// A scenario as one run will execute it: its cases for the sizes, direction or object sets
// asked for, narrowed to some variants, and spread over chosen servers x clients. Every
// refusal is a RunOptionsError, thrown before anything is set up.
import { expandMatrix } from '../scenario/matrix.js';
import { selectCases, UnknownVariantError } from '../scenario/select.js';
import type { CaseDefinition, ClientName, ContestOptions, MessageOptions, ObjectSet, AnyScenario, ServerName } from '../scenario/types.js';
import { RunOptionsError } from './options.js';

export interface ScenarioShape {
  sizesBytes?: readonly number[];
  direction?: 'down' | 'up';
  objects?: readonly ObjectSet[];
  /** Message scenarios: any of size, rate and duration (the rest the scenario's defaults). */
  messages?: Partial<MessageOptions>;
  /** Competition scenarios: the link's down rate and the run's controller (always), and any of duration and stagger. */
  contest?: Partial<Pick<ContestOptions, 'durationMs' | 'staggerMs' | 'mixes' | 'messageProbe'>> & Pick<ContestOptions, 'downRateBitsPerSecond' | 'congestionControl'>;
  /** Case ids to keep (--variants). */
  variants?: readonly string[];
  servers?: readonly ServerName[];
  clients?: readonly ClientName[];
}

/** A scenario's cases for the sizes or objects asked for; a scenario that refuses them says why. */
function casesFor(make: () => CaseDefinition[]): CaseDefinition[] {
  try {
    return make();
  } catch (error) {
    throw new RunOptionsError(error instanceof Error ? error.message : String(error));
  }
}

export function shapeScenario(found: AnyScenario, shape: ScenarioShape): AnyScenario {
  let scenario = found;
  if (shape.sizesBytes !== undefined || shape.direction !== undefined) {
    const transfers = found.transfers;
    if (!transfers) throw new RunOptionsError(`--sizes, --direction: apply to transfer scenarios, not ${found.name}`);
    const sizesBytes = shape.sizesBytes ?? transfers.defaults.sizesBytes;
    // --sizes alone keeps the scenario's default directions (smb-copy: gets and puts).
    const directions = shape.direction !== undefined ? [shape.direction] : (transfers.defaultDirections ?? [transfers.defaults.direction]);
    scenario = { ...found, cases: casesFor(() => directions.flatMap((direction) => transfers.cases({ sizesBytes, direction }))) };
  }
  if (shape.objects !== undefined) {
    const objectSets = found.objectSets;
    if (!objectSets) throw new RunOptionsError(`--objects: applies to page-load scenarios, not ${found.name}`);
    const sets = shape.objects;
    scenario = { ...scenario, cases: casesFor(() => objectSets.cases(sets)) };
  }
  if (shape.messages !== undefined) {
    const flows = found.messageFlows;
    if (!flows) throw new RunOptionsError(`--message-size, --message-rate, --duration: apply to message scenarios (realtime), not ${found.name}`);
    const options = { ...flows.defaults, ...shape.messages };
    // The sample's bound follows its length (--timeout still overrides it).
    scenario = { ...scenario, cases: casesFor(() => flows.cases(options)), defaults: { ...scenario.defaults, sampleTimeoutMs: flows.sampleTimeoutMs(options) } };
  }
  if (shape.contest !== undefined) {
    const contest = found.contest;
    if (!contest) throw new RunOptionsError(`--stagger, --mix, --message-probe: apply to competition scenarios, not ${found.name}`);
    const options: ContestOptions = { ...contest.defaults, ...shape.contest };
    scenario = { ...scenario, cases: casesFor(() => contest.cases(options)), defaults: { ...scenario.defaults, sampleTimeoutMs: contest.sampleTimeoutMs(options) } };
  }
  if (shape.variants !== undefined) {
    try {
      scenario = selectCases(scenario, shape.variants);
    } catch (error) {
      if (error instanceof UnknownVariantError) throw new RunOptionsError(error.message);
      throw error;
    }
  }
  if (shape.servers !== undefined || shape.clients !== undefined || scenario.everyPair) {
    const base = scenario;
    scenario = expandMatrix(base, { ...(shape.servers ? { servers: shape.servers } : {}), ...(shape.clients ? { clients: shape.clients } : {}) });
    if (scenario.cases.length === 0) {
      const kinds = [...new Set(base.cases.map((c) => `${c.protocol === 'quic' ? 'QUIC' : 'TCP+TLS'} ${c.application}`))].join(', ');
      throw new RunOptionsError(`no case of ${base.name} (${kinds}) can run on --server ${(shape.servers ?? ['its own']).join(',')} with --client ${(shape.clients ?? ['its own']).join(',')}`);
    }
  }
  return scenario;
}
