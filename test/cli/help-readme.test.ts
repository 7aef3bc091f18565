// The help texts, the option definitions and the README's option tables, held together: every
// option a command has is in its help and in the README (in its command's table where it has
// one), every table row names a real option, a default the help shows is the README's default,
// and defaults carry their units. Renders each command's help as `--help` does.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command, Option } from 'commander';
import { buildProgram } from '../../harness/cli.js';
import { PROJECT_ROOT } from '../../harness/project-root.js';
import { SCENARIOS } from '../../scenarios/index.js';
import { addLinkOptions } from '../../harness/cli/link-options.js';
import { Command as CommandClass } from 'commander';

const README = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');

/** Every command with its path ("lab up"). */
function commands(command: Command, path: string[] = []): Array<{ path: string; command: Command }> {
  return command.commands.flatMap((sub) => [{ path: [...path, sub.name()].join(' '), command: sub }, ...commands(sub, [...path, sub.name()])]);
}

/** The default as the help shows it, quotes of a string left off; undefined when it shows none. */
function shownDefault(option: Option): string | undefined {
  if (option.defaultValueDescription !== undefined) return option.defaultValueDescription;
  if (option.defaultValue === undefined || option.negate) return undefined;
  return typeof option.defaultValue === 'string' ? option.defaultValue : JSON.stringify(option.defaultValue);
}

interface Row {
  options: string[];
  defaultCell: string | null;
  line: string;
}

/** The option tables of the README section under `heading` (to the next heading of any level). */
function tableRows(heading: string): Row[] {
  const start = README.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README has no "${heading}"`);
  const rest = README.slice(start + heading.length + 2);
  const section = rest.slice(0, rest.search(/\n#{1,4} /) >>> 0);
  const rows: Row[] = [];
  let defaultColumn = -1;
  for (const line of section.split('\n')) {
    if (!line.startsWith('|')) {
      defaultColumn = -1;
      continue;
    }
    const cells = line
      .slice(1, -1)
      .split(/(?<!\\)\|/)
      .map((cell) => cell.trim());
    if (cells[0] === 'option') {
      defaultColumn = cells.indexOf('default');
      continue;
    }
    const options = [...(cells[0] ?? '').matchAll(/`(--[\w-]+)/g)].map((m) => m[1] as string);
    if (options.length === 0) continue;
    rows.push({ options, defaultCell: defaultColumn >= 0 ? (cells[defaultColumn] ?? '').replace(/`/g, '') : null, line });
  }
  return rows;
}

const LINK_OPTIONS = new Set(addLinkOptions(new CommandClass('x')).options.map((o) => o.long as string));

/** The README section whose table documents each command's own options (link options, of scenario and lab up: "### Link options"). */
const TABLES: Record<string, string> = {
  scenario: '### Options',
  report: '## Reports',
  compare: '## Comparing runs',
  'smb-probe': '## SMB over QUIC probe',
  'h3-probe': '## HTTP/3 probe',
  certs: '## Certificates',
  'lab up': '### Manual use',
  'campaign run': '## Campaigns',
};

const program = buildProgram();

t.test('every option is in its help, and in the README', async (t) => {
  for (const { path, command } of commands(program)) {
    const help = command.helpInformation();
    for (const option of command.options) {
      t.ok(help.includes(option.flags), `${path} --help shows ${option.flags}`);
      const long = option.long as string;
      t.match(README, new RegExp(`(?<![\\w-])${long}(?![\\w-])`), `README mentions ${path} ${long}`);
    }
  }
});

t.test("each command's README table: every option, nothing else, the help's defaults", async (t) => {
  for (const [path, heading] of Object.entries(TABLES)) {
    const command = commands(program).find((c) => c.path === path)?.command;
    if (!command) throw new Error(`no command ${path}`);
    const own = command.options.filter((o) => path === 'lab up' || !LINK_OPTIONS.has(o.long as string));
    const rows = [...tableRows(heading), ...(path === 'scenario' || path === 'lab up' ? tableRows('### Link options') : [])];
    const inTable = new Map(rows.flatMap((row) => row.options.map((name) => [name, row] as const)));
    for (const option of own) {
      const long = option.long as string;
      const row = inTable.get(long);
      if (!row) {
        t.fail(`${path} ${long} is not in the README table under ${heading}`);
        continue;
      }
      const shown = shownDefault(option);
      if (shown !== undefined && row.defaultCell !== null) t.equal(row.defaultCell, shown, `${path} ${long}: README default is the help's`);
    }
    const known = new Set(command.options.map((o) => o.long));
    for (const name of inTable.keys()) t.ok(known.has(name), `README table under ${heading} names ${name}, an option of ${path}`);
  }
});

t.test("defaults the scenarios choose are the README's", async (t) => {
  const rows = tableRows('### Options');
  for (const [option, key] of [
    ['--samples', 'samples'],
    ['--warmup', 'warmup'],
    ['--timeout', 'sampleTimeoutMs'],
  ] as const) {
    const groups = new Map<number, string[]>();
    for (const scenario of SCENARIOS) groups.set(scenario.defaults[key], [...(groups.get(scenario.defaults[key]) ?? []), scenario.name]);
    const expected = [...groups].map(([value, names]) => `${names.join(', ')} ${key === 'sampleTimeoutMs' ? `${value / 1000}s` : value}`).join('; ');
    t.equal(rows.find((r) => r.options.includes(option))?.defaultCell, `per scenario: ${expected}`, option);
  }
});

t.test('defaults in the help carry units and name no path of this machine', async (t) => {
  for (const { path, command } of commands(program)) {
    for (const option of command.options) {
      const shown = shownDefault(option);
      if (shown === undefined) continue;
      t.notOk(shown.startsWith(PROJECT_ROOT), `${path} ${option.long}: default "${shown}" is not this machine's path`);
      if (/<(duration|time)>/.test(option.flags)) t.match(shown, /^\d+(\.\d+)?(us|ms|s|m)$/, `${path} ${option.long}: default "${shown}" has a time unit`);
      if (/<percent>/.test(option.flags)) t.match(shown, /^\d+(\.\d+)?%$/, `${path} ${option.long}: default "${shown}" is a percentage`);
    }
  }
});
