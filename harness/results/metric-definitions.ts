// What each metric of a result means (unit, which way is better, where it comes from), for
// reports and compare. DeclaredMetric by the scenario; metrics the harness derives (round trips,
// wire timings) and metrics of unknown origin get a definition from their name's unit suffix.
import type { MetricDefinition, MetricProvenance, ResultCase, ResultDocument } from './schema.js';

/** A metric as a scenario declares it: `better` defaults from the unit, `provenance` as provenanceFor says. */
export type DeclaredMetric = Omit<MetricDefinition, 'better' | 'provenance'> & { better?: MetricDefinition['better']; provenance?: MetricProvenance };

/** The source of a measured metric no finer source is recorded for: the client's own report of the sample. */
export const CLIENT_SOURCE = 'client';
/** The round trip the harness divides timings by (lab runs). */
export const CALIBRATED_ROUND_TRIP = 'link.achieved.calibration.rttMedianMs';

/** Measured from the packet capture (wire metrics of the harness and of scenarios). */
export const CAPTURE: MetricProvenance = { kind: 'measured', sources: ['packet-capture'] };

/** The wire's body timings are the capture's; its goodput is derived from them. */
const WIRE_GOODPUT: MetricProvenance = { kind: 'derived', from: ['bodyBytes', 'wireBodyStartMs', 'wireBodyEndMs'], method: 'bodyBytes x 8 over wireBodyEndMs - wireBodyStartMs' };

/** Metrics the harness adds to scenarios' samples (run/wire-stage.ts), declared once here. */
export const HARNESS_METRICS: readonly DeclaredMetric[] = [
  { name: 'wireHandshakeMs', unit: 'ms', description: "from the client's first packet to the arrival of the packet completing the server's TLS Finished, on the wire", provenance: CAPTURE },
  { name: 'wireTtfbMs', unit: 'ms', description: "from the client's first packet to the first server packet carrying response data, on the wire", provenance: CAPTURE },
  {
    name: 'wireBodyStartMs',
    unit: 'ms',
    description: "download: the first server packet carrying response data; upload: the client's first packet carrying the request (from the client's first packet)",
    provenance: CAPTURE,
  },
  { name: 'wireBodyEndMs', unit: 'ms', description: 'download: the last server packet carrying response data; upload: the first packet of the response', provenance: CAPTURE },
  { name: 'wireCompletionMs', unit: 'ms', description: "from the client's first packet (SYN or Initial) to the end of the body on the wire", provenance: CAPTURE },
  { name: 'wireAllDoneMs', unit: 'ms', description: "page load: from the first connection's first packet to the last packet of the last object, on the wire", provenance: CAPTURE },
  { name: 'wireObjectFirstMs', unit: 'ms', description: 'page load: the first object complete on the wire, same origin', provenance: CAPTURE },
  { name: 'wireObjectMedianMs', unit: 'ms', description: 'page load: the median object complete on the wire, same origin', provenance: CAPTURE },
  { name: 'wireObjectP95Ms', unit: 'ms', description: 'page load: the 95th percentile object complete on the wire, same origin', provenance: CAPTURE },
  { name: 'wireCopyMs', unit: 'ms', description: "SMB-style copy: from the packet completing the server's Finished to the last packet of the last read, on the wire", provenance: CAPTURE },
  {
    name: 'wireGoodputBitsPerSecond',
    unit: 'bits/s',
    description: 'body bits over the time from the first to the last packet carrying the body (SMB-style copies: over wireCopyMs), on the wire',
    provenance: WIRE_GOODPUT,
  },
  {
    name: 'wireRepeatedPackets',
    unit: 'count',
    better: 'lower',
    description: "the sending side's packets that carried body data below what it had already delivered: losses repaired, spurious repeats and reordering, as the client's side sees them",
    provenance: CAPTURE,
  },
  { name: 'serverCertificateSent', unit: 'count', description: 'the server sent a Certificate message (1) or not (0)', provenance: CAPTURE },
  { name: 'serverFirstFlightBytes', unit: 'bytes', description: "payload bytes the server sent up to its Finished", provenance: CAPTURE },
  { name: 'clientFirstFlightBytes', unit: 'bytes', description: "payload bytes the client sent before the server's first answer", provenance: CAPTURE },
  { name: 'amplificationLimitExceeded', unit: 'count', description: "QUIC: the server's first flight exceeded 3 x the client's (1) or not (0)", provenance: CAPTURE },
  { name: 'wireHandshakeRounds', unit: 'count', better: 'lower', description: 'times the client waited for the server before it had its Finished, on the wire', provenance: CAPTURE },
  { name: 'clientPacketsBeforeHandshake', unit: 'count', description: "packets the client sent up to the server's Finished", provenance: CAPTURE },
  { name: 'serverPacketsBeforeHandshake', unit: 'count', description: 'packets the server sent up to its Finished', provenance: CAPTURE },
  { name: 'clientIpBytesBeforeHandshake', unit: 'bytes', description: "IP bytes the client sent up to the server's Finished", provenance: CAPTURE },
  { name: 'serverIpBytesBeforeHandshake', unit: 'bytes', description: 'IP bytes the server sent up to its Finished', provenance: CAPTURE },
];

const HARNESS_METRIC_PROVENANCE: Readonly<Record<string, MetricProvenance | undefined>> = Object.fromEntries(HARNESS_METRICS.map((m) => [m.name, m.provenance]));

/** Per metric, the timing sources the cases recorded for it, and whether some case had it without one. */
export type SourcesSeen = ReadonlyMap<string, { sources: ReadonlySet<string>; untimed: boolean }>;

export function sourcesSeen(cases: ReadonlyArray<Pick<ResultCase, 'summary' | 'timingSources'>>): SourcesSeen {
  const seen = new Map<string, { sources: Set<string>; untimed: boolean }>();
  for (const c of cases) {
    for (const name of Object.keys(c.summary)) {
      const entry = seen.get(name) ?? { sources: new Set<string>(), untimed: false };
      const source = c.timingSources[name]?.source;
      if (source !== undefined) entry.sources.add(source);
      else entry.untimed = true;
      seen.set(name, entry);
    }
  }
  return seen;
}

/**
 * Where metric `name` comes from: derived as declared (or, for "xRoundTrips", from "xMs" and the
 * calibrated round trip); else measured, by the timing sources the cases recorded and, for
 * cases without one, the declared sources (the harness's for its own metrics) or the client.
 */
export function provenanceFor(name: string, declared: MetricProvenance | undefined, seen: SourcesSeen = new Map()): MetricProvenance {
  const known = declared ?? HARNESS_METRIC_PROVENANCE[name];
  if (known?.kind === 'derived') return known;
  const roundTrips = /^(.+)RoundTrips$/.exec(name);
  if (known === undefined && roundTrips) {
    const ms = `${roundTrips[1]}Ms`;
    return { kind: 'derived', from: [ms, CALIBRATED_ROUND_TRIP], method: `${ms} divided by the run's calibrated median round trip` };
  }
  const entry = seen.get(name);
  const sources = new Set(entry?.sources ?? []);
  if (known !== undefined) for (const source of known.sources) sources.add(source);
  else if (entry === undefined || entry.untimed) sources.add(CLIENT_SOURCE);
  return { kind: 'measured', sources: [...sources].sort() };
}

/** Timings are better lower and rates higher; anything else says nothing unless declared. */
function defaultBetter(unit: MetricDefinition['unit']): MetricDefinition['better'] {
  if (unit === 'ms' || unit === 'round trips') return 'lower';
  if (unit === 'bits/s') return 'higher';
  return 'neither';
}

export function completeDefinition(declared: DeclaredMetric, seen?: SourcesSeen): MetricDefinition {
  return {
    name: declared.name,
    unit: declared.unit,
    description: declared.description,
    better: declared.better ?? defaultBetter(declared.unit),
    provenance: provenanceFor(declared.name, declared.provenance, seen),
  };
}

/** A definition read off the name: "...Ms", "...BitsPerSecond", "...RoundTrips", "...Bytes". */
export function inferDefinition(name: string, seen?: SourcesSeen): MetricDefinition {
  const unit: MetricDefinition['unit'] = /Ms$/.test(name)
    ? 'ms'
    : /BitsPerSecond$/.test(name)
      ? 'bits/s'
      : /RoundTrips$/.test(name)
        ? 'round trips'
        : /Bytes$/.test(name)
          ? 'bytes'
          : 'count';
  return { name, unit, description: '', better: defaultBetter(unit), provenance: provenanceFor(name, undefined, seen) };
}

/** Definitions for every metric in `names`: declared ones in declared order, then the others inferred. */
export function definitionsFor(names: Iterable<string>, declared: readonly DeclaredMetric[], seen?: SourcesSeen): MetricDefinition[] {
  const present = new Set(names);
  const ownNames = new Set(declared.map((d) => d.name));
  const known = [...declared, ...HARNESS_METRICS.filter((m) => !ownNames.has(m.name))].filter((d) => present.has(d.name));
  const others = [...present].filter((name) => !known.some((d) => d.name === name)).sort();
  return [...known.map((d) => completeDefinition(d, seen)), ...others.map((name) => inferDefinition(name, seen))];
}

/** The document's definition of metric `name`. */
export function metricDefinition(document: Pick<ResultDocument, 'metrics'>, name: string): MetricDefinition | undefined {
  return document.metrics.find((m) => m.name === name);
}
