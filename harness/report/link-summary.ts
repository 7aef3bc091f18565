// One line saying what link a result was measured on, from the result file alone.
import type { DirectionConditions } from '../results/link.js';
import type { LinkInfo } from '../results/schema.js';

/** A rate in the largest unit that keeps it at 1 or more: "6 Mbit/s", "750 kbit/s". */
export function formatRate(bitsPerSecond: number): string {
  if (bitsPerSecond >= 1e9) return `${Number((bitsPerSecond / 1e9).toPrecision(4))} Gbit/s`;
  if (bitsPerSecond >= 1e6) return `${Number((bitsPerSecond / 1e6).toPrecision(4))} Mbit/s`;
  return `${Number((bitsPerSecond / 1e3).toPrecision(4))} kbit/s`;
}

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
  const up = link.configured?.up;
  const down = link.configured?.down;
  const rttMs = (up?.delayMs ?? 0) + (down?.delayMs ?? 0);
  const upParts = direction(up);
  const downParts = direction(down);
  const same = upParts.join() === downParts.join();
  const impairments = same ? upParts : [...upParts.map((p) => `up ${p}`), ...downParts.map((p) => `down ${p}`)];
  return `added round trip ${Number(rttMs.toPrecision(6))} ms${impairments.length ? `, ${impairments.join(', ')}` : ''}`;
}

export function describeLink(link: LinkInfo): string {
  if (link.backend === 'loopback') return 'loopback';
  const profile = link.profile ? `profile ${link.profile}, ` : '';
  return `${link.backend}, ${profile}${describeConditions(link)}`;
}
