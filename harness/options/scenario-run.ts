// One scenario run as flags ask for it: the scenario shaped by its options and the session
// options, checked as far as can be without the lab. The scenario command and campaign files
// share it, so a campaign refuses up front exactly what a scenario run would.
import { findScenario, SCENARIO_NAMES } from '../../scenarios/index.js';
import { didYouMean } from '../files/did-you-mean.js';
import type { LinkConditions } from '../lab/conditions.js';
import { UnitError } from '../lab/units.js';
import { RunOptionsError, type LinkChoice, type RunTrigger, type SessionOptions } from '../run/options.js';
import { shapeScenario } from '../run/shape.js';
import type { AnyScenario, ClientName, ServerName } from '../scenario/types.js';
import { linkConditionsFrom, wantsLab, type LinkCliOptions } from './link-options.js';
import { UsageError } from './usage-error.js';

/** The link of a run given no link option: a realistic one, so the first run shows the protocols' real difference. */
export const DEFAULT_PROFILE = 'broadband';

/** What one scenario run is asked for, as the command line gives it (and campaign files, through the same parsers). */
export interface ScenarioRunFlags extends LinkCliOptions {
  samples?: number;
  warmup?: number;
  timeout?: number;
  out?: string;
  resultsDir: string;
  /** How the run was started (campaigns); absent for a run by hand. */
  trigger?: RunTrigger;
  quicInitialRtt?: number;
  variants?: string[];
  sizes?: number[];
  objects?: Array<{ count: number; bytes: number }>;
  direction?: 'down' | 'up';
  capture: boolean;
  keepCaptures?: string;
  /** commander's --no-wait: false when given. */
  wait: boolean;
  server?: ServerName[];
  client?: ClientName[];
}

/** The link the flags ask for: loopback, the lab with the conditions given, or the default profile. */
function linkChoice(options: ScenarioRunFlags, defaultProfile: string): { link: LinkChoice; usedDefault: boolean } {
  if (options.link === 'loopback') {
    if (wantsLab(options)) throw new UsageError('link options need the lab: drop --link loopback');
    return { link: { kind: 'loopback' }, usedDefault: false };
  }
  const usedDefault = options.link === undefined && !wantsLab(options);
  const profile = usedDefault ? defaultProfile : (options.profile ?? null);
  let conditions: LinkConditions;
  try {
    conditions = linkConditionsFrom(usedDefault ? { ...options, profile: defaultProfile } : options);
  } catch (error) {
    if (error instanceof UnitError) throw new UsageError(error.message);
    throw error;
  }
  return { link: { kind: 'lab', conditions, backend: options.link ?? 'auto', profile }, usedDefault };
}

/** A scenario run as the options ask for it, or the reason it would be refused. */
export interface PlannedScenarioRun {
  found: AnyScenario;
  scenario: AnyScenario;
  sessionOptions: SessionOptions;
  /** No link option was given: the scenario's default profile. */
  usedDefault: boolean;
  defaultProfile: string;
}

/**
 * The scenario and session options the flags ask for, checked as far as can be without the
 * lab (the scenario command and campaigns share it). Throws UsageError naming what is wrong.
 */
export function planScenarioRun(name: string, options: ScenarioRunFlags): PlannedScenarioRun {
  const found = findScenario(name);
  if (!found) throw new UsageError(`scenario: unknown "${name}"${didYouMean(name, SCENARIO_NAMES)} (one of: ${SCENARIO_NAMES.join(', ')})`);
  const defaultProfile = found.linkProfile ?? DEFAULT_PROFILE;
  const { link, usedDefault } = linkChoice(options, defaultProfile);
  const sessionOptions: SessionOptions = {
    link,
    ...(options.samples !== undefined ? { samples: options.samples } : {}),
    ...(options.warmup !== undefined ? { warmup: options.warmup } : {}),
    ...(options.timeout !== undefined ? { sampleTimeoutMs: options.timeout } : {}),
    ...(options.cc !== undefined ? { congestionControl: options.cc } : {}),
    ...(options.quicInitialRtt !== undefined ? { quicInitialRttMs: options.quicInitialRtt } : {}),
    capture: options.capture,
    ...(options.keepCaptures !== undefined ? { keepCapturesDir: options.keepCaptures } : {}),
    output: { resultsDir: options.resultsDir, copies: options.out !== undefined ? [options.out] : [] },
    waitForLab: options.wait,
    ...(options.trigger !== undefined ? { trigger: options.trigger } : {}),
  };
  let scenario: AnyScenario;
  try {
    scenario = shapeScenario(found, {
      ...(options.sizes !== undefined ? { sizesBytes: options.sizes } : {}),
      ...(options.direction !== undefined ? { direction: options.direction } : {}),
      ...(options.objects !== undefined ? { objects: options.objects } : {}),
      ...(options.variants !== undefined ? { variants: options.variants } : {}),
      ...(options.server !== undefined ? { servers: options.server } : {}),
      ...(options.client !== undefined ? { clients: options.client } : {}),
    });
  } catch (error) {
    if (error instanceof RunOptionsError) throw new UsageError(error.message);
    throw error;
  }
  return { found, scenario, sessionOptions, usedDefault, defaultProfile };
}
