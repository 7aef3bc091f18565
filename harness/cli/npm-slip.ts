// The commonest slip: options given to `npm run` without `--` (`npm run scenario --list`).
// npm keeps such options for itself, passing them on only as npm_config_<name> variables
// (npm_config_list=true; `--profile 4g` becomes npm_config_profile=true and a stray "4g"
// argument), so the command would run without them. Noticed here, before anything is set up,
// and answered with the command as it should have been typed.
import type { Command } from 'commander';
import { escapeControls } from '../files/terminal-text.js';

export interface SlipOption {
  /** "--list", "--no-capture" */
  long: string;
  takesValue: boolean;
  /** "<name>": shown where npm kept the value apart. */
  placeholder: string;
}

export interface SlipContext {
  /** The npm script, e.g. "scenario". */
  script: string;
  /** What npm passed on after the script's own words (positional words only, the options being gone). */
  words: readonly string[];
  /** How many positional words the command takes at most; null for any number. */
  maxWords: number | null;
  options: readonly SlipOption[];
}

/** A word as a shell would need it typed. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${escapeControls(word).replace(/'/g, `'\\''`)}'`;
}

/** npm's variable for an option: --keep-captures and --no-keep-captures -> npm_config_keep_captures. */
function variableOf(long: string): string {
  return `npm_config_${long.replace(/^--(no-)?/, '').replace(/-/g, '_')}`;
}

/**
 * Options named like an npm setting that often lives in an .npmrc (npm's own `ca`): its
 * variable may come from there, not from a slip, so it is not taken as one.
 */
const NPMRC_SETTINGS: ReadonlySet<string> = new Set(['--ca']);

/** The one-line answer, or null when npm kept none of the command's options. */
export function npmSlip(context: SlipContext, env: NodeJS.ProcessEnv): string | null {
  const taken: SlipOption[] = [];
  const typed: string[] = [];
  const valueless: SlipOption[] = [];
  for (const option of context.options) {
    if (NPMRC_SETTINGS.has(option.long)) continue;
    const value = env[variableOf(option.long)];
    if (value === undefined) continue;
    const negated = option.long.startsWith('--no-');
    if (negated) {
      // npm reads --no-capture as capture=false and passes it on empty.
      if (value !== '' && value !== 'false') continue;
      taken.push(option);
      typed.push(option.long);
    } else if (!option.takesValue) {
      if (value !== 'true') continue;
      taken.push(option);
      typed.push(option.long);
    } else {
      taken.push(option);
      if (value === 'true') valueless.push(option);
      else typed.push(`${option.long} ${shellWord(value)}`);
    }
  }
  if (taken.length === 0) return null;
  let words = [...context.words];
  let leftBehind: string[] = [];
  if (valueless.length > 0) {
    // `--profile 4g`: npm took --profile (as true) and passed "4g" on as an argument.
    const surplus = context.maxWords === null ? [] : words.slice(context.maxWords);
    if (valueless.length === 1 && surplus.length === 1) {
      typed.push(`${(valueless[0] as SlipOption).long} ${shellWord(surplus[0] as string)}`);
      words = words.slice(0, context.maxWords as number);
    } else {
      // Which stray word belonged to which option npm does not say: placeholders, and the words named.
      for (const option of valueless) typed.push(`${option.long} ${option.placeholder}`);
      if (surplus.length > 0) {
        leftBehind = surplus;
        words = words.slice(0, context.maxWords as number);
      }
    }
  }
  const names = taken.map((o) => o.long).join(', ');
  const command = ['npm run', context.script, '--', ...words.map(shellWord), ...typed].join(' ');
  const behind = leftBehind.length > 0 ? ` (npm passed ${leftBehind.map(shellWord).join(' ')} on without its option: put each value after its option)` : '';
  return `npm took ${names} for itself (options go after --); did you mean: ${command}${behind}`;
}

/** The context of a command line run through one of the CLI's npm scripts, or null when it was not. */
export function commanderSlipContext(program: Command, argv: readonly string[], env: NodeJS.ProcessEnv): SlipContext | null {
  const script = env.npm_lifecycle_event;
  // Only the CLI's own scripts (package.json: "scenario": "node bin/quic-lab.mjs scenario"), whose first word is the script's name.
  if (script === undefined || argv[0] !== script || !program.commands.some((c) => c.name() === script)) return null;
  let command = program;
  let depth = 0;
  for (const word of argv) {
    const sub = command.commands.find((c) => c.name() === word);
    if (!sub) break;
    command = sub;
    depth++;
  }
  const declared = command.registeredArguments;
  const maxWords = declared.some((a) => a.variadic) ? null : declared.length;
  const options = command.options.flatMap((o) => (o.long ? [{ long: o.long, takesValue: o.required || o.optional, placeholder: /<[^>]+>|\[[^\]]+\]/.exec(o.flags)?.[0] ?? '<value>' }] : []));
  // The words typed after the script's own ("lab"): subcommands ("up"), then arguments.
  return { script, words: argv.slice(1), maxWords: maxWords === null ? null : maxWords + depth - 1, options };
}
