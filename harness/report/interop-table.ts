// The pass/fail/unsupported table of a run whose cases have verdicts (the interop matrix): one
// row per client and server, one column per test, each cell the verdict with a numbered note
// for its reason; notes with the same reason share a number. The text, Markdown and HTML
// reports render the same model (table.ts, html.ts).
import type { ResultDocument } from '../results/schema.js';
import { variantOf } from '../scenario/matrix.js';
import type { Table } from './table.js';

export interface VerdictTable {
  table: Table;
  /** "[n] reason", in the order first referenced. */
  notes: string[];
  counts: { passed: number; failed: number; unsupported: number; unavailable: number };
}

/** The verdict table of `document`, or null when its cases have none. */
export function verdictTable(document: Pick<ResultDocument, 'cases'>): VerdictTable | null {
  const judged = document.cases.filter((c) => c.verdict !== undefined);
  if (judged.length === 0) return null;
  const tests = [...new Set(judged.map((c) => variantOf(c)))];
  const rows = new Map<string, { client: string; server: string; cells: Map<string, string> }>();
  const reasons = new Map<string, number>();
  const counts = { passed: 0, failed: 0, unsupported: 0, unavailable: 0 };
  for (const c of judged) {
    const verdict = c.verdict as NonNullable<typeof c.verdict>;
    counts[verdict.status]++;
    const key = `${c.client.implementation}\u0000${c.server.implementation}`;
    const row = rows.get(key) ?? { client: c.client.implementation, server: c.server.implementation, cells: new Map<string, string>() };
    let cell: string = verdict.status;
    if (verdict.status !== 'passed') {
      const note = reasons.get(verdict.reason) ?? reasons.size + 1;
      reasons.set(verdict.reason, note);
      cell = `${verdict.status} [${note}]`;
    }
    row.cells.set(variantOf(c), cell);
    rows.set(key, row);
  }
  return {
    table: {
      header: ['client', 'server', ...tests],
      rows: [...rows.values()].map((row) => [row.client, row.server, ...tests.map((test) => row.cells.get(test) ?? '')]),
      align: ['left', 'left', ...tests.map(() => 'left' as const)],
    },
    notes: [...reasons].map(([reason, note]) => `[${note}] ${reason}`),
    counts,
  };
}

/** "12 passed, 1 failed, 4 unsupported" (", 2 unavailable" when some are). */
export function verdictCounts(counts: VerdictTable['counts']): string {
  return `${counts.passed} passed, ${counts.failed} failed, ${counts.unsupported} unsupported${counts.unavailable > 0 ? `, ${counts.unavailable} unavailable` : ''}`;
}
