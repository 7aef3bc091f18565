// The acknowledgements file: known shifts to dismiss (a deliberate change of a peer, a kernel
// upgrade). YAML or JSON (JSON is YAML), for example:
//
//   acknowledgements:
//     - seriesId: 3f2a...            # or scenario, caseId and metric together
//       runId: 20261205-142330-ab12  # the run where the change starts
//       reason: ngtcp2 1.12 enlarged the initial window
//
// A dismissed change stays listed, with `acknowledged: reason`. Bad input is one error that
// names the file's line.
import { readFile } from 'node:fs/promises';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { SeriesIdentity } from './types.js';

export interface Acknowledgement {
  /** The entry's line in the file (1-based), for messages. */
  line: number;
  seriesId: string | null;
  scenario: string | null;
  caseId: string | null;
  metric: string | null;
  runId: string;
  reason: string;
}

export class AcknowledgementsError extends Error {
  constructor(
    message: string,
    readonly line: number | null,
  ) {
    super(message);
  }
}

const FIELDS = ['seriesId', 'scenario', 'caseId', 'metric', 'runId', 'reason'] as const;
type Field = (typeof FIELDS)[number];
const BY_CASE: readonly Field[] = ['scenario', 'caseId', 'metric'];

function lineOf(node: Node | null | undefined, lines: LineCounter): number | null {
  const offset = node?.range?.[0];
  return offset === undefined ? null : lines.linePos(offset).line;
}

export function parseAcknowledgements(text: string, source = 'acknowledgements'): Acknowledgement[] {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines });
  const fail = (message: string, line: number | null): never => {
    throw new AcknowledgementsError(`${source}${line === null ? '' : `:${line}`}: ${message}`, line);
  };
  const syntax = document.errors[0];
  // yaml's message carries "at line N, column M:" and the source; the line goes in front as for every error.
  if (syntax) fail((syntax.message.split('\n')[0] as string).replace(/ at line \d+, column \d+:?$/, ''), syntax.linePos?.[0].line ?? null);
  const root = document.contents;
  // An empty file dismisses nothing.
  if (root === null) return [];
  if (!isMap(root)) return fail('expected a mapping with an "acknowledgements" list', lineOf(root, lines));
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? pair.key.value : pair.key;
    if (key !== 'acknowledgements') fail(`unknown field "${String(key)}" (the file holds one field: acknowledgements)`, lineOf(pair.key, lines));
  }
  const list = root.get('acknowledgements', true);
  if (list === undefined || (isScalar(list) && list.value === null)) return [];
  if (!isSeq(list)) return fail('"acknowledgements" must be a list of entries', lineOf(list, lines));

  const entries: Acknowledgement[] = [];
  const seen = new Map<string, number>();
  for (const item of list.items) {
    const line = lineOf(item as Node, lines);
    if (!isMap(item)) return fail('each acknowledgement must be a mapping with runId, reason and the series', line);
    const values: Partial<Record<Field, string>> = {};
    for (const pair of item.items) {
      const keyLine = lineOf(pair.key as Node, lines) ?? line;
      const key = isScalar(pair.key) ? pair.key.value : pair.key;
      if (typeof key !== 'string' || !(FIELDS as readonly string[]).includes(key)) fail(`unknown field "${String(key)}" (valid fields: ${FIELDS.join(', ')})`, keyLine);
      const value = isScalar(pair.value) ? pair.value.value : undefined;
      if (typeof value !== 'string' || value.trim() === '') fail(`"${String(key)}" must be a non-empty string (quote a value that looks like a number)`, keyLine);
      values[key as Field] = value as string;
    }
    if (values.runId === undefined) fail('missing "runId": the run where the change starts', line);
    if (values.reason === undefined) fail('missing "reason": say why the change is known', line);
    const byCase = BY_CASE.filter((f) => values[f] !== undefined);
    if (values.seriesId !== undefined && byCase.length > 0) fail('name the series by seriesId or by scenario, caseId and metric, not both', line);
    if (values.seriesId === undefined && byCase.length < BY_CASE.length) fail(`name the series: seriesId, or all of scenario, caseId and metric (missing ${BY_CASE.filter((f) => values[f] === undefined).join(', ')})`, line);
    const entry: Acknowledgement = {
      line: line ?? 0,
      seriesId: values.seriesId ?? null,
      scenario: values.scenario ?? null,
      caseId: values.caseId ?? null,
      metric: values.metric ?? null,
      runId: values.runId as string,
      reason: values.reason as string,
    };
    const key = JSON.stringify([entry.seriesId, entry.scenario, entry.caseId, entry.metric, entry.runId]);
    const first = seen.get(key);
    if (first !== undefined) fail(`the same series and runId are acknowledged already on line ${first}`, line);
    seen.set(key, entry.line);
    entries.push(entry);
  }
  return entries;
}

export async function readAcknowledgements(path: string): Promise<Acknowledgement[]> {
  return parseAcknowledgements(await readFile(path, 'utf8'), path);
}

/** runId -> reason for one series: what analyzeSeries takes as options.acknowledgements. */
export function acknowledgementsFor(acknowledgements: readonly Acknowledgement[], series: Pick<SeriesIdentity, 'seriesId' | 'scenario' | 'caseId' | 'metric'>): Map<string, string> {
  const reasons = new Map<string, string>();
  for (const a of acknowledgements) {
    const matches = a.seriesId !== null ? a.seriesId === series.seriesId : a.scenario === series.scenario && a.caseId === series.caseId && a.metric === series.metric;
    // Two entries for one change (by id and by case) both hold: their reasons are joined.
    if (matches) reasons.set(a.runId, reasons.has(a.runId) ? `${reasons.get(a.runId)}; ${a.reason}` : a.reason);
  }
  return reasons;
}
