// The scenario registry: every scenario the CLI can run, by name.
import type { AnyScenario } from '../harness/scenario/types.js';
import { certificateSize } from './certificate-size.js';
import { handshake } from './handshake.js';
import { throughput } from './throughput.js';
import { lossRecovery } from './loss-recovery.js';
import { multiplexing } from './multiplexing.js';
import { migration } from './migration.js';
import { smbCopy } from './smb-copy.js';
import { calibration } from './calibration.js';
import { interop } from './interop.js';
import { realtime } from './realtime.js';
import { competition } from './competition.js';

export const SCENARIOS: readonly AnyScenario[] = [handshake, certificateSize, throughput, lossRecovery, multiplexing, migration, smbCopy, interop, realtime, competition];

/** Not a comparison of endpoints: measures the lab link itself (the run engine's calibration). */
export const CALIBRATION = calibration;

export const SCENARIO_NAMES: readonly string[] = [...SCENARIOS.map((s) => s.name), CALIBRATION.name];
export const DEFAULT_SCENARIO = 'handshake';

export function findScenario(name: string): AnyScenario | undefined {
  return [...SCENARIOS, CALIBRATION].find((scenario) => scenario.name === name);
}
