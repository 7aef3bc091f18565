// Link options as the command line gives them (strings with units), resolved once into
// LinkConditions: the scenario command and campaign files share them.
import type { BackendChoice, TcpCongestionControl } from '../lab/lab.js';
import { resolveLinkConditions, type LinkOptions } from '../lab/profiles.js';
import type { LinkConditions } from '../lab/conditions.js';

export type LinkBackendOption = BackendChoice | 'loopback';

export interface LinkCliOptions extends LinkOptions {
  link?: LinkBackendOption;
  cc?: TcpCongestionControl;
}

const LINK_OPTION_KEYS = [
  'profile',
  'rtt',
  'delay',
  'upDelay',
  'downDelay',
  'jitter',
  'upJitter',
  'downJitter',
  'jitterReorders',
  'loss',
  'upLoss',
  'downLoss',
  'burstLoss',
  'reorder',
  'duplicate',
  'corrupt',
  'rate',
  'upRate',
  'downRate',
  'queue',
  'seed',
  'outage',
  'rebind',
] as const satisfies ReadonlyArray<keyof LinkOptions>;

/** Just the link options of a command's options (which also hold --samples, --out, ...). */
function linkOptionsOf(options: LinkCliOptions): LinkOptions {
  const picked: Record<string, unknown> = {};
  for (const key of LINK_OPTION_KEYS) if (options[key] !== undefined) picked[key] = options[key];
  return picked;
}

/** Whether any option asks for an impaired link (so loopback would ignore it). */
export function wantsLab(options: LinkCliOptions): boolean {
  return Object.keys(linkOptionsOf(options)).length > 0;
}

export function linkConditionsFrom(options: LinkCliOptions): LinkConditions {
  return resolveLinkConditions(linkOptionsOf(options));
}
