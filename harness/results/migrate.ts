// Older result documents, brought up to the current schema so every report and compare reads
// one shape. Each step takes version N to N+1 and says what it fills in.
import { definitionsFor, provenanceFor, sourcesSeen, type DeclaredMetric } from './metric-definitions.js';
import { SCHEMA_VERSION, type ResultCase } from './schema.js';
import { WorkloadError, workloadFromParameters } from './workload.js';

type Json = Record<string, unknown>;

/**
 * What the tool knows of a scenario by name (its metric declarations and headline): the
 * caller passes the scenario registry, so results/ does not import the scenarios. Without it,
 * metrics are read off their names.
 */
export type ScenarioLookup = (name: string) => { metrics: readonly DeclaredMetric[]; headline?: readonly string[] } | undefined;

/**
 * 1 -> 2: documents gained `metrics` (unit and better direction of each metric) and
 * `headline`. The meaning of the metrics did not change, so the scenario's current
 * definitions apply; metrics of a scenario this tool does not know are read off their names.
 */
function v1ToV2(document: Json, known: ScenarioLookup): Json {
  const cases = Array.isArray(document.cases) ? (document.cases as Json[]) : [];
  const names = cases.flatMap((c) => (typeof c.summary === 'object' && c.summary !== null ? Object.keys(c.summary) : []));
  const scenario = typeof document.scenario === 'string' ? known(document.scenario) : undefined;
  // Provenance came with version 3 (v2ToV3 gives it).
  const metrics = definitionsFor(names, scenario?.metrics ?? []).map(({ provenance: _provenance, ...definition }) => definition);
  const headline = scenario?.headline ?? scenario?.metrics.map((m) => m.name) ?? metrics.map((m) => m.name);
  const { cases: _cases, ...rest } = document;
  return { ...rest, schemaVersion: 2, metrics, headline: [...headline], cases: document.cases };
}

/**
 * 2 -> 3: each case gains its typed `workload`, read off its parameters (which it keeps: they
 * are exactly parametersOf(workload)); each metric gains its `provenance`, from the scenario's
 * declarations, the harness's own metrics and the timing sources the cases recorded; a
 * loopback link's `configured` ({} before) becomes null.
 */
function v2ToV3(document: Json, known: ScenarioLookup): Json {
  const cases = Array.isArray(document.cases) ? (document.cases as Json[]) : [];
  const migratedCases = cases.map((c, index): Json => {
    const parameters = typeof c.parameters === 'object' && c.parameters !== null ? (c.parameters as Record<string, string | number | boolean>) : {};
    try {
      return { ...c, workload: workloadFromParameters(parameters) };
    } catch (error) {
      if (error instanceof WorkloadError) throw new MigrationError(`cases.${index}.parameters (${String(c.id)}): ${error.message}`);
      throw error;
    }
  });
  const scenario = typeof document.scenario === 'string' ? known(document.scenario) : undefined;
  const seen = sourcesSeen(
    migratedCases.map((c) => ({ summary: objectOr(c.summary) as ResultCase['summary'], timingSources: objectOr(c.timingSources) as ResultCase['timingSources'] })),
  );
  const metrics = Array.isArray(document.metrics)
    ? (document.metrics as Json[]).map((m) => {
        const name = String(m.name);
        return { ...m, provenance: provenanceFor(name, scenario?.metrics.find((d) => d.name === name)?.provenance, seen) };
      })
    : document.metrics;
  const link = objectOr(document.link);
  const configured = link.configured;
  const emptyConfigured = typeof configured === 'object' && configured !== null && Object.keys(configured).length === 0;
  return { ...document, schemaVersion: 3, link: emptyConfigured ? { ...link, configured: null } : document.link, metrics, cases: migratedCases };
}

function objectOr(value: unknown): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {};
}

/** A document a step cannot bring up to date, and why. */
class MigrationError extends Error {}

const STEPS: Readonly<Record<number, (document: Json, known: ScenarioLookup) => Json>> = { 1: v1ToV2, 2: v2ToV3 };

export const OLDEST_READABLE_VERSION = 1;

/** The document at the current schema version, or an error message saying why it cannot be. */
export function migrate(document: Json, known: ScenarioLookup = () => undefined): { document: Json } | { error: string } {
  let current = document;
  const version = current.schemaVersion;
  if (version === undefined) return { error: 'not a QUIC lab result (no schemaVersion)' };
  if (typeof version !== 'number' || !Number.isInteger(version) || version < OLDEST_READABLE_VERSION || version > SCHEMA_VERSION) {
    return { error: `schemaVersion ${JSON.stringify(version)} is not supported (this tool reads ${OLDEST_READABLE_VERSION}-${SCHEMA_VERSION})` };
  }
  for (let from = version; from < SCHEMA_VERSION; from++) {
    const step = STEPS[from];
    if (!step) return { error: `no migration from schemaVersion ${from}` };
    try {
      current = step(current, known);
    } catch (error) {
      if (error instanceof MigrationError) return { error: `schemaVersion ${from} -> ${from + 1}: ${error.message}` };
      throw error;
    }
  }
  return { document: current };
}
