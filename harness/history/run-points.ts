// A run's points: for each case and each metric its ok samples carry, the run's median with a
// seeded 95% percentile-bootstrap interval of that median (none with a single sample), and n.
// Failed samples, and cases not run (unsupported, unavailable), give nothing.
import { bootstrapMedian } from '../measure/inference.js';
import { metricDefinition } from '../results/metric-definitions.js';
import type { ResultDocument } from '../results/schema.js';
import { seriesIdentityOf } from './series-key.js';
import type { PointRecord } from './store.js';

/** Fixed, so a re-ingest gives the same intervals bit for bit. */
export const POINT_BOOTSTRAP = { seed: 1, resamples: 2000, confidence: 0.95 } as const;

export function pointsOfRun(document: ResultDocument): PointRecord[] {
  const points: PointRecord[] = [];
  for (const resultCase of document.cases) {
    const ok = resultCase.samples.filter((s) => s.status === 'ok');
    const names = [...new Set(ok.flatMap((s) => Object.keys(s.metrics)))].sort();
    for (const name of names) {
      const definition = metricDefinition(document, name);
      // Every metric a sample carries is defined since schemaVersion 2; an undefined one has no unit to plot.
      if (!definition) continue;
      const values = ok.flatMap((s) => (s.metrics[name] === undefined ? [] : [s.metrics[name]]));
      const interval = bootstrapMedian(values, POINT_BOOTSTRAP);
      const spread = values.length >= 2;
      points.push({ series: seriesIdentityOf(document, resultCase, definition), median: interval.estimate, low: spread ? interval.low : null, high: spread ? interval.high : null, n: values.length });
    }
  }
  return points;
}
