// The server x client table of a run over several implementations (--server/--client): per
// variant and server a row, per client a column, each cell the median of one metric, or why
// the pair could not do it. Empty cells are pairs that do not speak the variant's protocol.
import type { ResultDocument } from '../results/schema.js';
import { isMatrixCase, variantOf } from '../scenario/matrix.js';
import { metricDefinition } from '../results/metric-definitions.js';
import { formatMetricValue, notRunLabel } from './format.js';
import type { Table } from './table.js';

/** Whether the run is over more than the scenario's own implementations. */
function isMatrixRun(document: ResultDocument): boolean {
  return document.cases.some(isMatrixCase);
}

/** The table for `metric` (default: the first headline metric some case has), or null when not a matrix run. */
export function matrixTable(document: ResultDocument, metric?: string): { metric: string; table: Table } | null {
  if (!isMatrixRun(document)) return null;
  const name = metric ?? document.headline.find((m) => document.cases.some((c) => c.summary[m] !== undefined));
  if (name === undefined) return null;
  const unit = metricDefinition(document, name)?.unit ?? 'count';
  const clients = [...new Set(document.cases.map((c) => c.client.implementation))];
  const rows = new Map<string, Map<string, string>>();
  for (const c of document.cases) {
    const key = `${variantOf(c)} | ${c.server.implementation}`;
    const row = rows.get(key) ?? new Map<string, string>();
    const ok = c.samples.filter((s) => s.status === 'ok').length;
    const summary = c.summary[name];
    row.set(c.client.implementation, notRunLabel(c) ?? (summary ? `${formatMetricValue(summary.median, unit)} (${ok}/${c.samples.length})` : `- (${ok}/${c.samples.length})`));
    rows.set(key, row);
  }
  return {
    metric: name,
    table: {
      header: ['variant', 'server', ...clients],
      rows: [...rows].map(([key, cells]) => [...key.split(' | '), ...clients.map((client) => cells.get(client) ?? '')]),
      align: ['left', 'left', ...clients.map(() => 'right' as const)],
    },
  };
}
