// The campaign runner's refusals, all before any run (no lab needed), and the CLI's: a bad file
// is one line "FILE:LINE:COLUMN: ..." and exit 2; --resume finds nothing, or a changed file, or
// a directory already holding a campaign. GitHub Actions is recorded as what started a run.
import t from 'tap';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCampaign } from '../../harness/campaign/campaign-file.js';
import { readIndex, writeIndex } from '../../harness/campaign/index-file.js';
import { planRuns } from '../../harness/campaign/plan.js';
import { runCampaign, triggerFromEnvironment } from '../../harness/campaign/run.js';
import { renderThresholdTable } from '../../harness/cli/campaign-command.js';
import { UsageError } from '../../harness/options/usage-error.js';
import { runCli } from '../fixtures/run-cli.js';

const TEXT = 'name: unit\nscenarios: [handshake]\nprofiles: [lan, 4g]\nrepetitions: 2\nseed: 11\n';

t.test('the CLI: a bad campaign file is one line naming the line, exit 2; --retry-failed needs --resume', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'campaign-run-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'c.yaml');
  await writeFile(file, 'name: x\nscenarios: [handshake]\nprofiles: [lan]\npause: 3\n');
  t.same(await runCli(['campaign', 'run', file]), {
    code: 2,
    stdout: '',
    stderr: `error: ${file}:4:1: unknown key "pause", did you mean "pauseSeconds"? (known: name, description, scenarios, profiles, links, targets, options, repetitions, order, seed, pauseSeconds, thresholds)\n`,
  });
  t.same(await runCli(['campaign', 'run', file, '--retry-failed']), { code: 2, stdout: '', stderr: 'error: --retry-failed: only with --resume\n' });
  t.same(await runCli(['campaign', 'run', file, '--scheduled-by', 'anacron']), {
    code: 2,
    stdout: '',
    stderr: 'error: --scheduled-by: unknown value "anacron" (one of: manual, quic-lab-scheduler, systemd, cron, github-actions)\n',
  });
  t.equal((await runCli(['campaign'])).code, 2, 'no subcommand: the usage');
});

t.test('runCampaign refuses, before any run: --resume with no index, an index of another plan, a directory already used', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'campaign-run-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const campaign = await parseCampaign(TEXT, 'c.yaml');
  const trigger = { scheduledBy: 'manual' as const };
  await t.rejects(runCampaign(campaign, { dir, resume: true, trigger }), new UsageError(`--resume: ${dir} has no index.json`));

  const plan = planRuns(campaign, 11).map((run) => ({ ...run, status: 'pending' as const }));
  const base = { version: 1 as const, campaign: 'unit', campaignFile: 'c.yaml', seed: 11, order: 'shuffled' as const, createdAt: 'x', updatedAt: 'x' };
  await writeIndex(dir, { ...base, runs: plan.slice(1) });
  await t.rejects(runCampaign(campaign, { dir, resume: true, trigger }), new UsageError(`--resume: the campaign's runs differ from those in ${dir}/index.json (the file changed?): start a new campaign instead`));
  await writeIndex(dir, { ...base, campaign: 'other', runs: plan });
  await t.rejects(runCampaign(campaign, { dir, resume: true, trigger }), new UsageError(`--resume: ${dir} holds campaign "other", not "unit"`));
  await t.rejects(runCampaign(campaign, { dir, trigger }), new UsageError(`${dir} already holds a campaign: --resume to continue it, or another --dir`));

  // Everything done already: a resume runs nothing and reports the thresholds (none here): exit 0.
  const done = plan.map((run) => ({ ...run, status: 'completed' as const }));
  await writeIndex(dir, { ...base, runs: done });
  const outcome = await runCampaign(campaign, { dir, resume: true, trigger });
  t.same([outcome.exitCode, outcome.interrupted, outcome.seed, outcome.runs.length], [0, false, 11, 4]);
  t.same(
    (await readIndex(dir))?.runs.map((r) => r.status),
    ['completed', 'completed', 'completed', 'completed'],
  );
  // A failed run, not retried: the campaign's exit code is 1.
  await writeIndex(dir, { ...base, runs: done.map((run, i) => (i === 2 ? { ...run, status: 'failed' as const, exitCode: 1 } : run)) });
  t.equal((await runCampaign(campaign, { dir, resume: true, trigger })).exitCode, 1);
  await mkdir(join(dir, 'empty'));
  await t.rejects(runCampaign(campaign, { dir: join(dir, 'empty'), resume: true, trigger }), new UsageError(`--resume: ${join(dir, 'empty')} has no index.json`));
});

t.test('GITHUB_ACTIONS=true records github-actions for a manual start; a scheduler keeps its own name', async (t) => {
  t.same(triggerFromEnvironment({ scheduledBy: 'manual' }, { GITHUB_ACTIONS: 'true' }), { scheduledBy: 'github-actions' });
  t.same(triggerFromEnvironment({ scheduledBy: 'manual' }, {}), { scheduledBy: 'manual' });
  t.same(triggerFromEnvironment({ scheduledBy: 'systemd', schedule: 'daily' }, { GITHUB_ACTIONS: 'true' }), { scheduledBy: 'systemd', schedule: 'daily' });
});

t.test('the thresholds table: one row per series, errors said', async (t) => {
  t.equal(renderThresholdTable([]), 'thresholds: none\n');
  t.equal(
    renderThresholdTable([
      {
        threshold: 'quic-h3 handshakeMs < 15',
        status: 'fail',
        series: [
          { scenario: 'handshake', caseId: 'quic-h3', profile: 'lan', workload: '1KB', runIds: ['a', 'b'], values: [10, 12], value: 11, limit: 15, status: 'pass' },
          { scenario: 'handshake', caseId: 'quic-h3', profile: '4g', workload: '1KB', runIds: ['c'], values: [300], value: 300, limit: 15, status: 'fail' },
        ],
      },
      { threshold: 'smb3 copyMs < 1', status: 'error', error: '"smb3" matches no case', series: [] },
    ]),
    [
      'threshold                 series                     runs       median  limit  result',
      'quic-h3 handshakeMs < 15  handshake quic-h3 lan 1KB  10.0 12.0    11.0   15.0  PASS',
      'quic-h3 handshakeMs < 15  handshake quic-h3 4g 1KB   300           300   15.0  FAIL',
      'smb3 copyMs < 1           -                          -               -      -  ERROR: "smb3" matches no case',
      '',
    ].join('\n'),
  );
});
