// The answer at the end of every run in the terminal: QUIC against TCP+TLS, one line per
// headline metric and workload, from the same pairs and statistics as the reports' table and
// heatmap, and one bottom line.
import type { SampleComparison } from '../analysis/sample-comparison.js';
import { headlinePairs, type TransportPair } from '../analysis/transport-pairs.js';
import type { ResultCase } from '../results/schema.js';
import { formatMetricValue, formatNumber, formatPValue } from './format.js';
import { verdictText } from './sections.js';

/** "QUIC (h3, ngtcp2)", "TCP+TLS (h2, node/undici)": application, then server/client, once when they are one stack. */
export function sideLabel(resultCase: Pick<ResultCase, 'protocol' | 'application' | 'server' | 'client'>): string {
  const transport = resultCase.protocol === 'quic' ? 'QUIC' : 'TCP+TLS';
  const server = resultCase.server.implementation;
  const client = resultCase.client.implementation;
  const stack = server.split('-')[0];
  const same = server === client || (stack !== server && stack === client.split('-')[0]);
  return `${transport} (${resultCase.application}, ${same ? stack : `${server}/${client}`})`;
}

/** "handshakeMs 37.0 ms vs 5.65 ms: 6.55x (95% CI 6.1-7.0), QUIC worse, p <0.001" */
export function comparisonText(c: SampleComparison): string {
  const medians = `${formatMetricValue(c.medianB, c.metric.unit)} vs ${formatMetricValue(c.medianA, c.metric.unit)}`;
  const interval = (low: number, high: number) => (Number.isFinite(low) && Number.isFinite(high) ? `95% CI ${formatNumber(low)}-${formatNumber(high)}` : 'no 95% CI: resampled TCP+TLS medians reach 0');
  const ratio = c.ratio ? `: ${formatNumber(c.ratio.estimate)}x (${interval(c.ratio.low, c.ratio.high)})` : '';
  const p = c.pValue !== null && c.verdict !== 'too few samples' ? `, p ${formatPValue(c.pValue)}` : '';
  return `${c.metric.name} ${medians}${ratio}, ${verdictText(c, 'QUIC')}${p}`;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** One line over every comparison: how many QUIC won, lost, tied, or could not be tested. */
export function bottomLine(comparisons: readonly SampleComparison[]): string {
  if (comparisons.length === 0) return 'bottom line: no numbers to compare (a side of every pair is unsupported or has no samples)';
  const count = (verdict: SampleComparison['verdict']) => comparisons.filter((c) => c.verdict === verdict).length;
  const tooFew = comparisons.find((c) => c.verdict === 'too few samples');
  if (tooFew && count('too few samples') === comparisons.length) {
    return `bottom line: too few samples to test (need at least ${tooFew.samplesNeeded ?? '?'} per side): run more --samples`;
  }
  const parts = [
    [count('better'), 'QUIC better'],
    [count('worse'), 'QUIC worse'],
    [count('no significant difference'), 'no significant difference'],
    [count('not comparable'), 'not comparable (neither direction is better)'],
    [count('too few samples'), `too few samples to test (need at least ${tooFew?.samplesNeeded ?? '?'} per side)`],
  ] as const;
  const said = parts.filter(([n]) => n > 0).map(([n, what]) => `${what} in ${n}`);
  return `bottom line, of ${plural(comparisons.length, 'comparison')}: ${said.join(', ')}`;
}

/**
 * The verdict lines of one run, from its QUIC vs TCP+TLS pairs (all of them: the headline
 * pairs are chosen here). Loopback is said to be loopback, since its ratios are the stacks'
 * own costs rather than the protocols on a link.
 */
export function verdictLines(pairs: readonly TransportPair[], backend: string): string[] {
  const chosen = headlinePairs(pairs);
  if (chosen.length === 0) return ['QUIC vs TCP+TLS: no QUIC and TCP+TLS cases of the same workload in this run'];
  const profiles = new Set(chosen.map((p) => p.profile));
  const lines = ['QUIC vs TCP+TLS (QUIC median vs TCP+TLS median: ratio of medians with 95% CI, Mann-Whitney p):'];
  for (const pair of chosen) {
    const where = profiles.size > 1 ? `${pair.workload} on ${pair.profile}` : pair.workload;
    const head = `  ${where}: ${sideLabel(pair.quic)} vs ${sideLabel(pair.tcp)}`;
    lines.push(pair.unsupported !== undefined ? `${head}: unsupported (${pair.unsupported})` : head);
    for (const c of pair.comparisons) lines.push(`    ${comparisonText(c)}`);
  }
  if (backend === 'loopback') lines.push("loopback: no link between the endpoints, so these ratios are the implementations' own costs, not the protocols on a network (give --profile for a lab link)");
  lines.push(bottomLine(chosen.flatMap((p) => p.comparisons)));
  return lines;
}
