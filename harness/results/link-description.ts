// A link's conditions in words, from the result alone: the profile key of cases run without a
// named profile (so cases pair across runs), and the start of the reports' link line.
import { formatRate } from '../files/sizes.js';
import type { DirectionConditions } from './link.js';
import type { LinkInfo } from './schema.js';

function direction(d: DirectionConditions | undefined): string[] {
  if (!d) return [];
  const parts: string[] = [];
  if (d.jitterMs) parts.push(`jitter ${d.jitterMs} ms`);
  if (d.lossRate) parts.push(`loss ${Number((d.lossRate * 100).toPrecision(4))}%`);
  if (d.burstLoss) parts.push('bursty loss');
  if (d.rateBitsPerSecond) parts.push(formatRate(d.rateBitsPerSecond));
  return parts;
}

/** The link's conditions without the backend: "added round trip 60 ms, loss 5%". */
export function describeConditions(link: LinkInfo): string {
  if (link.backend === 'loopback') return 'loopback';
  if (link.backend === 'direct') return "direct: this host's own network to a remote target";
  const up = link.configured?.up;
  const down = link.configured?.down;
  const rttMs = (up?.delayMs ?? 0) + (down?.delayMs ?? 0);
  const upParts = direction(up);
  const downParts = direction(down);
  const same = upParts.join() === downParts.join();
  const impairments = same ? upParts : [...upParts.map((p) => `up ${p}`), ...downParts.map((p) => `down ${p}`)];
  return `added round trip ${Number(rttMs.toPrecision(6))} ms${impairments.length ? `, ${impairments.join(', ')}` : ''}`;
}
