// The scenario registry: every scenario the CLI can run, by name.
import type { ScenarioDefinition } from '../harness/scenario/types.js';
import { handshake } from './handshake.js';

export const SCENARIOS: readonly ScenarioDefinition[] = [handshake];
export const DEFAULT_SCENARIO = 'handshake';

export function findScenario(name: string): ScenarioDefinition | undefined {
  return SCENARIOS.find((scenario) => scenario.name === name);
}
