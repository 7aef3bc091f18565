// Named link profiles (profiles.json, each with its source) and the resolution of a profile
// plus command-line options into LinkConditions.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { applySettings, NO_IMPAIRMENT, outageCycle, type DirectionSettings, type LinkConditions, type Outage, type Rebind } from './conditions.js';
import { parseSeed, parseTimeMs, UnitError } from './units.js';
import { didYouMean } from '../files/did-you-mean.js';
import { checkConditionsBounds, checkLinkOptionBounds } from './link-bounds.js';
import { projectPath } from '../project-root.js';

const directionSettingsSchema = z
  .object({
    delay: z.string(),
    jitter: z.string(),
    jitterReorders: z.boolean(),
    loss: z.string(),
    burstLoss: z.string(),
    burstMax: z.number().int().positive(),
    reorder: z.string(),
    duplicate: z.string(),
    corrupt: z.string(),
    rate: z.string(),
    queue: z.string(),
  })
  .partial()
  .strict();

const profileSchema = z
  .object({
    description: z.string().min(1),
    source: z.string().min(1),
    both: directionSettingsSchema.optional(),
    up: directionSettingsSchema.optional(),
    down: directionSettingsSchema.optional(),
    outageCycle: z.object({ on: z.string(), off: z.string() }).strict().optional(),
  })
  .strict();

export type LinkProfile = z.infer<typeof profileSchema>;

export const PROFILES_PATH = projectPath('harness/lab/profiles.json');
export const PROFILES: Readonly<Record<string, LinkProfile>> = z.record(z.string(), profileSchema).parse(JSON.parse(readFileSync(PROFILES_PATH, 'utf8')));

export const DEFAULT_SEED = 1;

/** Link options as the CLI gives them (strings with units). */
export interface LinkOptions {
  profile?: string;
  rtt?: string;
  delay?: string;
  upDelay?: string;
  downDelay?: string;
  jitter?: string;
  upJitter?: string;
  downJitter?: string;
  jitterReorders?: boolean;
  loss?: string;
  upLoss?: string;
  downLoss?: string;
  burstLoss?: string;
  reorder?: string;
  duplicate?: string;
  corrupt?: string;
  rate?: string;
  upRate?: string;
  downRate?: string;
  queue?: string;
  seed?: string;
  /** "START+DURATION", e.g. "2s+500ms" (both directions). */
  outage?: string[];
  /** "AT:port" or "AT:address", e.g. "1s:port". */
  rebind?: string[];
}

export function profileNames(): string[] {
  return Object.keys(PROFILES);
}

function parseOutage(value: string): Outage {
  const [start, duration, extra] = value.split('+');
  if (start === undefined || duration === undefined || extra !== undefined) {
    throw new UnitError(`outage "${value}" must be START+DURATION, e.g. 2s+500ms`);
  }
  const durationMs = parseTimeMs(duration, 'outage duration');
  if (durationMs <= 0) throw new UnitError(`outage "${value}" must last longer than 0`);
  return { startMs: parseTimeMs(start, 'outage start'), durationMs, direction: 'both' };
}

function parseRebind(value: string): Rebind {
  const [at, kind, extra] = value.split(':');
  if (at === undefined || (kind !== 'port' && kind !== 'address') || extra !== undefined) {
    throw new UnitError(`rebind "${value}" must be AT:port or AT:address, e.g. 1s:port`);
  }
  return { atMs: parseTimeMs(at, 'rebind time'), kind };
}

function pick(settings: Partial<Record<keyof LinkOptions, unknown>>, map: Record<string, keyof LinkOptions>): DirectionSettings {
  const out: Record<string, unknown> = {};
  for (const [target, source] of Object.entries(map)) if (settings[source] !== undefined) out[target] = settings[source];
  return out;
}

/** Resolves a profile and options into conditions; later, more specific settings win. */
export function resolveLinkConditions(options: LinkOptions): LinkConditions {
  let profile: LinkProfile | undefined;
  if (options.profile !== undefined) {
    profile = PROFILES[options.profile];
    if (!profile) throw new UnitError(`--profile: unknown profile "${options.profile}"${didYouMean(options.profile, profileNames())} (one of: ${profileNames().join(', ')})`);
  }
  checkLinkOptionBounds(options);
  if (options.rtt !== undefined && options.delay !== undefined) {
    throw new UnitError('give --rtt (round trip, split evenly) or --delay (one way, each direction), not both');
  }
  const both: DirectionSettings = pick(options, {
    delay: 'delay',
    jitter: 'jitter',
    jitterReorders: 'jitterReorders',
    loss: 'loss',
    burstLoss: 'burstLoss',
    reorder: 'reorder',
    duplicate: 'duplicate',
    corrupt: 'corrupt',
    rate: 'rate',
    queue: 'queue',
  });
  if (options.rtt !== undefined) both.delay = `${parseTimeMs(options.rtt, '--rtt') / 2}ms`;
  const up = pick(options, { delay: 'upDelay', jitter: 'upJitter', loss: 'upLoss', rate: 'upRate' });
  const down = pick(options, { delay: 'downDelay', jitter: 'downJitter', loss: 'downLoss', rate: 'downRate' });

  const build = (direction: 'up' | 'down', specific: DirectionSettings) => {
    let conditions = NO_IMPAIRMENT;
    const name = options.profile ?? '';
    if (profile?.both) conditions = applySettings(conditions, profile.both, `profile ${name}`);
    if (profile?.[direction]) conditions = applySettings(conditions, profile[direction], `profile ${name} (${direction})`);
    conditions = applySettings(conditions, both, 'options', '--');
    return applySettings(conditions, specific, `options (${direction})`, `--${direction}-`);
  };

  const outages: Outage[] = [];
  if (profile?.outageCycle) {
    outages.push(outageCycle(parseTimeMs(profile.outageCycle.on, 'outage cycle on'), parseTimeMs(profile.outageCycle.off, 'outage cycle off')));
  }
  outages.push(...(options.outage ?? []).map(parseOutage));
  const conditions: LinkConditions = {
    up: build('up', up),
    down: build('down', down),
    outages,
    rebinds: (options.rebind ?? []).map(parseRebind),
    seed: options.seed !== undefined ? parseSeed(options.seed) : DEFAULT_SEED,
  };
  checkConditionsBounds(conditions);
  return conditions;
}
