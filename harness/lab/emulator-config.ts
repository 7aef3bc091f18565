// LinkConditions -> the emulator's configuration (pure, unit-tested).
import { defaultQueueBytes, type DirectionConditions, type LinkConditions } from './conditions.js';
import type { DirectionConfig, EmulatorConfig } from './emulator-process.js';
import { LAB_ADDRESSES } from './addresses.js';

/** One direction of the link as the emulator's configuration (also for a live `set`). */
export function directionConfig(conditions: LinkConditions, direction: 'up' | 'down'): DirectionConfig {
  const d: DirectionConditions = conditions[direction];
  const config: DirectionConfig = {
    delayMs: d.delayMs,
    jitterMs: d.jitterMs,
    jitterReorder: d.jitterReorders,
    lossRate: d.lossRate,
    reorderRate: d.reorderRate,
    duplicateRate: d.duplicateRate,
    corruptRate: d.corruptRate,
    rateBitsPerSecond: d.rateBitsPerSecond ?? 0,
  };
  if (d.burstLoss) {
    config.gilbertElliott = {
      pGoodToBad: d.burstLoss.goodToBad,
      pBadToGood: d.burstLoss.badToGood,
      lossRateBad: d.burstLoss.lossInBad,
      lossRateGood: 0,
      ...(d.burstLoss.maxBurstPackets !== null ? { maxBurstPackets: d.burstLoss.maxBurstPackets } : {}),
    };
  }
  if (d.rateBitsPerSecond !== null) {
    if (d.queue && 'packets' in d.queue) config.queuePackets = d.queue.packets;
    else config.queueBytes = d.queue?.bytes ?? (defaultQueueBytes(conditions, direction) as number);
  }
  return config;
}

export function emulatorConfigFor(conditions: LinkConditions): EmulatorConfig {
  return {
    up: directionConfig(conditions, 'up'),
    down: directionConfig(conditions, 'down'),
    seed: conditions.seed,
    outages: conditions.outages.map((o) => ({
      startMs: o.startMs,
      durationMs: o.durationMs,
      direction: o.direction,
      ...(o.periodMs !== undefined ? { periodMs: o.periodMs } : {}),
    })),
    rebinds: conditions.rebinds.map((r) => ({ atMs: r.atMs, kind: r.kind })),
    rebindAddresses: [LAB_ADDRESSES.clientRebindIpv4, LAB_ADDRESSES.clientRebindIpv6],
  };
}
