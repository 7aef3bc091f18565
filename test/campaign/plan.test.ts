// The plan of a campaign: every scenario on every link, repeated; shuffled per repetition from a
// seed (the same seed, the same order), and what a resumed campaign still has to do.
import t from 'tap';
import { planRuns, runsToDo, shuffle, type RunStatus } from '../../harness/campaign/plan.js';
import { seededRandom } from '../../harness/measure/inference.js';

const campaign = {
  scenarios: [
    { name: 'handshake', options: {} },
    { name: 'throughput', options: {} },
  ],
  links: [
    { name: 'lan', options: { profile: 'lan' } },
    { name: '4g', options: { profile: '4g' } },
  ],
  repetitions: 2,
};

t.test('mulberry32: the published sequence for seed 1', async (t) => {
  const random = seededRandom(1);
  t.equal(random(), 0.6270739405881613);
  t.equal(random(), 0.002735721180215478);
});

t.test('listed: as written, scenario by scenario, link by link, repetition after repetition', async (t) => {
  t.same(
    planRuns({ ...campaign, order: 'listed' }, 42).map((r) => r.key),
    ['handshake@lan#1', 'handshake@4g#1', 'throughput@lan#1', 'throughput@4g#1', 'handshake@lan#2', 'handshake@4g#2', 'throughput@lan#2', 'throughput@4g#2'],
  );
});

t.test('shuffled: the exact order for a seed; each repetition runs every combination once', async (t) => {
  const plan = planRuns({ ...campaign, order: 'shuffled' }, 42);
  t.same(
    plan.map((r) => r.key),
    ['handshake@lan#1', 'throughput@4g#1', 'handshake@4g#1', 'throughput@lan#1', 'throughput@4g#2', 'handshake@4g#2', 'handshake@lan#2', 'throughput@lan#2'],
  );
  t.same(
    plan.map((r) => r.index),
    [1, 2, 3, 4, 5, 6, 7, 8],
  );
  t.same(plan[1], { index: 2, key: 'throughput@4g#1', scenarioIndex: 1, scenario: 'throughput', linkIndex: 1, link: '4g', repetition: 1 });
  t.same(planRuns({ ...campaign, order: 'shuffled' }, 42), plan, 'the same seed, the same plan');
  t.same(
    planRuns({ ...campaign, order: 'shuffled' }, 43).map((r) => r.key),
    ['throughput@lan#1', 'handshake@4g#1', 'handshake@lan#1', 'throughput@4g#1', 'throughput@lan#2', 'handshake@4g#2', 'throughput@4g#2', 'handshake@lan#2'],
  );
});

t.test('a scenario listed twice (other options) is told apart by its position', async (t) => {
  const twice = { ...campaign, scenarios: [...campaign.scenarios, { name: 'handshake', options: { samples: 3 } }], links: [campaign.links[0]!], repetitions: 1, order: 'listed' as const };
  t.same(
    planRuns(twice, 1).map((r) => r.key),
    ['handshake[0]@lan#1', 'throughput@lan#1', 'handshake[2]@lan#1'],
  );
});

t.test('shuffle keeps every item', async (t) => {
  t.same([...shuffle([1, 2, 3, 4, 5], seededRandom(9))].sort(), [1, 2, 3, 4, 5]);
});

t.test('resume: completed runs are skipped, failed ones too unless retried; running or interrupted ones run again, in plan order', async (t) => {
  const statuses: RunStatus[] = ['completed', 'failed', 'interrupted', 'running', 'pending', 'completed', 'pending', 'failed'];
  const plan = planRuns({ ...campaign, order: 'shuffled' }, 42).map((run, i) => ({ ...run, status: statuses[i] as RunStatus }));
  t.same(
    runsToDo(plan, false).map((r) => r.index),
    [3, 4, 5, 7],
  );
  t.same(
    runsToDo(plan, true).map((r) => r.index),
    [2, 3, 4, 5, 7, 8],
  );
  t.equal(runsToDo(plan, false)[0], plan[2], 'the index entries themselves, so the runner updates them in place');
});
