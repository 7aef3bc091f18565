// The scenario registry: every scenario the CLI can run, by name.
import type { AnyScenario } from '../harness/scenario/types.js';
import { certificateSize } from './certificate-size.js';
import { handshake } from './handshake.js';
import { throughput } from './throughput.js';
import { lossRecovery } from './loss-recovery.js';
import { multiplexing } from './multiplexing.js';
import { migration } from './migration.js';
import { smbCopy } from './smb-copy.js';

export const SCENARIOS: readonly AnyScenario[] = [handshake, certificateSize, throughput, lossRecovery, multiplexing, migration, smbCopy];

/** Not a comparison of endpoints: measures the lab link itself (run by the harness). */
export const CALIBRATION = {
  name: 'calibration',
  abbreviation: 'CAL',
  description: 'The lab link configured vs achieved: round trip (min, median), one-way delays, loss and rate',
} as const;

export const SCENARIO_NAMES: readonly string[] = [...SCENARIOS.map((s) => s.name), CALIBRATION.name];
export const DEFAULT_SCENARIO = 'handshake';

export function findScenario(name: string): AnyScenario | undefined {
  return SCENARIOS.find((scenario) => scenario.name === name);
}
