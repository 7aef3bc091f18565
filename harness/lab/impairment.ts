// A case's extra impairment on top of the run's link, set live on the emulator (loss
// recovery): both directions, and the run's own link restored when the case has none.
import type { DirectionConditions } from './conditions.js';
import { directionConfig } from './emulator-config.js';
import type { Lab } from './lab.js';

export type Impairment = Partial<Pick<DirectionConditions, 'lossRate' | 'burstLoss' | 'reorderRate' | 'jitterMs' | 'jitterReorders'>>;

export async function applyImpairment(lab: Lab, impairment: Impairment | undefined): Promise<void> {
  if (!lab.emulator) throw new Error('impairing the link per case needs the emulator backend');
  const base = lab.conditions;
  const conditions = { ...base, up: { ...base.up, ...impairment }, down: { ...base.down, ...impairment } };
  for (const direction of ['up', 'down'] as const) {
    const config = directionConfig(conditions, direction);
    // A live set leaves out what it does not name: burst loss is switched off explicitly.
    config.gilbertElliott ??= { pGoodToBad: 0, pBadToGood: 1, lossRateBad: 0, lossRateGood: 0 };
    await lab.emulator.set(direction, config);
  }
}
