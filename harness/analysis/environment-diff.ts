// What differs between the machines and stacks of two runs, said before any number is
// compared: a kernel, an implementation version, a link backend or a congestion controller
// can each explain a change on their own.
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
