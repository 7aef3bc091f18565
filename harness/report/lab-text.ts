// How `npm run lab` and `--list-profiles` show a lab, its conditions and the emulator's live
// statistics as text.
import type { LinkConditions, DirectionConditions } from '../lab/conditions.js';
import { defaultQueueBytes, directionBdpBytes, MIN_QUEUE_PACKETS } from '../lab/conditions.js';
import { histogramQuantileUpperUs, type DirectionStats, type EmulatorStats } from '../lab/emulator-process.js';
import type { LabState } from '../lab/lab-state.js';
import { PROFILES } from '../lab/profiles.js';
import { formatRate } from '../files/sizes.js';

function ms(value: number): string {
  return `${Number(value.toPrecision(6))}ms`;
}

function percent(fraction: number): string {
  return `${Number((fraction * 100).toPrecision(4))}%`;
}

/** The default queue and why it has that size: one bandwidth-delay product, or the floor when that is smaller. */
export function defaultQueueText(conditions: LinkConditions, direction: 'up' | 'down'): string {
  const queueBytes = defaultQueueBytes(conditions, direction);
  const bdpBytes = directionBdpBytes(conditions, direction);
  if (queueBytes === null || bdpBytes === null) return 'none (no rate limit)';
  if (queueBytes > bdpBytes) return `${queueBytes} bytes (the ${MIN_QUEUE_PACKETS}-packet floor; one bandwidth-delay product is ${bdpBytes} bytes)`;
  return `${queueBytes} bytes (one bandwidth-delay product)`;
}

function directionText(conditions: LinkConditions, direction: 'up' | 'down'): string {
  const d: DirectionConditions = conditions[direction];
  const parts: string[] = [];
  if (d.delayMs > 0) parts.push(`delay ${ms(d.delayMs)}`);
  if (d.jitterMs > 0) parts.push(`jitter ${ms(d.jitterMs)}${d.jitterReorders ? ' (reorders)' : ''}`);
  if (d.lossRate > 0) parts.push(`loss ${percent(d.lossRate)}`);
  if (d.burstLoss) {
    const ge = d.burstLoss;
    const average = (ge.goodToBad / (ge.goodToBad + ge.badToGood)) * ge.lossInBad;
    const cap = ge.maxBurstPackets !== null ? `, at most ${ge.maxBurstPackets}` : '';
    parts.push(`burst loss ${percent(average)} (bursts of ${Number((1 / ge.badToGood).toPrecision(4))} packets on average${cap})`);
  }
  if (d.reorderRate > 0) parts.push(`reorder ${percent(d.reorderRate)}`);
  if (d.duplicateRate > 0) parts.push(`duplicate ${percent(d.duplicateRate)}`);
  if (d.corruptRate > 0) parts.push(`corrupt ${percent(d.corruptRate)}`);
  if (d.rateBitsPerSecond !== null) {
    parts.push(`rate ${formatRate(d.rateBitsPerSecond)}`);
    if (d.queue && 'packets' in d.queue) parts.push(`queue ${d.queue.packets} packets`);
    else if (d.queue) parts.push(`queue ${d.queue.bytes} bytes`);
    else parts.push(`queue ${defaultQueueText(conditions, direction)}`);
  }
  return parts.length > 0 ? parts.join(', ') : 'no impairment';
}

/** The link conditions as lines of text (up and down, outages, rebinds, seed). */
export function conditionsText(conditions: LinkConditions): string[] {
  const lines = [`up (client to server):   ${directionText(conditions, 'up')}`, `down (server to client): ${directionText(conditions, 'down')}`];
  for (const o of conditions.outages) {
    const every = o.periodMs !== undefined ? `, every ${ms(o.periodMs)}` : '';
    lines.push(`outage (${o.direction}): from ${ms(o.startMs)} for ${ms(o.durationMs)}${every}`);
  }
  for (const r of conditions.rebinds) lines.push(`rebind: client ${r.kind} at ${ms(r.atMs)}`);
  lines.push(`seed: ${conditions.seed}`);
  return lines;
}

function directionStatsText(name: string, s: DirectionStats): string {
  const drops = Object.entries(s.dropped)
    .filter(([, count]) => count > 0)
    .map(([cause, count]) => `${cause} ${count}`);
  // holdTime: everything the emulator added to a packet (delay, jitter, queue); p50 is a log2 bucket bound.
  const held = s.holdTime.count > 0 ? `; held p50 <= ${histogramQuantileUpperUs(s.holdTime, 0.5)} us, max ${(s.holdTime.maxNs / 1e6).toFixed(3)} ms` : '';
  const queue = s.maxQueuePackets > 0 ? `; queue max ${s.maxQueuePackets} packets (${s.maxQueueBytes} bytes), now ${s.queuePackets}` : '';
  return `${name}: ${s.packetsIn} packets in, ${s.packetsOut} out, dropped ${drops.length > 0 ? drops.join(', ') : 'none'}${held}${queue}`;
}

function statsText(stats: EmulatorStats): string[] {
  return [`link statistics after ${(stats.elapsedMs / 1000).toFixed(1)} s:`, directionStatsText('up', stats.up), directionStatsText('down', stats.down)];
}

export function labText(state: LabState, stats: { stats: EmulatorStats | null } | { error: string } | null): string {
  const a = state.addresses;
  const lines = [
    `lab ${state.labId}: ${state.backend} backend, owner pid ${state.ownerPid} (${state.purpose}), since ${state.createdAt}`,
    `  client  ${state.namespaces.client.padEnd(22)} ${a.clientIpv4 ?? ''}  ${a.clientIpv6 ?? ''}`,
    `  server  ${state.namespaces.server.padEnd(22)} ${a.serverIpv4 ?? ''}  ${a.serverIpv6 ?? ''}`,
  ];
  if (isConditions(state.conditions)) lines.push(...conditionsText(state.conditions).map((l) => `  ${l}`));
  if (stats && 'error' in stats) lines.push(`  link statistics unavailable: ${stats.error}`);
  else if (stats?.stats) lines.push(...statsText(stats.stats).map((l) => `  ${l}`));
  return lines.join('\n') + '\n';
}

function isConditions(value: unknown): value is LinkConditions {
  return typeof value === 'object' && value !== null && 'up' in value && 'down' in value && 'seed' in value;
}

/** The profiles as text for `--list-profiles`: name and description, then the source. */
export function listProfilesText(): string {
  const names = Object.keys(PROFILES);
  const width = Math.max(...names.map((n) => n.length)) + 2;
  const lines: string[] = [];
  for (const name of names) {
    const profile = PROFILES[name];
    if (!profile) continue;
    lines.push(`${name.padEnd(width)}${profile.description}`, `${' '.repeat(width)}source: ${profile.source}`);
  }
  return lines.join('\n') + '\n';
}
