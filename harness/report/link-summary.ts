// One line saying what link a result was measured on, from the result file alone.
import { describeConditions } from '../results/link-description.js';
import type { LinkInfo } from '../results/schema.js';

export function describeLink(link: LinkInfo): string {
  if (link.backend === 'loopback' || link.backend === 'direct') return describeConditions(link);
  const profile = link.profile ? `profile ${link.profile}, ` : '';
  return `${link.backend}, ${profile}${describeConditions(link)}`;
}
