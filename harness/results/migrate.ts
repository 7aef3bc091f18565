// Older result documents, brought up to the current schema so every report and compare reads
// one shape. Each step takes version N to N+1 and says what it fills in.
import { findScenario } from '../../scenarios/index.js';
import { definitionsFor } from './metric-definitions.js';
import { SCHEMA_VERSION } from './schema.js';

type Json = Record<string, unknown>;

/**
 * 1 -> 2: documents gained `metrics` (unit and better direction of each metric) and
 * `headline`. The meaning of the metrics did not change, so the scenario's current
 * definitions apply; metrics of a scenario this tool does not know are read off their names.
 */
function v1ToV2(document: Json): Json {
  const cases = Array.isArray(document.cases) ? (document.cases as Json[]) : [];
  const names = cases.flatMap((c) => (typeof c.summary === 'object' && c.summary !== null ? Object.keys(c.summary) : []));
  const scenario = typeof document.scenario === 'string' ? findScenario(document.scenario) : undefined;
  const metrics = definitionsFor(names, scenario?.metrics ?? []);
  const headline = scenario?.headline ?? scenario?.metrics.map((m) => m.name) ?? metrics.map((m) => m.name);
  const { cases: _cases, ...rest } = document;
  return { ...rest, schemaVersion: 2, metrics, headline: [...headline], cases: document.cases };
}

const STEPS: Readonly<Record<number, (document: Json) => Json>> = { 1: v1ToV2 };

export const OLDEST_READABLE_VERSION = 1;

/** The document at the current schema version, or an error message saying why it cannot be. */
export function migrate(document: Json): { document: Json } | { error: string } {
  let current = document;
  const version = current.schemaVersion;
  if (version === undefined) return { error: 'not a QUIC lab result (no schemaVersion)' };
  if (typeof version !== 'number' || !Number.isInteger(version) || version < OLDEST_READABLE_VERSION || version > SCHEMA_VERSION) {
    return { error: `schemaVersion ${JSON.stringify(version)} is not supported (this tool reads ${OLDEST_READABLE_VERSION}-${SCHEMA_VERSION})` };
  }
  for (let from = version; from < SCHEMA_VERSION; from++) {
    const step = STEPS[from];
    if (!step) return { error: `no migration from schemaVersion ${from}` };
    current = step(current);
  }
  return { document: current };
}
