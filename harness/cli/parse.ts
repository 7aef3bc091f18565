// Strict parsers for option values: a bad value is a one-line error naming what is allowed.
import { InvalidArgumentError } from 'commander';
import { parseSizeBytes } from '../lab/units.js';

export function integerInRange(name: string, min: number, max: number): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}, got "${value}"`);
    const parsed = Number(value);
    if (parsed < min || parsed > max) throw new InvalidArgumentError(`${name} must be from ${min} to ${max}, got ${parsed}`);
    return parsed;
  };
}

const DURATION_UNITS_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

/** "250ms", "10s", "1.5s", "2m" -> milliseconds. A unit is required. */
export function parseDurationMs(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(us|ms|s|m)$/.exec(value.trim());
  if (!match?.[1] || !match[2]) throw new InvalidArgumentError(`"${value}" is not a duration: use a number with a unit (us, ms, s, m), e.g. 500ms or 10s`);
  const ms = Number(match[1]) * (DURATION_UNITS_MS[match[2]] as number);
  if (ms <= 0) throw new InvalidArgumentError(`duration must be positive, got "${value}"`);
  return ms;
}

export function oneOf<T extends string>(name: string, choices: readonly T[]): (value: string) => T {
  return (value) => {
    if (!(choices as readonly string[]).includes(value)) {
      throw new InvalidArgumentError(`${name} must be one of ${choices.join(', ')}; got "${value}"`);
    }
    return value as T;
  };
}

/** "a,b, c" -> ["a", "b", "c"]; empty items are an error. */
export function commaList(value: string): string[] {
  const items = value.split(',').map((item) => item.trim());
  if (items.some((item) => item === '')) throw new InvalidArgumentError(`expected a comma-separated list, got "${value}"`);
  return items;
}

/** "1MB,10MB" -> [1000000, 10000000]: each a size with its unit. */
export function sizeList(value: string): number[] {
  return commaList(value).map((item) => {
    try {
      return parseSizeBytes(item, '--sizes');
    } catch (error) {
      throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
    }
  });
}

/** "100x10KB,20x200KB" -> object sets: a count, "x", a size with its unit. */
export function objectSetList(value: string): Array<{ count: number; bytes: number }> {
  return commaList(value).map((item) => {
    const match = /^(\d+)x(.+)$/i.exec(item);
    const count = Number(match?.[1]);
    if (!match?.[2] || !Number.isSafeInteger(count) || count < 1 || count > 1000) {
      throw new InvalidArgumentError(`--objects wants COUNTxSIZE with a count of 1-1000, e.g. 100x10KB; got "${item}"`);
    }
    try {
      return { count, bytes: parseSizeBytes(match[2], '--objects size') };
    } catch (error) {
      throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
    }
  });
}

/** "a,b" -> each checked against `choices`, duplicates dropped. */
export function choiceList<T extends string>(name: string, choices: readonly T[]): (value: string) => T[] {
  const one = oneOf(name, choices);
  return (value) => [...new Set(commaList(value).map(one))];
}
