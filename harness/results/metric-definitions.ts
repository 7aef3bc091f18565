// What each metric of a result means (unit, which way is better), for reports and compare.
// Declared by the scenario; metrics the harness derives (round trips, wire timings) and
// metrics of unknown origin get a definition from their name's unit suffix.
import type { MetricDefinition, ResultDocument } from './schema.js';

type Declared = Omit<MetricDefinition, 'better'> & { better?: MetricDefinition['better'] };

/** Timings are better lower and rates higher; anything else says nothing unless declared. */
function defaultBetter(unit: MetricDefinition['unit']): MetricDefinition['better'] {
  if (unit === 'ms' || unit === 'round trips') return 'lower';
  if (unit === 'bits/s') return 'higher';
  return 'neither';
}

export function completeDefinition(declared: Declared): MetricDefinition {
  return { name: declared.name, unit: declared.unit, description: declared.description, better: declared.better ?? defaultBetter(declared.unit) };
}

/** A definition read off the name: "...Ms", "...BitsPerSecond", "...RoundTrips", "...Bytes". */
export function inferDefinition(name: string): MetricDefinition {
  const unit: MetricDefinition['unit'] = /Ms$/.test(name)
    ? 'ms'
    : /BitsPerSecond$/.test(name)
      ? 'bits/s'
      : /RoundTrips$/.test(name)
        ? 'round trips'
        : /Bytes$/.test(name)
          ? 'bytes'
          : 'count';
  return { name, unit, description: '', better: defaultBetter(unit) };
}

/** Definitions for every metric in `names`: declared ones in declared order, then the others inferred. */
export function definitionsFor(names: Iterable<string>, declared: readonly Declared[]): MetricDefinition[] {
  const present = new Set(names);
  const known = declared.filter((d) => present.has(d.name));
  const others = [...present].filter((name) => !known.some((d) => d.name === name)).sort();
  return [...known.map(completeDefinition), ...others.map(inferDefinition)];
}

/** The document's definition of metric `name`. */
export function metricDefinition(document: Pick<ResultDocument, 'metrics'>, name: string): MetricDefinition | undefined {
  return document.metrics.find((m) => m.name === name);
}
