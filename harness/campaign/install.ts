// For hosts that prefer their own scheduler to `campaign schedule`: a systemd service + timer
// pair, or a crontab line, that runs `npm run campaign -- run FILE` on the same schedule. The
// texts are built here (pure, tested exactly); installing them is a separate step, with the
// root directory, the commands and what is on PATH passed in so a test never touches the
// host's /etc/systemd or crontab.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { cronFor, ScheduleError } from './scheduler.js';

export type InstallSchedule = { every: number } | { cron: string };

export interface InstallPlan {
  schedule: InstallSchedule;
  jitterMs: number;
  /** The campaign file, absolute. */
  file: string;
  /** Where npm runs (the project root). */
  projectRoot: string;
  /** npm, absolute: cron's PATH and systemd's are not the user's. */
  npmPath: string;
}

/** "quic-lab-campaign-nightly" for .../nightly.yaml: one unit (and one crontab entry) per campaign file name. */
export function unitName(file: string): string {
  const stem = basename(file, extname(file))
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `quic-lab-campaign-${stem || 'campaign'}`;
}

/** A systemd time span: 21600000 -> "6h", 5400000 -> "1h 30min", 1500 -> "1s 500ms". */
export function systemdSpan(ms: number): string {
  const parts: string[] = [];
  let left = Math.round(ms);
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['min', 60_000],
    ['s', 1000],
    ['ms', 1],
  ] as const) {
    const count = Math.floor(left / size);
    if (count > 0) parts.push(`${count}${unit}`);
    left -= count * size;
  }
  return parts.join(' ') || '0';
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const CRON_DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const SYSTEMD_DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

function notCalendar(expression: string, why: string): ScheduleError {
  return new ScheduleError(`"${expression}" has no systemd OnCalendar equivalent here: ${why} (use --every, a simpler expression, or --kind cron)`);
}

/**
 * One cron field as an OnCalendar component: "*", "N", "A-B" (-> "A..B"), "*\/S" (-> "FIRST/S"),
 * "A-B/S" (-> "A..B/S"), and lists of those. Names (JAN, MON) become numbers first. Croner has already checked
 * the expression; this only rewrites the syntax it shares with systemd.
 */
function calendarField(expression: string, field: string, first: number, names: readonly string[], pad: number): string {
  const number = (text: string): number => {
    const named = names.indexOf(text.toUpperCase());
    const value = named >= 0 ? named + (names === MONTHS ? 1 : 0) : Number(text);
    if (!/^\d+$/.test(text) && named < 0) throw notCalendar(expression, `"${field}" is not a plain number, range, list or step`);
    return value;
  };
  const show = (value: number): string => String(value).padStart(pad, '0');
  if (field === '*') return '*';
  return field
    .split(',')
    .map((item) => {
      const [base = '', stepText] = item.split('/');
      const step = stepText === undefined ? '' : `/${Number(stepText)}`;
      if (base === '*') return `${show(first)}${step}`;
      const range = /^([^-]+)-([^-]+)$/.exec(base);
      if (range?.[1] !== undefined && range[2] !== undefined) return `${show(number(range[1]))}..${show(number(range[2]))}${step}`;
      return `${show(number(base))}${step}`;
    })
    .join(',');
}

/** Day-of-week names for systemd: "1-5" -> "Mon..Fri", "0,6" -> "Sun,Sat" (7 is Sunday too). */
function calendarDays(expression: string, field: string): string {
  const day = (text: string): string => {
    const named = CRON_DAYS.indexOf(text.toUpperCase());
    const value = named >= 0 ? named : /^[0-7]$/.test(text) ? Number(text) % 7 : -1;
    if (value < 0) throw notCalendar(expression, `day of week "${text}" is not a plain day, range or list`);
    return SYSTEMD_DAYS[value] as string;
  };
  return field
    .split(',')
    .map((item) => {
      const range = /^([^-]+)-([^-]+)$/.exec(item);
      return range?.[1] !== undefined && range[2] !== undefined ? `${day(range[1])}..${day(range[2])}` : day(item);
    })
    .join(',');
}

/**
 * A five-field cron expression as systemd's OnCalendar: "0 *\/6 * * *" -> "*-*-* 00/6:00:00",
 * "30 9 * * 1-5" -> "Mon..Fri *-*-* 09:30:00". Cron runs a job when the day of month OR the day
 * of week matches (both restricted); systemd needs both, so that case is refused.
 */
export function onCalendarFor(expression: string): string {
  cronFor(expression);
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) throw notCalendar(expression, 'only five-field expressions (minute hour day-of-month month day-of-week) are translated');
  const [minute, hour, dom, month, dow] = fields as [string, string, string, string, string];
  if (dom !== '*' && dow !== '*') throw notCalendar(expression, 'cron runs when the day of month or the day of week matches, systemd when both do');
  const date = `*-${calendarField(expression, month, 1, MONTHS, 2)}-${calendarField(expression, dom, 1, [], 2)}`;
  const time = `${calendarField(expression, hour, 0, [], 2)}:${calendarField(expression, minute, 0, [], 2)}:00`;
  return `${dow === '*' ? '' : `${calendarDays(expression, dow)} `}${date} ${time}`;
}

/** A period as a cron expression, when cron can say it: minutes dividing an hour, hours dividing a day, a day. */
export function cronForEvery(everyMs: number): string {
  const minutes = everyMs / 60_000;
  if (Number.isInteger(minutes) && minutes >= 1) {
    if (minutes < 60 && 60 % minutes === 0) return minutes === 1 ? '* * * * *' : `*/${minutes} * * * *`;
    const hours = minutes / 60;
    if (Number.isInteger(hours) && hours < 24 && 24 % hours === 0) return hours === 1 ? '0 * * * *' : `0 */${hours} * * *`;
    if (hours === 24) return '0 0 * * *';
  }
  throw new ScheduleError(`a period of ${systemdSpan(everyMs)} has no crontab equivalent (cron takes minutes dividing an hour, hours dividing a day, or a day; use --cron)`);
}

/** A word for sh: quoted unless plainly safe. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A word for systemd's ExecStart: quoted when it has a space or a quote. */
function unitWord(word: string): string {
  return /^[^\s"'\\$%;]+$/.test(word) ? word : `"${word.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\$/g, '$$$$').replace(/%/g, '%%')}"`;
}

function runArgs(plan: InstallPlan, scheduledBy: 'systemd' | 'cron'): string[] {
  return [plan.npmPath, 'run', 'campaign', '--', 'run', plan.file, '--scheduled-by', scheduledBy];
}

export interface SystemdUnits {
  name: string;
  service: string;
  timer: string;
}

export function systemdUnits(plan: InstallPlan): SystemdUnits {
  const name = unitName(plan.file);
  const service = [
    '[Unit]',
    `Description=QUIC lab campaign ${plan.file}`,
    '',
    '[Service]',
    'Type=oneshot',
    `WorkingDirectory=${unitWord(plan.projectRoot)}`,
    `ExecStart=${runArgs(plan, 'systemd').map(unitWord).join(' ')}`,
    '',
  ].join('\n');
  // A timer never starts its service while the service still runs: no overlap by construction.
  const when = 'every' in plan.schedule ? [`OnActiveSec=${systemdSpan(plan.schedule.every)}`, `OnUnitActiveSec=${systemdSpan(plan.schedule.every)}`] : [`OnCalendar=${onCalendarFor(plan.schedule.cron)}`, 'Persistent=true'];
  const timer = [
    '[Unit]',
    `Description=QUIC lab campaign ${plan.file}, on its schedule`,
    '',
    '[Timer]',
    ...when,
    `RandomizedDelaySec=${systemdSpan(plan.jitterMs)}`,
    `Unit=${name}.service`,
    '',
    '[Install]',
    'WantedBy=timers.target',
    '',
  ].join('\n');
  return { name, service, timer };
}

/** The line that marks this campaign's entry in a crontab: the entry is the line after it. */
export function crontabMarker(file: string): string {
  return `# quic-lab campaign ${file}`;
}

/**
 * The crontab entry (its marker line, then the line): cron has no jitter of its own, so the
 * command sleeps a random whole number of seconds first (shuf: cron's sh has no $RANDOM, and a
 * "%" would end the command).
 */
export function crontabEntry(plan: InstallPlan): string {
  const cron = 'every' in plan.schedule ? cronForEvery(plan.schedule.every) : plan.schedule.cron.trim().split(/\s+/).join(' ');
  if ('cron' in plan.schedule) cronFor(plan.schedule.cron);
  const jitterSeconds = Math.floor(plan.jitterMs / 1000);
  const sleep = jitterSeconds > 0 ? `sleep $(shuf -i 0-${jitterSeconds} -n 1) && ` : '';
  return `${crontabMarker(plan.file)}\n${cron} ${sleep}cd ${shellWord(plan.projectRoot)} && ${runArgs(plan, 'cron').map(shellWord).join(' ')}\n`;
}

/** `current` with this campaign's entry replaced (or added): a second install does not duplicate it. */
export function crontabWith(current: string, entry: string, file: string): string {
  const marker = crontabMarker(file);
  const lines = current.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const kept: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] === marker) {
      i++; // and its entry
      continue;
    }
    kept.push(lines[i] as string);
  }
  return `${kept.map((line) => `${line}\n`).join('')}${entry}`;
}

export type Kind = 'systemd' | 'cron';

export interface InstallHost {
  /** The root the units go under ("/" on a real host; a temporary directory in tests). */
  root: string;
  /** Whether a program is on PATH. */
  has(program: string): boolean;
  /** Runs a command; its stdout, or throws with its stderr. */
  run(command: string, args: readonly string[], input?: string): Promise<string>;
}

export const REAL_HOST: InstallHost = {
  root: '/',
  has: (program) => (process.env.PATH ?? '').split(':').some((dir) => dir !== '' && existsSync(join(dir, program))),
  run: (command, args, input) =>
    new Promise((resolve, reject) => {
      const child = execFile(command, [...args], (error, stdout, stderr) => (error ? reject(new Error(`${command} ${args.join(' ')}: ${stderr.trim() || error.message}`)) : resolve(stdout)));
      child.stdin?.end(input ?? '');
    }),
};

/** systemd when it is the host's init (/run/systemd/system exists), else cron. */
export function detectKind(host: InstallHost): Kind {
  return existsSync(join(host.root, 'run/systemd/system')) ? 'systemd' : 'cron';
}

/** What was done, line by line, for the user. */
export async function installSystemd(units: SystemdUnits, host: InstallHost): Promise<string[]> {
  const dir = join(host.root, 'etc/systemd/system');
  await mkdir(dir, { recursive: true });
  const servicePath = join(dir, `${units.name}.service`);
  const timerPath = join(dir, `${units.name}.timer`);
  await writeFile(servicePath, units.service);
  await writeFile(timerPath, units.timer);
  const done = [`wrote ${servicePath}`, `wrote ${timerPath}`];
  if (host.root === '/') {
    await host.run('systemctl', ['daemon-reload']);
    await host.run('systemctl', ['enable', '--now', `${units.name}.timer`]);
    done.push(`enabled and started ${units.name}.timer (systemctl list-timers ${units.name}.timer shows its next start)`);
  } else {
    await host.run('systemctl', [`--root=${host.root}`, 'enable', `${units.name}.timer`]);
    done.push(`enabled ${units.name}.timer under ${host.root}`);
  }
  return done;
}

export async function installCrontab(entry: string, file: string, host: InstallHost): Promise<string[]> {
  let current = '';
  try {
    current = await host.run('crontab', ['-l']);
  } catch (error) {
    // "no crontab for USER" is an empty crontab; anything else is a real failure.
    if (!/no crontab/i.test(error instanceof Error ? error.message : String(error))) throw error;
  }
  const replaced = current.split('\n').includes(crontabMarker(file));
  await host.run('crontab', ['-'], crontabWith(current, entry, file));
  return [`${replaced ? 'replaced' : 'added'} the crontab entry for ${file} (crontab -l shows it)`];
}
