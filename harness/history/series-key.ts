// A series' identity from a run's document and case: the case key the compare already pairs
// runs by (results/case-key.ts) plus both implementations with their versions, the host and the
// metric. The id is a hash of those, so it is the same on every re-ingest and on every machine.
import { createHash } from 'node:crypto';
import { profileOf, runKey } from '../results/case-key.js';
import type { MetricDefinition, ResultCase, ResultDocument } from '../results/schema.js';
import type { SeriesIdentity } from './types.js';

/** 16 hex digits (64 bits) of sha256: no collision among any plausible number of series. */
const SERIES_ID_HEX_DIGITS = 16;

export function seriesIdOf(
  identity: Omit<SeriesIdentity, 'seriesId' | 'application' | 'unit' | 'better'>,
  document: Pick<ResultDocument, 'scenario' | 'link'>,
  resultCase: Pick<ResultCase, 'id' | 'parameters' | 'workload'>,
): string {
  const key = JSON.stringify([runKey(document, resultCase), identity.client, identity.server, identity.hostname, identity.metric]);
  return createHash('sha256').update(key).digest('hex').slice(0, SERIES_ID_HEX_DIGITS);
}

/** The series one case's metric of one run belongs to. */
export function seriesIdentityOf(document: Pick<ResultDocument, 'scenario' | 'link' | 'host'>, resultCase: ResultCase, definition: MetricDefinition): SeriesIdentity {
  const identity = {
    scenario: document.scenario,
    caseId: resultCase.id,
    profile: profileOf(document, resultCase),
    parameters: resultCase.parameters,
    client: { implementation: resultCase.client.implementation, version: resultCase.client.version },
    server: { implementation: resultCase.server.implementation, version: resultCase.server.version },
    hostname: document.host.hostname,
    metric: definition.name,
  };
  return { seriesId: seriesIdOf(identity, document, resultCase), ...identity, application: resultCase.application, unit: definition.unit, better: definition.better };
}
