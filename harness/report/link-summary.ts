// One line saying what link a result was measured on, from the result file alone.
import { describeConditions } from '../results/link-description.js';
import type { LinkInfo, ResultDocument, TargetInfo } from '../results/schema.js';

export function describeLink(link: LinkInfo): string {
  if (link.backend === 'loopback' || link.backend === 'direct') return describeConditions(link);
  const profile = link.profile ? `profile ${link.profile}, ` : '';
  return `${link.backend}, ${profile}${describeConditions(link)}`;
}

/** "against https://h/files/{bytes} at 198.19.252.2 (Server: Caddy; its path: RTT 0.2 ms, loss 0%)". */
export function describeTarget(target: TargetInfo): string {
  const path = target.path;
  const pathText =
    path === null
      ? 'its path not measured'
      : `its path${target.via === 'lab' ? ' beyond the lab' : ''}: RTT ${path.rttMedianMs === null ? 'unknown' : `${Number(path.rttMedianMs.toPrecision(3))} ms`}, loss ${Number((path.lossFraction * 100).toPrecision(3))}%`;
  return `against ${target.url} at ${target.address} (Server: ${target.server ?? 'none sent'}; ${pathText})`;
}

/** The run's link, and the remote target it measured when it did. */
export function describeRunLink(document: Pick<ResultDocument, 'link' | 'target'>): string {
  return document.target === undefined ? describeLink(document.link) : `${describeLink(document.link)}, ${describeTarget(document.target)}`;
}
