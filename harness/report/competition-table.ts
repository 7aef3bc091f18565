// The competition's tables, one row per case (pairing): how the flows divided the bottleneck
// (shares, Jain's index, time to converge, what they got of the link together, retransmissions,
// the queue's overflow drops), and the probe's latency idle against loaded. Every figure is the
// median over the case's ok samples; a metric no sample has reads "-".
import { flowMetricName, MESSAGE_PROBE_NAMES, UDP_PROBE_NAMES, type ProbeNames } from '../results/competition-names.js';
import type { ResultDocument } from '../results/schema.js';
import { median } from '../measure/statistics.js';
import { medianOf as medianOfValues, metricValues as values } from '../analysis/sample-comparison.js';
import { competingCases, flowLabel, okSamples, type CompetitionCase } from './competition.js';
import { formatCount, formatNumber, notRunLabel } from './format.js';
import type { Table } from './table.js';

/** The median of `metric` over the case's ok samples that have it; null when none does. */
function medianOf(c: CompetitionCase, metric: string): number | null {
  return medianOfValues(values(c, metric));
}

const percent = (fraction: number | null): string => (fraction === null ? '-' : `${(fraction * 100).toFixed(1)}%`);

/** One cell per flow, joined: "52.1% / 47.9%". */
function perFlow(c: CompetitionCase, format: (flow: number) => string): string {
  return c.workload.flows.map((_, i) => format(i + 1)).join(' / ');
}

/** "0.998 (0.990..0.999)": median and range of Jain's index. */
function jainCell(c: CompetitionCase): string {
  const v = values(c, 'jainIndex');
  if (v.length === 0) return '-';
  return `${median(v).toFixed(3)} (${Math.min(...v).toFixed(3)}..${Math.max(...v).toFixed(3)})`;
}

/** The median over the samples that converged, with how many never did (no timeToConvergeMs). */
function convergeCell(c: CompetitionCase): string {
  const ok = okSamples(c).length;
  const converged = values(c, 'timeToConvergeMs');
  const never = ok - converged.length;
  if (ok === 0) return '-';
  if (converged.length === 0) return `never (${never}/${ok})`;
  const time = `${formatNumber(median(converged))} ms`;
  return never > 0 ? `${time} (never in ${never}/${ok})` : time;
}

/** Of the link's downlink rate when it has one, else the rate itself. */
function aggregateCell(c: CompetitionCase, linkBitsPerSecond: number | null): string {
  const aggregate = medianOf(c, 'aggregateGoodputBitsPerSecond');
  if (aggregate === null) return '-';
  if (linkBitsPerSecond === null) return `${formatNumber(aggregate / 1e6)} Mbit/s`;
  return `${percent(aggregate / linkBitsPerSecond)} of ${formatNumber(linkBitsPerSecond / 1e6)} Mbit/s`;
}

function countCell(value: number | null): string {
  return value === null ? '-' : formatCount(value);
}

/** The downlink's configured rate, null without one (loopback, no --rate). */
export function linkRateBitsPerSecond(document: ResultDocument): number | null {
  return document.link.configured?.down.rateBitsPerSecond ?? null;
}

/** How the flows of each case shared the link; null when the document has no competition. */
export function fairnessTable(document: ResultDocument): Table | null {
  const cases = competingCases(document);
  if (cases.length === 0) return null;
  const link = linkRateBitsPerSecond(document);
  const rows = cases.map((c) => {
    const flows = c.workload.flows.map(flowLabel).join(' vs ');
    const notRun = notRunLabel(c);
    if (notRun !== undefined) return [c.id, flows, '-', notRun, '', '', '', '', '', ''];
    return [
      c.id,
      flows,
      `${okSamples(c).length}/${c.samples.length}`,
      perFlow(c, (n) => percent(medianOf(c, flowMetricName(n, 'Share')))),
      jainCell(c),
      convergeCell(c),
      percent(medianOf(c, 'inBandFraction')),
      aggregateCell(c, link),
      perFlow(c, (n) => countCell(medianOf(c, flowMetricName(n, 'RetransmittedPackets')))),
      countCell(medianOf(c, 'queueOverflowDropsDown')),
    ];
  });
  return {
    header: ['case', 'flows', 'ok/n', 'share per flow', "Jain's index (min..max)", 'time to converge', 'in band', 'aggregate goodput', 'retransmitted packets per flow', 'queue overflow drops'],
    rows,
    align: ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
  };
}

const ms = (value: number | null): string => (value === null ? '-' : formatNumber(value));

/** "40.1 / 41.0 / 42.3": p50 / p95 / p99 medians. */
function percentilesCell(c: CompetitionCase, names: readonly string[]): string {
  return names.map((name) => ms(medianOf(c, name))).join(' / ');
}

/** One probe's row cells after the case's: idle and loaded percentiles, the p95 inflation, the loaded loss. */
function probeCells(c: CompetitionCase, names: ProbeNames): string[] {
  const inflationMs = medianOf(c, names.inflationP95Ms);
  const ratio = medianOf(c, names.inflationP95Ratio);
  const inflation = inflationMs === null ? '-' : `${inflationMs >= 0 ? '+' : ''}${formatNumber(inflationMs)} ms${ratio === null ? '' : ` (x${formatNumber(ratio)})`}`;
  return [percentilesCell(c, [names.idleP50Ms, names.idleP95Ms, names.idleP99Ms]), percentilesCell(c, [names.loadedP50Ms, names.loadedP95Ms, names.loadedP99Ms]), inflation, percent(medianOf(c, names.loadedLostRate))];
}

/**
 * The probe's round trips before the flows and while they all ran, per case; with a message
 * probe (--message-probe), a second row per case for its messages and a column naming each
 * row's probe. Null without a competition.
 */
export function competitionLatencyTable(document: ResultDocument): Table | null {
  const cases = competingCases(document).filter((c) => notRunLabel(c) === undefined);
  if (cases.length === 0) return null;
  const withMessages = cases.some((c) => c.workload.probe.messages !== undefined);
  const rows = cases.flatMap((c) => {
    const messages = c.workload.probe.messages;
    const probes: Array<[string, ProbeNames]> = [['UDP echoes', UDP_PROBE_NAMES], ...(messages !== undefined ? [[`${messages.id} messages`, MESSAGE_PROBE_NAMES] as [string, ProbeNames]] : [])];
    return probes.map(([label, names]) => [c.id, ...(withMessages ? [label] : []), ...probeCells(c, names)]);
  });
  const header = [...(withMessages ? ['case', 'probe'] : ['case']), 'idle p50 / p95 / p99 (ms)', 'loaded p50 / p95 / p99 (ms)', 'p95 inflation', 'loaded probes lost'];
  return withMessages ? { header, rows, align: ['left', 'left', 'right', 'right', 'right', 'right'] } : { header, rows };
}

/** Both tables with their titles (lower case, as the text summary writes them), those the document has. */
export function competitionTables(document: ResultDocument): Array<{ title: string; table: Table }> {
  const fairness = fairnessTable(document);
  const latency = competitionLatencyTable(document);
  return [
    ...(fairness ? [{ title: 'how the competing flows shared the link (medians over the ok samples)', table: fairness }] : []),
    ...(latency ? [{ title: 'latency probe, idle vs under each mix (medians over the ok samples)', table: latency }] : []),
  ];
}
