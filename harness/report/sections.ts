// The parts every report is made of, as tables built only from the result document: the
// summary per case, QUIC against TCP+TLS, the link configured vs achieved, the environment.
// Text, Markdown and HTML render the same tables.
import type { TransportPair } from '../analysis/transport-pairs.js';
import type { SampleComparison } from '../analysis/sample-comparison.js';
import { calibrationRows } from '../lab/calibrate.js';
import { referenceGoodput } from '../measure/iperf3.js';
import type { MetricDefinition, MetricSummary, ResultDocument } from '../results/schema.js';
import { calibrationTable } from './calibration-table.js';
import { formatCount, formatInterval, formatMetricValue, formatNumber, formatPValue, isYesNoMetric, notRunLabel } from './format.js';
import { inferDefinition, metricDefinition } from '../results/metric-definitions.js';
import type { Table } from './table.js';

/** Rates read better in Mbit/s than in bits per second: the header says so. */
function columnOf(metric: string): { header: string; divisor: number } {
  const rate = /^(.*)BitsPerSecond$/.exec(metric);
  return rate ? { header: `${rate[1]} Mbit/s`, divisor: 1e6 } : { header: metric, divisor: 1 };
}

/**
 * median (p5-p95) in the column's unit: rates in Mbit/s, counts whole (one decimal where a
 * median or percentile falls between two), and 0/1 metrics as how many samples were 1: "yes 3/5".
 */
export function formatSummaryCell(summary: MetricSummary, definition: MetricDefinition): string {
  if (isYesNoMetric(definition) && summary.min >= 0 && summary.max <= 1) return `yes ${Math.round(summary.mean * summary.n)}/${summary.n}`;
  if (definition.unit === 'count') return `${formatCount(summary.median)} (${formatCount(summary.p5)}-${formatCount(summary.p95)})`;
  const { divisor } = columnOf(definition.name);
  return `${formatNumber(summary.median / divisor)} (${formatNumber(summary.p5 / divisor)}-${formatNumber(summary.p95 / divisor)})`;
}

/** One row per case: ok/n and median (p5-p95) of each of `metrics` that some case has. */
export function summaryTable(document: ResultDocument, metrics: readonly string[] = document.headline): Table {
  const shown = metrics.filter((metric) => document.cases.some((c) => c.summary[metric] !== undefined));
  const rows = document.cases.map((c) => {
    const notRun = notRunLabel(c);
    if (notRun !== undefined) return [c.id, '-', ...shown.map((_, i) => (i === 0 ? notRun : ''))];
    const ok = c.samples.filter((s) => s.status === 'ok').length;
    const cells = shown.map((metric) => {
      const summary = c.summary[metric];
      return summary ? formatSummaryCell(summary, metricDefinition(document, metric) ?? inferDefinition(metric)) : '-';
    });
    return [c.id, `${ok}/${c.samples.length}`, ...cells];
  });
  return { header: ['case', 'ok/n', ...shown.map((metric) => columnOf(metric).header)], rows };
}

/** What a comparison means in words: "QUIC better", "no significant difference", "too few samples to test (need at least 4 per side)". */
export function verdictText(comparison: SampleComparison, subject: string): string {
  switch (comparison.verdict) {
    case 'too few samples':
      return `too few samples to test (need at least ${comparison.samplesNeeded ?? '?'} per side)`;
    case 'better':
      return `${subject} better`;
    case 'worse':
      return `${subject} worse`;
    case 'not comparable':
      return comparison.significant ? 'different' : 'not comparable';
    default:
      return 'no significant difference';
  }
}

/** QUIC / TCP+TLS per metric, with the ratio's interval, the p-value and what it means. */
export function transportTable(pairs: readonly TransportPair[]): Table {
  const rows = pairs.flatMap((pair) => {
    const head = [pair.profile, pair.workload, `${pair.quic.id} vs ${pair.tcp.id}`];
    if (pair.unsupported !== undefined) return [[...head, '', '', '', 'unsupported', '', pair.unsupported]];
    return pair.comparisons.map((c) => [
      ...head,
      c.metric.name,
      formatMetricValue(c.medianB, c.metric.unit),
      formatMetricValue(c.medianA, c.metric.unit),
      formatInterval(c.ratio),
      formatPValue(c.pValue),
      verdictText(c, 'QUIC'),
    ]);
  });
  return {
    header: ['profile', 'workload', 'cases', 'metric', 'QUIC median', 'TCP+TLS median', 'QUIC / TCP+TLS (95% CI)', 'p', 'verdict'],
    rows,
    align: ['left', 'left', 'left', 'left', 'right', 'right', 'right', 'right', 'left'],
  };
}

/** Configured vs achieved (the run's calibration, the iperf3 TCP reference); null on loopback. */
export function linkTable(document: ResultDocument): Table | null {
  const { link } = document;
  const calibration = link.achieved?.calibration;
  if (link.backend === 'loopback' || link.backend === 'direct' || calibration === undefined || link.configured === null) return null;
  const table = calibrationTable(calibrationRows(link.configured, calibration));
  // In the unit column's unit, as the rate rows above it, but to 10 kbit/s: a reference 0.3% under the capacity must not read as equal to it.
  const mbit = (bitsPerSecond: number | null) => (bitsPerSecond === null ? '-' : (bitsPerSecond / 1e6).toFixed(2));
  const capacity = link.configured.payloadCapacity;
  if (capacity !== undefined) {
    for (const transport of ['tcp', 'quic'] as const) {
      const { upBitsPerSecond: up, downBitsPerSecond: down, payloadBytesPerPacket } = capacity[transport];
      if (up === null && down === null) continue;
      const name = `${transport === 'tcp' ? 'TCP' : 'QUIC'} payload capacity (${payloadBytesPerPacket} of ${capacity.mtuBytes} bytes`;
      if (up === down) table.rows.push([`${name}, each way)`, mbit(up), '-', 'Mbit/s']);
      else table.rows.push([`${name}, up)`, mbit(up), '-', 'Mbit/s'], [`${name}, down)`, mbit(down), '-', 'Mbit/s']);
    }
  }
  const reference = link.achieved?.tcpReference;
  if (reference !== undefined) {
    const name = `TCP reference (iperf3 ${reference.congestionControl}, ${reference.direction})`;
    if (reference.wire) table.rows.push([`${name} on the wire`, '-', mbit(reference.wire.goodputBitsPerSecond), 'Mbit/s'], ["  iperf3's own figure", '-', mbit(reference.goodputBitsPerSecond), 'Mbit/s']);
    else table.rows.push([name, '-', mbit(reference.goodputBitsPerSecond), 'Mbit/s']);
    const limit = capacity?.tcp[reference.direction === 'up' ? 'upBitsPerSecond' : 'downBitsPerSecond'];
    if (limit !== undefined && limit !== null) table.rows.push(['  of the TCP payload capacity', '-', ((referenceGoodput(reference).bitsPerSecond / limit) * 100).toFixed(2), '%']);
  }
  return table;
}

/** Who measured what with what: host, link backend, and each implementation with its settings. */
export function environmentTable(document: ResultDocument): Table {
  const { host, tool, link } = document;
  const rows: string[][] = [
    ['tool', `${tool.name} ${tool.version}${tool.gitCommit ? ` (${tool.gitCommit.slice(0, 12)})` : ''}`],
    ['host', `${host.hostname}: ${host.os} ${host.kernel}, ${host.cpu} x${host.cores}, ${formatNumber(host.memoryBytes / 2 ** 30)} GiB, node ${host.node}`],
    ['link backend', `${link.backend}${link.profile ? `, profile ${link.profile}` : ''}`],
  ];
  const settings = link.configured?.namespaceSettings;
  if (settings !== undefined) {
    const cc = Object.entries(settings).filter(([name]) => name.endsWith('tcp_congestion_control'));
    if (cc.length > 0) rows.push(['TCP congestion control', cc.map(([name, value]) => `${name.split('.')[0]} ${String(value)}`).join(', ')]);
  }
  const seen = new Set<string>();
  for (const c of document.cases) {
    if (c.unsupported !== undefined) continue;
    // A competition's companion flows ran their own endpoints, each over its flow's protocol.
    const companions = (c.companions ?? []).map((companion) => {
      const protocol = c.workload.kind === 'competition' ? (c.workload.flows.find((f) => f.id === companion.flow)?.protocol ?? c.protocol) : c.protocol;
      return { protocol, client: companion.client, server: companion.server };
    });
    for (const { protocol, client, server } of [{ protocol: c.protocol, client: c.client, server: c.server }, ...companions]) {
      for (const [role, endpoint] of [
        ['client', client],
        ['server', server],
      ] as const) {
        const described = `${endpoint.implementation} ${endpoint.version}: ${Object.entries(endpoint.settings)
          .map(([name, value]) => `${name}=${String(value)}`)
          .join(', ')}`;
        if (seen.has(`${role} ${described}`)) continue;
        seen.add(`${role} ${described}`);
        rows.push([`${protocol} ${role}`, described]);
      }
    }
  }
  return { header: ['what', 'value'], rows, align: ['left', 'left'] };
}

/**
 * A flag's kind: its text with the numbers of one sample taken out, so "ttfbMs 5.912 ms vs
 * wireTtfbMs 3.870 ms: apart by more than 1 ms" is "ttfbMs vs wireTtfbMs: apart by more than 1 ms".
 */
export function flagKind(flag: string): string {
  const apart = /^(\w+) -?[\d.]+ ms vs (\w+) -?[\d.]+ ms: ((?:apart|earlier|later) by more than [\d.]+ ms(?: \(resolution \+ delivery\))?)$/.exec(flag);
  if (apart) return `${apart[1]} vs ${apart[2]}: ${apart[3]}`;
  return flag.replace(/\d+(?:\.\d+)?(?:(?:, |-)\d+(?:\.\d+)?)*/g, 'N');
}

/** Flags counted by kind, most frequent first, with the cases they came from. */
export function flagKinds(document: ResultDocument): Array<{ kind: string; count: number; cases: Array<[string, number]> }> {
  const kinds = new Map<string, Map<string, number>>();
  for (const c of document.cases) {
    for (const flag of c.samples.flatMap((s) => s.flags ?? [])) {
      const byCase = kinds.get(flagKind(flag)) ?? new Map<string, number>();
      byCase.set(c.id, (byCase.get(c.id) ?? 0) + 1);
      kinds.set(flagKind(flag), byCase);
    }
  }
  return [...kinds].map(([kind, byCase]) => ({ kind, count: [...byCase.values()].reduce((a, b) => a + b, 0), cases: [...byCase] })).sort((a, b) => b.count - a.count);
}

/** Failures (the first few), flags (one line per kind), unsupported variants and run errors. */
export function noteLines(document: ResultDocument, limit = 5): string[] {
  const lines: string[] = [];
  const failures = document.cases.flatMap((c) => c.samples.filter((s) => s.status === 'failed').map((s) => `${c.id} #${s.index}: ${s.error ?? ''}`));
  if (failures.length > 0) lines.push(`failed samples (${failures.length}):`, ...failures.slice(0, limit).map((f) => `  ${f}`));
  const kinds = flagKinds(document);
  if (kinds.length > 0) {
    const total = kinds.reduce((sum, k) => sum + k.count, 0);
    lines.push(`flags (${total}, see "flags" in the result):`, ...kinds.map((k) => `  ${k.count}x ${k.kind} (${k.cases.map(([id, n]) => `${id} ${n}`).join(', ')})`));
  }
  const reference = document.link.achieved?.tcpReference;
  if (reference?.wireError !== undefined) lines.push(`TCP reference: iperf3's own figure, not the wire's: ${reference.wireError}`);
  for (const flag of reference?.flags ?? []) lines.push(`TCP reference: ${flag}`);
  for (const c of document.cases) {
    if (c.unsupported !== undefined) lines.push(`${c.id}: unsupported: ${c.unsupported}`);
    if (c.unavailable !== undefined) lines.push(`${c.id}: unavailable: ${c.unavailable}`);
  }
  for (const error of document.errors) lines.push(`error: ${error}`);
  return lines;
}
