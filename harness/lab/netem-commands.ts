// The tc commands the netem backend runs: on each veth end, a root netem qdisc for delay,
// jitter, loss, reordering, duplication and corruption, and a tbf child for rate and queue.
// Pure, so the exact commands are unit-tested on hosts without sch_netem (like this one).
import { defaultQueueBytes, MTU_BYTES, type DirectionConditions, type LinkConditions } from './conditions.js';

export interface VethEnd {
  netns: string;
  device: string;
}

function formatMs(ms: number): string {
  // tc accepts microseconds; keep whole microseconds so sub-millisecond delays survive.
  return `${Math.round(ms * 1000)}us`;
}

function formatPercent(fraction: number): string {
  return `${Number((fraction * 100).toPrecision(6))}%`;
}

function netemArguments(conditions: DirectionConditions): string[] {
  const args: string[] = [];
  if (conditions.delayMs > 0 || conditions.jitterMs > 0) {
    args.push('delay', formatMs(conditions.delayMs));
    if (conditions.jitterMs > 0) args.push(formatMs(conditions.jitterMs));
  }
  if (conditions.burstLoss) {
    const ge = conditions.burstLoss;
    // netem's gemodel takes p, r, 1-h (loss in bad) and 1-k (loss in good); random loss
    // given beside bursts becomes the good state's loss.
    args.push('loss', 'gemodel', formatPercent(ge.goodToBad), formatPercent(ge.badToGood), formatPercent(ge.lossInBad), formatPercent(conditions.lossRate));
  } else if (conditions.lossRate > 0) {
    args.push('loss', 'random', formatPercent(conditions.lossRate));
  }
  if (conditions.reorderRate > 0) args.push('reorder', formatPercent(conditions.reorderRate));
  if (conditions.duplicateRate > 0) args.push('duplicate', formatPercent(conditions.duplicateRate));
  if (conditions.corruptRate > 0) args.push('corrupt', formatPercent(conditions.corruptRate));
  return args;
}

/** Reasons these conditions cannot be expressed with netem, empty when they can. */
export function netemLimitations(conditions: LinkConditions): string[] {
  const problems: string[] = [];
  if (conditions.rebinds.length > 0) problems.push('NAT rebinding needs the emulator backend');
  if (conditions.outages.length > 0) problems.push('scripted outages need the emulator backend');
  for (const direction of ['up', 'down'] as const) {
    const burst = conditions[direction].burstLoss;
    if (burst && burst.maxBurstPackets !== null) problems.push(`a cap on loss bursts (${direction}) needs the emulator backend`);
  }
  return problems;
}

/** tc commands (argv arrays) that impose `conditions`: up on the client end, down on the server end. */
export function netemCommands(conditions: LinkConditions, ends: { client: VethEnd; server: VethEnd }): string[][] {
  const commands: string[][] = [];
  for (const [direction, end] of [
    ['up', ends.client],
    ['down', ends.server],
  ] as const) {
    const tc = ['ip', 'netns', 'exec', end.netns, 'tc', 'qdisc'];
    const d = conditions[direction];
    commands.push([...tc, 'replace', 'dev', end.device, 'root', 'handle', '1:', 'netem', ...netemArguments(d), 'limit', '100000']);
    const queueBytes = d.queue ? ('bytes' in d.queue ? d.queue.bytes : d.queue.packets * MTU_BYTES) : defaultQueueBytes(conditions, direction);
    if (d.rateBitsPerSecond !== null) {
      // tbf: one MTU of burst keeps the shaping packet-accurate; limit is the queue in bytes.
      commands.push([...tc, 'add', 'dev', end.device, 'parent', '1:1', 'handle', '2:', 'tbf', 'rate', `${Math.round(d.rateBitsPerSecond)}bit`, 'burst', String(MTU_BYTES), 'limit', String(queueBytes)]);
    } else if (d.jitterMs > 0 && !d.jitterReorders) {
      // netem's own tfifo reorders jittered packets; a pfifo child keeps them in order (tc-netem(8)).
      commands.push([...tc, 'add', 'dev', end.device, 'parent', '1:1', 'handle', '2:', 'pfifo', 'limit', '100000']);
    }
  }
  return commands;
}
