// A campaign as a list of runs: every scenario on every link, repeated. Shuffled (the
// default, Flent's batch semantics) means each repetition runs every combination once in its own
// random order, from a seed recorded in the index, so a resumed campaign continues the same
// order and a slow drift of the host spreads over all combinations instead of one.
import { randomInt } from 'node:crypto';
import type { Campaign } from './campaign-file.js';
import { seededRandom } from '../measure/inference.js';

export interface PlannedRun {
  /** 1-based position in the plan. */
  index: number;
  /** "handshake@4g#2": unique in the campaign, stable for a seed. */
  key: string;
  /** Index into the campaign's scenarios and links. */
  scenarioIndex: number;
  scenario: string;
  linkIndex: number;
  link: string;
  /** 1-based. */
  repetition: number;
}

/** A new seed for a campaign that gives none. */
export function newSeed(): number {
  return randomInt(0, 2 ** 32);
}

/** Fisher-Yates with `random`. */
export function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** The campaign's runs in the order they run. */
export function planRuns(campaign: Pick<Campaign, 'scenarios' | 'links' | 'repetitions' | 'order'>, seed: number): PlannedRun[] {
  const counts = new Map<string, number>();
  for (const s of campaign.scenarios) counts.set(s.name, (counts.get(s.name) ?? 0) + 1);
  // A scenario listed twice (with different options) is told apart by its position.
  const label = (i: number): string => {
    const name = campaign.scenarios[i]?.name ?? '';
    return (counts.get(name) ?? 0) > 1 ? `${name}[${i}]` : name;
  };
  const combinations = campaign.scenarios.flatMap((_, scenarioIndex) => campaign.links.map((_, linkIndex) => ({ scenarioIndex, linkIndex })));
  const random = seededRandom(seed);
  const runs: PlannedRun[] = [];
  for (let repetition = 1; repetition <= campaign.repetitions; repetition++) {
    const order = campaign.order === 'shuffled' ? shuffle(combinations, random) : combinations;
    for (const { scenarioIndex, linkIndex } of order) {
      const link = campaign.links[linkIndex]?.name ?? '';
      runs.push({
        index: runs.length + 1,
        key: `${label(scenarioIndex)}@${link}#${repetition}`,
        scenarioIndex,
        scenario: campaign.scenarios[scenarioIndex]?.name ?? '',
        linkIndex,
        link,
        repetition,
      });
    }
  }
  return runs;
}

export type RunStatus = 'pending' | 'running' | 'completed' | 'failed' | 'interrupted';

/**
 * The runs still to do, in plan order: not completed, and not failed unless `retryFailed`.
 * A run left "running" (the process was killed) or interrupted is done again.
 */
export function runsToDo<T extends PlannedRun & { status: RunStatus }>(plan: readonly T[], retryFailed: boolean): T[] {
  return plan.filter((run) => run.status !== 'completed' && (run.status !== 'failed' || retryFailed));
}
