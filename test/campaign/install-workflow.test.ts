// The GitHub Actions workflow for lab runners: what it runs where (read as YAML), and actionlint
// (built by setup into tools/actionlint/out) passing it and failing a broken copy, with no network.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { projectPath } from '../../harness/project-root.js';

const WORKFLOW = projectPath('.github/workflows/lab-campaign.yml');
const ACTIONLINT = projectPath('tools/actionlint/out/bin/actionlint');

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Workflow {
  on: { schedule: Array<{ cron: string }>; workflow_dispatch: { inputs: Record<string, unknown> } };
  jobs: Record<string, { 'runs-on': unknown; needs?: string; concurrency?: { group: string; 'cancel-in-progress': boolean }; strategy?: { matrix: { include: Array<Record<string, string>> } }; steps: Step[] }>;
}

t.test('one campaign per lab runner, then the history job', async (t) => {
  const workflow = parse(readFileSync(WORKFLOW, 'utf8')) as Workflow;
  t.ok(workflow.on.schedule[0]?.cron, 'a cron schedule');
  t.ok(workflow.on.workflow_dispatch.inputs.campaign, 'a campaign input for manual runs');
  const campaign = workflow.jobs.campaign!;
  t.same(campaign['runs-on'], ['self-hosted', 'linux', 'quic-lab', '${{ matrix.host }}']);
  t.same(campaign.concurrency, { group: 'lab-campaign-${{ matrix.host }}', 'cancel-in-progress': false });
  t.ok(
    campaign.strategy?.matrix.include.every((entry) => entry.host && entry.campaign),
    'each host names its campaign file',
  );
  t.same(
    campaign.steps.map((step) => step.run ?? step.uses?.replace(/@.*/, '')),
    ['actions/checkout', 'npm run setup', 'npm run campaign -- run "$CAMPAIGN" --scheduled-by github-actions', 'actions/upload-artifact'],
  );
  const history = workflow.jobs.history!;
  t.equal(history.needs, 'campaign');
  t.ok(
    history.steps.some((step) => step.run === 'npm run history -- ingest history/runs'),
    'ingests the downloaded runs',
  );
  for (const job of Object.values(workflow.jobs)) {
    for (const step of job.steps) if (step.uses) t.match(step.uses, /^[\w-]+\/[\w-]+@[0-9a-f]{40}$/, `${step.uses} pinned by commit`);
  }
});

t.test('actionlint passes the workflow and fails a broken copy, offline', async (t) => {
  if (!existsSync(ACTIONLINT)) {
    t.comment('actionlint is not built (setup skipped it: no Go); not checked');
    return;
  }
  // A network namespace of its own where unshare can make one: proof that it needs no network.
  const offline = spawnSync('unshare', ['-n', 'true']).status === 0;
  const lint = (...files: string[]) =>
    spawnSync(offline ? 'unshare' : ACTIONLINT, [...(offline ? ['-n', ACTIONLINT] : []), '-no-color', '-config-file', projectPath('.github/actionlint.yaml'), ...files], { encoding: 'utf8' });
  const good = lint(WORKFLOW);
  t.equal(good.status, 0, `passes${offline ? ' with no network' : ''}: ${good.stdout}${good.stderr}`);
  const dir = await mkdtemp(join(tmpdir(), 'actionlint-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const broken = join(dir, 'broken.yml');
  await writeFile(broken, readFileSync(WORKFLOW, 'utf8').replace('needs: campaign', 'needs: campain'));
  const bad = lint(broken);
  t.equal(bad.status, 1);
  t.match(bad.stdout, 'job "history" needs job "campain" which does not exist in this workflow [job-needs]');
});
