// calibration: no endpoints at all. The lab link configured vs achieved (round trip, one-way
// delays, loss, rate), which the run engine measures before every lab run, is the whole result.
import type { ScenarioDefinition } from '../harness/scenario/types.js';

export const calibration: ScenarioDefinition = {
  name: 'calibration',
  abbreviation: 'CAL',
  description: 'The lab link configured vs achieved: round trip (min, median), one-way delays, loss and rate',
  metrics: [],
  defaults: { samples: 1, warmup: 0, sampleTimeoutMs: 1000 },
  cases: [],
  needsLab: 'it measures the lab link',
  measure: async () => ({ metrics: {} }),
};
