// One scenario run as flags ask for it: the scenario shaped by its options and the session
// options, checked as far as can be without the lab. The scenario command and campaign files
// share it, so a campaign refuses up front exactly what a scenario run would.
import { findScenario, SCENARIO_NAMES } from '../../scenarios/index.js';
import { didYouMean } from '../files/did-you-mean.js';
import type { LinkConditions } from '../lab/conditions.js';
import { UnitError } from '../lab/units.js';
import { RunOptionsError, type LinkChoice, type RunTrigger, type SessionOptions } from '../run/options.js';
import { shapeScenario, type ScenarioShape } from '../run/shape.js';
import type { AnyScenario, ClientName, MessageOptions, ServerName } from '../scenario/types.js';
import { linkConditionsFrom, wantsLab, type LinkCliOptions } from './link-options.js';
import { UsageError } from './usage-error.js';
import { checkByteBudget, checkTargetCases, DEFAULT_TARGET_MAX_BYTES, plannedBodyBytes, scenarioForTarget, type TargetRequest } from '../target/target-run.js';
import { parseTargetUrl } from '../target/target-url.js';
import { TargetRequestError } from '../target/target-error.js';

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
  /** Message scenarios: bytes per message, messages a second, and how long (ms). */
  messageSize?: number;
  messageRate?: number;
  /** Message scenarios: how long each sample sends; competition: how long the flows compete at a fair share (ms). */
  duration?: number;
  /** Competition: flow k joins k x this after the first (ms). */
  stagger?: number;
  /** Competition: the mixes to run instead of the default pairings, each its flows' names. */
  mix?: string[][];
  /** Competition: a realtime case whose messages probe each mix too. */
  messageProbe?: string;
  capture: boolean;
  keepCaptures?: string;
  /** commander's --no-wait: false when given. */
  wait: boolean;
  server?: ServerName[];
  client?: ClientName[];
  /** A remote server's URL template (https://host/files/{bytes}), and how to reach and trust it. */
  target?: string;
  resolve?: string;
  ca?: string;
  viaLab?: boolean;
  maxBytes?: number;
}

/** The message options given (--message-size, --message-rate, --duration), or undefined for none. */
function messagesShape(options: ScenarioRunFlags, found: AnyScenario): Partial<MessageOptions> | undefined {
  // A competition takes --duration as its own (contestShape).
  const duration = found.contest ? undefined : options.duration;
  if (options.messageSize === undefined && options.messageRate === undefined && duration === undefined) return undefined;
  return {
    ...(options.messageSize !== undefined ? { messageBytes: options.messageSize } : {}),
    ...(options.messageRate !== undefined ? { ratePerSecond: options.messageRate } : {}),
    ...(duration !== undefined ? { durationMs: duration } : {}),
  };
}

/**
 * A competition's options: its flows' sizes follow from the link's down rate (and --duration),
 * so it always gets one; undefined for other scenarios unless --stagger asks (then refused).
 */
function contestShape(options: ScenarioRunFlags, found: AnyScenario, link: LinkChoice): ScenarioShape['contest'] | undefined {
  if (!found.contest) return options.stagger !== undefined || options.mix !== undefined || options.messageProbe !== undefined ? { downRateBitsPerSecond: 0 } : undefined;
  // On loopback the run is refused for wanting the lab; the rate only sizes its cases.
  const rate = link.kind === 'lab' ? link.conditions.down.rateBitsPerSecond : null;
  if (link.kind === 'lab' && rate === null) throw new UsageError(`${found.name}: the link needs a rate limit (--rate, --down-rate or a profile with one): the flows compete for a bottleneck`);
  return {
    downRateBitsPerSecond: rate ?? 1,
    ...(options.cc !== undefined ? { congestionControl: options.cc } : {}),
    ...(options.duration !== undefined ? { durationMs: options.duration } : {}),
    ...(options.stagger !== undefined ? { staggerMs: options.stagger } : {}),
    ...(options.mix !== undefined ? { mixes: options.mix } : {}),
    ...(options.messageProbe !== undefined ? { messageProbe: options.messageProbe } : {}),
  };
}

/** `make()`, its target request errors as usage errors. */
function asUsage<T>(make: () => T): T {
  try {
    return make();
  } catch (error) {
    if (error instanceof TargetRequestError) throw new UsageError(error.message);
    throw error;
  }
}

/** The --target request the flags ask for, or undefined; refuses target flags without --target. */
function targetRequestOf(options: ScenarioRunFlags): TargetRequest | undefined {
  if (options.target === undefined) {
    const stray = (
      [
        ['--resolve', options.resolve],
        ['--ca', options.ca],
        ['--via-lab', options.viaLab],
        ['--max-bytes', options.maxBytes],
      ] as const
    ).find(([, value]) => value !== undefined && value !== false);
    if (stray) throw new UsageError(`${stray[0]} applies to runs against a remote server: add --target URL`);
    return undefined;
  }
  if (options.server !== undefined) throw new UsageError('--server: the target is the server of every case; choose clients with --client');
  const viaLab = options.viaLab === true;
  if (!viaLab && (options.link !== undefined || wantsLab(options))) throw new UsageError("link options with --target need --via-lab (the lab's emulated link between the clients and the target)");
  return {
    url: parseTargetUrl(options.target),
    ...(options.resolve !== undefined ? { resolve: options.resolve } : {}),
    ...(options.ca !== undefined ? { caFile: options.ca } : {}),
    viaLab,
    maxBytes: options.maxBytes ?? DEFAULT_TARGET_MAX_BYTES,
  };
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
  const target = asUsage(() => targetRequestOf(options));
  if (target?.viaLab === true && options.link === 'loopback') throw new UsageError('--via-lab needs the lab: drop --link loopback');
  const { link, usedDefault } = target?.viaLab === false ? { link: { kind: 'direct' } as const, usedDefault: false } : linkChoice(options, defaultProfile);
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
    ...(target !== undefined ? { target } : {}),
  };
  let scenario: AnyScenario;
  try {
    const messages = messagesShape(options, found);
    const contest = contestShape(options, found, link);
    scenario = shapeScenario(target !== undefined ? scenarioForTarget(found) : found, {
      ...(options.sizes !== undefined ? { sizesBytes: options.sizes } : {}),
      ...(options.direction !== undefined ? { direction: options.direction } : {}),
      ...(options.objects !== undefined ? { objects: options.objects } : {}),
      ...(messages ? { messages } : {}),
      ...(contest ? { contest } : {}),
      ...(options.variants !== undefined ? { variants: options.variants } : {}),
      ...(options.server !== undefined ? { servers: options.server } : {}),
      ...(options.client !== undefined ? { clients: options.client } : {}),
    });
    if (target !== undefined) {
      checkTargetCases(scenario);
      checkByteBudget(plannedBodyBytes(scenario, options), target.maxBytes);
    }
  } catch (error) {
    if (error instanceof RunOptionsError || error instanceof TargetRequestError) throw new UsageError(error.message);
    throw error;
  }
  return { found, scenario, sessionOptions, usedDefault, defaultProfile };
}
