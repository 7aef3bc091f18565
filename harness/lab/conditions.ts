// Link conditions: what the lab does to packets in each direction ("up" is client to server).
// Built from a named profile and/or options; the same string syntax serves both.
import { parseBurstLoss, parsePercentFraction, parseQueueLimit, parseRateBitsPerSecond, parseTimeMs, UnitError } from './units.js';

// The shapes live with the result schema that records them (results/link.ts).
import type { DirectionConditions, GilbertElliott, LinkConditions, Outage } from '../results/link.js';
export type { DirectionConditions, GilbertElliott, LinkConditions, Outage, QueueLimit, Rebind } from '../results/link.js';

export const NO_IMPAIRMENT: DirectionConditions = {
  delayMs: 0,
  jitterMs: 0,
  jitterReorders: false,
  lossRate: 0,
  burstLoss: null,
  reorderRate: 0,
  duplicateRate: 0,
  corruptRate: 0,
  rateBitsPerSecond: null,
  queue: null,
};

/** The textual settings a profile or a set of options gives for one direction. */
export interface DirectionSettings {
  delay?: string;
  jitter?: string;
  jitterReorders?: boolean;
  loss?: string;
  burstLoss?: string;
  burstMax?: number;
  reorder?: string;
  duplicate?: string;
  corrupt?: string;
  rate?: string;
  queue?: string;
}

/** Gilbert-Elliott parameters for an average loss rate in bursts of a mean length. */
export function gilbertElliottFor(lossRate: number, meanBurstPackets: number, maxBurstPackets: number | null = null): GilbertElliott {
  const badToGood = 1 / meanBurstPackets;
  // The bad state's stationary share p/(p+r) equals the loss rate when the bad state drops all.
  const goodToBad = (lossRate * badToGood) / (1 - lossRate);
  return { goodToBad, badToGood, lossInBad: 1, maxBurstPackets };
}

/** Average loss a direction is configured for: random loss and the Gilbert-Elliott stationary loss. */
export function averageLossRate(d: DirectionConditions): number {
  let burst = 0;
  if (d.burstLoss) {
    const { goodToBad, badToGood, lossInBad } = d.burstLoss;
    burst = goodToBad + badToGood > 0 ? (goodToBad / (goodToBad + badToGood)) * lossInBad : 0;
  }
  return 1 - (1 - d.lossRate) * (1 - burst);
}

/** Applies textual settings over `base`; throws UnitError naming the bad value. */
/**
 * `where` prefixes an error ("profile 4g: ..."); with `flagPrefix` ("--", "--up-") the error
 * names the option typed instead ('--up-delay "5" needs a unit').
 */
export function applySettings(base: DirectionConditions, settings: DirectionSettings, where: string, flagPrefix?: string): DirectionConditions {
  const next = { ...base };
  const name = (setting: string): string => (flagPrefix === undefined ? setting : `${flagPrefix}${setting.replace(/ /g, '-')}`);
  const wrap = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (error) {
      throw new UnitError(flagPrefix === undefined ? `${where}: ${(error as Error).message}` : (error as Error).message);
    }
  };
  if (settings.delay !== undefined) next.delayMs = wrap(() => parseTimeMs(settings.delay as string, name('delay')));
  if (settings.jitter !== undefined) next.jitterMs = wrap(() => parseTimeMs(settings.jitter as string, name('jitter')));
  if (settings.jitterReorders !== undefined) next.jitterReorders = settings.jitterReorders;
  if (settings.loss !== undefined) next.lossRate = wrap(() => parsePercentFraction(settings.loss as string, name('loss')));
  if (settings.burstLoss !== undefined) {
    const burst = wrap(() => parseBurstLoss(settings.burstLoss as string, name('burst loss')));
    next.burstLoss = gilbertElliottFor(burst.lossRate, burst.meanBurstPackets, settings.burstMax ?? null);
  }
  if (settings.reorder !== undefined) next.reorderRate = wrap(() => parsePercentFraction(settings.reorder as string, name('reorder')));
  if (settings.duplicate !== undefined) next.duplicateRate = wrap(() => parsePercentFraction(settings.duplicate as string, name('duplicate')));
  if (settings.corrupt !== undefined) next.corruptRate = wrap(() => parsePercentFraction(settings.corrupt as string, name('corrupt')));
  if (settings.rate !== undefined) next.rateBitsPerSecond = wrap(() => parseRateBitsPerSecond(settings.rate as string, name('rate')));
  if (settings.queue !== undefined) next.queue = wrap(() => parseQueueLimit(settings.queue as string, name('queue')));
  return next;
}

/** The lab links' MTU: queue limits in packets convert to bytes with it. */
export const MTU_BYTES = 1500;
/** The default queue's floor: a bandwidth-delay product smaller than this many full packets is raised to it. */
export const MIN_QUEUE_PACKETS = 10;

/** One bandwidth-delay product of the whole round trip, at least ten full packets. */
/** One direction's bandwidth-delay product (its rate over the round trip); null without a rate limit. */
export function directionBdpBytes(conditions: LinkConditions, direction: 'up' | 'down'): number | null {
  const rate = conditions[direction].rateBitsPerSecond;
  if (rate === null) return null;
  return Math.ceil((rate * (conditions.up.delayMs + conditions.down.delayMs)) / 1000 / 8);
}

export function defaultQueueBytes(conditions: LinkConditions, direction: 'up' | 'down'): number | null {
  const bdpBytes = directionBdpBytes(conditions, direction);
  return bdpBytes === null ? null : Math.max(bdpBytes, MIN_QUEUE_PACKETS * MTU_BYTES);
}

/** An on/off cycle: `onMs` of service, then `offMs` of blackhole, repeated. */
export function outageCycle(onMs: number, offMs: number): Outage {
  return { startMs: onMs, durationMs: offMs, periodMs: onMs + offMs, direction: 'both' };
}

export function roundTripMs(conditions: LinkConditions): number {
  return conditions.up.delayMs + conditions.down.delayMs;
}
