// `campaign install`: the exact systemd units and crontab lines for --every and --cron, the
// cron -> OnCalendar translation checked against systemd-analyze and croner, and installing under
// a temporary root with stand-ins for systemctl and crontab (never the host's).
import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { Cron } from 'croner';
import { cronForEvery, crontabEntry, crontabWith, onCalendarFor, systemdSpan, systemdUnits, unitName, type InstallHost, type InstallPlan } from '../../harness/campaign/install.js';
import { installCommand } from '../../harness/cli/campaign-schedule-command.js';
import { UsageError } from '../../harness/options/usage-error.js';
import { captureOutput } from '../fixtures/run-cli.js';

const FILE = '/srv/lab/campaigns/nightly.yaml';
const base = { jitterMs: 300_000, file: FILE, projectRoot: '/srv/quic-lab', npmPath: '/usr/bin/npm' };
const every6h: InstallPlan = { ...base, schedule: { every: 6 * 3_600_000 } };
const weekdays: InstallPlan = { ...base, schedule: { cron: '30 9 * * 1-5' } };

const SERVICE = `[Unit]
Description=QUIC lab campaign /srv/lab/campaigns/nightly.yaml

[Service]
Type=oneshot
WorkingDirectory=/srv/quic-lab
ExecStart=/usr/bin/npm run campaign -- run /srv/lab/campaigns/nightly.yaml --scheduled-by systemd
`;

t.test('systemd units for --every 6h: OnActiveSec + OnUnitActiveSec, RandomizedDelaySec for the jitter', async (t) => {
  const units = systemdUnits(every6h);
  t.equal(units.name, 'quic-lab-campaign-nightly');
  t.equal(units.service, SERVICE);
  t.equal(
    units.timer,
    `[Unit]
Description=QUIC lab campaign /srv/lab/campaigns/nightly.yaml, on its schedule

[Timer]
OnActiveSec=6h
OnUnitActiveSec=6h
RandomizedDelaySec=5min
Unit=quic-lab-campaign-nightly.service

[Install]
WantedBy=timers.target
`,
  );
});

t.test('systemd units for --cron: OnCalendar from the expression, Persistent', async (t) => {
  const units = systemdUnits(weekdays);
  t.equal(units.service, SERVICE);
  t.equal(
    units.timer,
    `[Unit]
Description=QUIC lab campaign /srv/lab/campaigns/nightly.yaml, on its schedule

[Timer]
OnCalendar=Mon..Fri *-*-* 09:30:00
Persistent=true
RandomizedDelaySec=5min
Unit=quic-lab-campaign-nightly.service

[Install]
WantedBy=timers.target
`,
  );
});

t.test('crontab lines: a marker line, then the schedule, a random sleep for the jitter, the run', async (t) => {
  t.equal(
    crontabEntry(every6h),
    '# quic-lab campaign /srv/lab/campaigns/nightly.yaml\n0 */6 * * * sleep $(shuf -i 0-300 -n 1) && cd /srv/quic-lab && /usr/bin/npm run campaign -- run /srv/lab/campaigns/nightly.yaml --scheduled-by cron\n',
  );
  t.equal(
    crontabEntry({ ...weekdays, jitterMs: 0, file: "/srv/my lab/it's.yaml" }),
    "# quic-lab campaign /srv/my lab/it's.yaml\n30 9 * * 1-5 cd /srv/quic-lab && /usr/bin/npm run campaign -- run '/srv/my lab/it'\\''s.yaml' --scheduled-by cron\n",
  );
  t.same([15 * 60_000, 60 * 60_000, 8 * 3_600_000, 86_400_000].map(cronForEvery), ['*/15 * * * *', '0 * * * *', '0 */8 * * *', '0 0 * * *']);
  t.throws(() => cronForEvery(90 * 60_000), { message: 'a period of 1h 30min has no crontab equivalent (cron takes minutes dividing an hour, hours dividing a day, or a day; use --cron)' });
  t.same([systemdSpan(5_400_000), systemdSpan(1500), systemdSpan(0)], ['1h 30min', '1s 500ms', '0']);
  t.equal(unitName('/x/Lab Night (v2).json'), 'quic-lab-campaign-Lab-Night-v2');
});

t.test('cron -> OnCalendar: the same next starts as croner, by systemd-analyze', async (t) => {
  const cases: Array<[string, string]> = [
    ['0 */6 * * *', '*-*-* 00/6:00:00'],
    ['30 9 * * 1-5', 'Mon..Fri *-*-* 09:30:00'],
    ['*/15 1-5/2 */2 JAN-MAR *', '*-01..03-01/2 01..05/2:00/15:00'],
    ['0 0 * * 0,6', 'Sun,Sat *-*-* 00:00:00'],
    ['5 4 * * sun', 'Sun *-*-* 04:05:00'],
  ];
  for (const [cron, calendar] of cases) t.equal(onCalendarFor(cron), calendar, cron);
  t.throws(() => onCalendarFor('0 0 1 * 1'), {
    message: '"0 0 1 * 1" has no systemd OnCalendar equivalent here: cron runs when the day of month or the day of week matches, systemd when both do (use --every, a simpler expression, or --kind cron)',
  });
  t.throws(() => onCalendarFor('0 0 L * *'), { message: /"L" is not a plain number, range, list or step/ });
  if (!existsSync('/usr/bin/systemd-analyze')) {
    t.comment('systemd-analyze is not installed: the translation is checked by text only');
    return;
  }
  for (const [cron, calendar] of cases) {
    // systemd-analyze counts from now; croner from the same instant, both in UTC.
    const from = new Date();
    const out = execFileSync('systemd-analyze', ['calendar', '--iterations=4', calendar], { env: { ...process.env, TZ: 'UTC' }, encoding: 'utf8' });
    const elapses = [...out.matchAll(/(?:Next elapse|Iter\. #\d+): \w+ (\S+ \S+) UTC/g)].map((match) => new Date(`${match[1]}Z`).toISOString());
    const expected = new Cron(cron, { timezone: 'UTC' }).nextRuns(4, from).map((date) => date.toISOString());
    t.same(elapses, expected, `${cron}: ${calendar}`);
  }
});

/** A host with a temporary root and stand-ins for systemctl and crontab that record their calls. */
async function fakeHost(t: Test, options: { systemd: boolean; crontab: string | null }): Promise<{ host: InstallHost; calls: string[]; crontab: () => string | null; root: string }> {
  const root = await mkdtemp(join(tmpdir(), 'install-root-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  if (options.systemd) await mkdir(join(root, 'run/systemd/system'), { recursive: true });
  let table = options.crontab;
  const calls: string[] = [];
  const host: InstallHost = {
    root,
    has: (program) => program === 'crontab' && table !== null,
    run: async (command, args, input) => {
      calls.push([command, ...args].join(' '));
      if (command === 'crontab' && args[0] === '-l') {
        if (table === '') throw new Error('crontab -l: no crontab for root');
        return table ?? '';
      }
      if (command === 'crontab' && args[0] === '-') table = input ?? '';
      return '';
    },
  };
  return { host, calls, crontab: () => table, root };
}

async function runInstall(args: string[], deps: Parameters<typeof installCommand>[0]): Promise<{ stdout: string; stderr: string }> {
  const { stdout, stderr } = await captureOutput(() =>
    new Command('campaign')
      .exitOverride()
      .addCommand(installCommand(deps))
      .parseAsync(['install', ...args], { from: 'user' }),
  );
  return { stdout, stderr };
}

t.test('install on a systemd host: units written under the root, enabled through systemctl --root', async (t) => {
  const { host, calls, root } = await fakeHost(t, { systemd: true, crontab: null });
  const file = join(root, 'nightly.yaml');
  await writeFile(file, 'name: nightly\n');
  const { stdout, stderr } = await runInstall([file, '--every', '6h'], { host, npmPath: '/usr/bin/npm', projectRoot: '/srv/quic-lab' });
  const units = systemdUnits({ ...every6h, file });
  t.equal(stdout, `# /etc/systemd/system/${units.name}.service\n${units.service}\n# /etc/systemd/system/${units.name}.timer\n${units.timer}`);
  t.equal(await readFile(join(root, 'etc/systemd/system/quic-lab-campaign-nightly.service'), 'utf8'), units.service);
  t.equal(await readFile(join(root, 'etc/systemd/system/quic-lab-campaign-nightly.timer'), 'utf8'), units.timer);
  t.same(calls, [`systemctl --root=${root} enable quic-lab-campaign-nightly.timer`]);
  t.match(stderr, 'install: enabled quic-lab-campaign-nightly.timer under');
});

t.test('install with crontab: added once, replaced (not duplicated) by a second install, other lines kept', async (t) => {
  const { host, crontab, root } = await fakeHost(t, { systemd: false, crontab: 'MAILTO=ops\n@reboot /usr/local/bin/other\n' });
  const file = join(root, 'nightly.yaml');
  await writeFile(file, 'name: nightly\n');
  const deps = { host, npmPath: '/usr/bin/npm', projectRoot: '/srv/quic-lab' };
  const first = await runInstall([file, '--every', '6h', '--jitter', '0'], deps);
  t.equal(first.stdout, `# quic-lab campaign ${file}\n0 */6 * * * cd /srv/quic-lab && /usr/bin/npm run campaign -- run ${file} --scheduled-by cron\n`);
  t.match(first.stderr, `install: added the crontab entry for ${file}`);
  const second = await runInstall([file, '--cron', '0 3 * * *', '--jitter', '10m'], deps);
  t.match(second.stderr, `install: replaced the crontab entry for ${file}`);
  t.equal(crontab(), `MAILTO=ops\n@reboot /usr/local/bin/other\n# quic-lab campaign ${file}\n0 3 * * * sleep $(shuf -i 0-600 -n 1) && cd /srv/quic-lab && /usr/bin/npm run campaign -- run ${file} --scheduled-by cron\n`);
  t.equal(crontabWith('', 'X\n', file), 'X\n');
});

t.test('install with neither systemd nor crontab, or --print: printed only', async (t) => {
  const { host, calls, root } = await fakeHost(t, { systemd: false, crontab: null });
  const file = join(root, 'nightly.yaml');
  await writeFile(file, 'name: nightly\n');
  const deps = { host, npmPath: '/usr/bin/npm', projectRoot: '/srv/quic-lab' };
  const plain = await runInstall([file, '--every', '1h', '--jitter', '0'], deps);
  t.equal(plain.stdout, `# quic-lab campaign ${file}\n0 * * * * cd /srv/quic-lab && /usr/bin/npm run campaign -- run ${file} --scheduled-by cron\n`);
  t.equal(plain.stderr, 'install: no crontab command here: printed only (add the lines above to a crontab)\n');
  const printed = await runInstall([file, '--cron', '30 9 * * 1-5', '--kind', 'systemd', '--print'], deps);
  t.match(printed.stdout, 'OnCalendar=Mon..Fri *-*-* 09:30:00\n');
  t.equal(printed.stderr, '');
  t.same(calls, []);
  t.notOk(existsSync(join(root, 'etc')), 'nothing written');
});

t.test('bad input: one clear usage error', async (t) => {
  const { host, root } = await fakeHost(t, { systemd: false, crontab: null });
  const file = join(root, 'nightly.yaml');
  await writeFile(file, 'name: nightly\n');
  const deps = { host, npmPath: '/usr/bin/npm', projectRoot: '/srv/quic-lab' };
  await t.rejects(
    runInstall([file, '--cron', '0 25 * * *'], deps),
    new UsageError('--cron: "0 25 * * *" is not a cron expression: Invalid value for hour: 25 (e.g. "0 */6 * * *": minute hour day-of-month month day-of-week)'),
  );
  await t.rejects(runInstall([file, '--every', '6h', '--cron', '0 * * * *'], deps), new UsageError('give one of --every PERIOD or --cron EXPRESSION'));
  await t.rejects(runInstall([file, '--every', '6x'], deps), new UsageError('--every: "6x" is not a duration (a number with a unit: s, m, h or d, e.g. 30m or 6h)'));
  await t.rejects(runInstall([file, '--every', '1m', '--jitter', '2m'], deps), new UsageError('--jitter: must be shorter than the time between starts (60 s)'));
  await t.rejects(runInstall([file, '--every', '90m'], deps), new UsageError('a period of 1h 30min has no crontab equivalent (cron takes minutes dividing an hour, hours dividing a day, or a day; use --cron)'));
  await t.rejects(runInstall([join(root, 'missing.yaml'), '--every', '6h'], deps), new UsageError(`campaign file ${join(root, 'missing.yaml')}: not found`));
});
