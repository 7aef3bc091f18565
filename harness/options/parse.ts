// Strict parsers for option values. A bad value is one line in the form every option check
// uses: "--option: what is wrong (what is allowed)". They throw UsageError, which commander
// passes through unchanged (it rewords only its own InvalidArgumentError).
import { parseSizeBytes, UnitError } from '../lab/units.js';
import { didYouMean } from '../files/did-you-mean.js';
import { UsageError } from './usage-error.js';

export function integerInRange(name: string, min: number, max: number): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value.trim())) throw new UsageError(`${name}: "${value}" is not a whole number (${min} to ${max})`);
    const parsed = Number(value);
    if (parsed < min || parsed > max) throw new UsageError(`${name}: ${parsed} is out of range (${min} to ${max})`);
    return parsed;
  };
}

const DURATION_UNITS_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };
/** The longest timer Node keeps: a longer one fires after 1 ms. */
export const MAX_DURATION_MS = 2 ** 31 - 1;

/** "--timeout: " before a message, or nothing for a parser that does not know its option. */
function prefix(name: string | undefined): string {
  return name === undefined ? '' : `${name}: `;
}

const DURATION_UNITS = { table: DURATION_UNITS_MS, names: 'us, ms, s or m', example: '500ms or 10s', maxMs: MAX_DURATION_MS };
const PERIOD_UNITS = { table: { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as Record<string, number>, names: 's, m, h or d', example: '30m or 6h', maxMs: 366 * 86_400_000 };

function durationIn(name: string | undefined, value: string, units = DURATION_UNITS): number {
  const match = /^(\d+(?:\.\d+)?)([a-z]+)$/.exec(value.trim());
  const unitMs = match?.[2] === undefined ? undefined : units.table[match[2]];
  if (!match?.[1] || unitMs === undefined) throw new UsageError(`${prefix(name)}"${value}" is not a duration (a number with a unit: ${units.names}, e.g. ${units.example})`);
  const ms = Number(match[1]) * unitMs;
  if (ms <= 0) throw new UsageError(`${prefix(name)}"${value}" is not positive (a duration above 0, e.g. ${units.example.split(' or ')[0]})`);
  if (ms > units.maxMs) throw new UsageError(`${prefix(name)}"${value}" is out of range (at most ${units.maxMs} ms)`);
  return ms;
}

/** A parser for option `name`: "250ms", "10s", "1.5s", "2m" -> milliseconds. A unit is required. */
export function durationMs(name: string): (value: string) => number {
  return (value) => durationIn(name, value);
}

/** A parser for a schedule's period or jitter, `name`: "90s", "30m", "6h", "1d" -> milliseconds (up to a year). */
export function periodMs(name: string): (value: string) => number {
  return (value) => durationIn(name, value, PERIOD_UNITS);
}

export function oneOf<T extends string>(name: string, choices: readonly T[]): (value: string) => T {
  return (value) => {
    if (!(choices as readonly string[]).includes(value)) {
      throw new UsageError(`${name}: unknown value "${value}"${didYouMean(value, choices)} (one of: ${choices.join(', ')})`);
    }
    return value as T;
  };
}

function listIn(name: string | undefined, value: string): string[] {
  const items = value.split(',').map((item) => item.trim());
  if (items.some((item) => item === '')) throw new UsageError(`${prefix(name)}"${value}" has an empty item (a comma-separated list, e.g. a,b)`);
  return items;
}

/** A parser for option `name`: "a,b, c" -> ["a", "b", "c"]; empty items are an error. */
export function commaListOf(name: string): (value: string) => string[] {
  return (value) => listIn(name, value);
}

/** "a+b,c+d" -> [["a", "b"], ["c", "d"]]: mixes (competition), each its flows joined by "+". */
export function mixList(value: string): string[][] {
  return listIn('--mix', value).map((mix) => {
    const flows = mix.split('+').map((flow) => flow.trim());
    if (flows.some((flow) => flow === '')) throw new UsageError(`--mix: "${mix}" has an empty flow (flows joined by +, e.g. h3-ngtcp2+iperf3-bbr)`);
    return flows;
  });
}

/** A unit parser's error ('--sizes "10" needs a unit: ...') in the form of the others. */
function unitUsage(error: unknown): UsageError {
  const message = error instanceof Error ? error.message : String(error);
  const named = /^(--[\w-]+) (?:(\w+) )?(".*?") (.*)$/.exec(message);
  return new UsageError(named ? `${named[1]}: ${named[2] ? `${named[2]} ` : ''}${named[3]} ${named[4]}` : message);
}

/** "1MB,10MB" -> [1000000, 10000000]: each a size with its unit. */
export function sizeList(value: string): number[] {
  return listIn('--sizes', value).map((item) => {
    try {
      return parseSizeBytes(item, '--sizes');
    } catch (error) {
      throw error instanceof UnitError ? unitUsage(error) : error;
    }
  });
}

/** "500MB" -> 500000000: one size of at least a byte, with its unit (`name` is the flag). */
export function sizeBytes(name: string): (value: string) => number {
  return (value) => {
    try {
      return parseSizeBytes(value, name);
    } catch (error) {
      throw error instanceof UnitError ? unitUsage(error) : error;
    }
  };
}

/** "100x10KB,20x200KB" -> object sets: a count, "x", a size with its unit. */
export function objectSetList(value: string): Array<{ count: number; bytes: number }> {
  return listIn('--objects', value).map((item) => {
    const match = /^(\d+)x(.+)$/i.exec(item);
    const count = Number(match?.[1]);
    if (!match?.[2] || !Number.isSafeInteger(count) || count < 1 || count > 1000) {
      throw new UsageError(`--objects: "${item}" is not COUNTxSIZE (a count of 1-1000, "x", a size, e.g. 100x10KB)`);
    }
    try {
      return { count, bytes: parseSizeBytes(match[2], '--objects size') };
    } catch (error) {
      throw error instanceof UnitError ? unitUsage(error) : error;
    }
  });
}

/** "a,b" -> each checked against `choices`, duplicates dropped. */
export function choiceList<T extends string>(name: string, choices: readonly T[]): (value: string) => T[] {
  const one = oneOf(name, choices);
  return (value) => [...new Set(listIn(name, value).map(one))];
}
