// `--variants`: narrowing a scenario to some of its cases, by exact case id.
import type { AnyScenario } from './types.js';

export class UnknownVariantError extends Error {}

export function selectCases<S extends AnyScenario>(scenario: S, ids: readonly string[]): S {
  const known = scenario.cases.map((c) => c.id);
  const unknown = ids.filter((id) => !known.includes(id));
  if (unknown.length > 0) {
    throw new UnknownVariantError(`${scenario.name} has no variant ${unknown.map((id) => `"${id}"`).join(', ')}; its variants: ${known.join(', ')}`);
  }
  if (ids.length === 0) throw new UnknownVariantError(`--variants needs at least one of: ${known.join(', ')}`);
  return { ...scenario, cases: scenario.cases.filter((c) => ids.includes(c.id)) };
}
