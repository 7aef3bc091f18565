// What differs between the machines and stacks of two runs, said before any number is
// compared: a kernel, an implementation version, a link backend or a congestion controller
// can each explain a change on their own. And which link settings differ, when two runs were
// made on different links.
import { formatRate } from '../files/sizes.js';
import { describeConditions } from '../results/link-description.js';
import type { ResultDocument } from '../results/schema.js';

/** implementation -> versions seen, over every case's client and server. */
function implementationVersions(document: ResultDocument): Map<string, string> {
  const versions = new Map<string, Set<string>>();
  for (const c of document.cases) {
    if (c.unsupported !== undefined || c.unavailable !== undefined) continue;
    for (const endpoint of [c.client, c.server]) {
      const seen = versions.get(endpoint.implementation) ?? new Set<string>();
      seen.add(endpoint.version);
      versions.set(endpoint.implementation, seen);
    }
  }
  return new Map([...versions].map(([name, seen]) => [name, [...seen].sort().join(', ')]));
}

/** Congestion controllers: the TCP one each namespace ran, and the one each QUIC endpoint did. */
function congestionControllers(document: ResultDocument): string {
  const found = new Set<string>();
  const namespaceSettings = document.link.configured?.namespaceSettings;
  if (namespaceSettings !== undefined) {
    for (const [name, value] of Object.entries(namespaceSettings)) if (name.endsWith('tcp_congestion_control')) found.add(`tcp ${String(value)}`);
  }
  for (const c of document.cases) {
    for (const endpoint of [c.client, c.server]) {
      const cc = endpoint.settings.congestionControl;
      if (typeof cc === 'string') found.add(`${endpoint.implementation} ${cc}`);
    }
  }
  return [...found].sort().join(', ') || 'not recorded';
}

/** One line per difference, naming both values; empty when the environments match. */
export function environmentDifferences(a: ResultDocument, b: ResultDocument, names: readonly [string, string]): string[] {
  const differences: string[] = [];
  const check = (what: string, x: string, y: string) => {
    if (x !== y) differences.push(`${what} differs: ${x} (${names[0]}) vs ${y} (${names[1]})`);
  };
  check('kernel', a.host.kernel, b.host.kernel);
  check('cpu', `${a.host.cpu} x${a.host.cores}`, `${b.host.cpu} x${b.host.cores}`);
  check('node', a.host.node, b.host.node);
  check('link backend', a.link.backend, b.link.backend);
  // A remote target is the server: another one (or the lab's own) is another system under test.
  const serverOf = (d: ResultDocument): string => (d.target === undefined ? "the lab's own servers" : `target ${d.target.url} at ${d.target.address}`);
  check('server', serverOf(a), serverOf(b));
  check('congestion control', congestionControllers(a), congestionControllers(b));
  const versionsA = implementationVersions(a);
  const versionsB = implementationVersions(b);
  for (const name of [...new Set([...versionsA.keys(), ...versionsB.keys()])].sort()) {
    const x = versionsA.get(name);
    const y = versionsB.get(name);
    if (x !== undefined && y !== undefined) check(`${name} version`, x, y);
  }
  return differences;
}

type Direction = NonNullable<ResultDocument['link']['configured']>['up'];

const percent = (fraction: number) => `${Number((fraction * 100).toPrecision(4))}%`;

/** Each configured setting of one direction in words, by name; the seed is left out (it varies run to run by design). */
const directionSettings: Array<[string, (d: Direction) => string]> = [
  ['delay', (d) => `${d.delayMs} ms`],
  ['jitter', (d) => `${d.jitterMs} ms${d.jitterMs && !d.jitterReorders ? ' in order' : ''}`],
  ['loss', (d) => percent(d.lossRate)],
  ['burst loss', (d) => (d.burstLoss ? `p ${d.burstLoss.goodToBad}/${d.burstLoss.badToGood}, loss in burst ${percent(d.burstLoss.lossInBad)}` : 'none')],
  ['reordering', (d) => percent(d.reorderRate)],
  ['duplication', (d) => percent(d.duplicateRate)],
  ['corruption', (d) => percent(d.corruptRate)],
  ['rate', (d) => (d.rateBitsPerSecond === null ? 'unlimited' : formatRate(d.rateBitsPerSecond))],
  ['queue', (d) => (d.queue === null ? 'from the BDP' : 'packets' in d.queue ? `${d.queue.packets} packets` : `${d.queue.bytes} bytes`)],
];

/** The impairments transfer cases carried themselves (they override the run's link). */
function caseImpairments(document: ResultDocument): string {
  const found = new Set(document.cases.flatMap((c) => (c.workload.kind === 'transfer' && c.workload.impairment !== undefined ? [c.workload.impairment] : [])));
  return [...found].sort().join(', ') || 'none';
}

/**
 * Which link settings differ between two runs, one entry each naming both values ("loss each
 * way: 0% (#1) vs 1% (#2)"): backend, profile name, the configured conditions per direction
 * (once for both when each run's directions agree), outages and rebinds, the cases' own
 * impairments. Empty when the links are the same.
 */
export function linkDifferences(a: ResultDocument, b: ResultDocument, names: readonly [string, string]): string[] {
  const differences: string[] = [];
  const check = (what: string, x: string, y: string) => {
    if (x !== y) differences.push(`${what}: ${x} (${names[0]}) vs ${y} (${names[1]})`);
  };
  check('backend', a.link.backend, b.link.backend);
  check('profile', a.link.profile ?? 'none', b.link.profile ?? 'none');
  const [x, y] = [a.link.configured, b.link.configured];
  if (x === null || y === null) {
    check('conditions', x === null ? 'not configured' : describeConditions(a.link), y === null ? 'not configured' : describeConditions(b.link));
  } else {
    for (const [setting, format] of directionSettings) {
      const [xUp, xDown, yUp, yDown] = [format(x.up), format(x.down), format(y.up), format(y.down)];
      if (xUp === xDown && yUp === yDown) check(`${setting} each way`, xUp, yUp);
      else {
        check(`${setting} up`, xUp, yUp);
        check(`${setting} down`, xDown, yDown);
      }
    }
    check('outages', JSON.stringify(x.outages), JSON.stringify(y.outages));
    check('rebinds', JSON.stringify(x.rebinds), JSON.stringify(y.rebinds));
  }
  check('case impairments', caseImpairments(a), caseImpairments(b));
  return differences;
}
