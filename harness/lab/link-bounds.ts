// Link options checked against what the lab's emulator takes (EMULATOR_LIMITS), before anything
// is set up: "--rtt 99999999999ms" used to pass parsing and fail once the namespaces existed.
// A value that does not parse is left to its parser, whose message says what is wrong.
import { emulatorConfigFor } from './emulator-config.js';
import { EMULATOR_LIMITS, emulatorConfigText } from './emulator-process.js';
import type { LinkConditions } from './conditions.js';
import type { LinkOptions } from './profiles.js';
import { parseQueueLimit, parseRateBitsPerSecond, parseTimeMs, UnitError } from './units.js';

const TIME_OPTIONS = {
  rtt: { flag: '--rtt', maxMs: 2 * EMULATOR_LIMITS.timeMs }, // split evenly over the two directions
  delay: { flag: '--delay', maxMs: EMULATOR_LIMITS.timeMs },
  upDelay: { flag: '--up-delay', maxMs: EMULATOR_LIMITS.timeMs },
  downDelay: { flag: '--down-delay', maxMs: EMULATOR_LIMITS.timeMs },
  jitter: { flag: '--jitter', maxMs: EMULATOR_LIMITS.timeMs },
  upJitter: { flag: '--up-jitter', maxMs: EMULATOR_LIMITS.timeMs },
  downJitter: { flag: '--down-jitter', maxMs: EMULATOR_LIMITS.timeMs },
} as const satisfies Partial<Record<keyof LinkOptions, unknown>>;

const RATE_OPTIONS = { rate: '--rate', upRate: '--up-rate', downRate: '--down-rate' } as const satisfies Partial<Record<keyof LinkOptions, string>>;

function parsed<T>(parse: () => T): T | undefined {
  try {
    return parse();
  } catch (error) {
    if (error instanceof UnitError) return undefined;
    throw error;
  }
}

function outOfRange(flag: string, value: string, range: string): UnitError {
  return new UnitError(`${flag}: "${value}" is out of range (${range})`);
}

function checkTime(flag: string, value: string | undefined, maxMs: number): void {
  if (value === undefined) return;
  const ms = parsed(() => parseTimeMs(value));
  if (ms !== undefined && ms > maxMs) throw outOfRange(flag, value, `0 to ${maxMs}ms`);
}

/** Throws a UnitError naming the first option beyond what the emulator takes, with its range. */
export function checkLinkOptionBounds(options: LinkOptions): void {
  for (const [key, { flag, maxMs }] of Object.entries(TIME_OPTIONS)) checkTime(flag, options[key as keyof typeof TIME_OPTIONS], maxMs);
  for (const [key, flag] of Object.entries(RATE_OPTIONS)) {
    const value = options[key as keyof typeof RATE_OPTIONS];
    if (value === undefined) continue;
    const bps = parsed(() => parseRateBitsPerSecond(value));
    if (bps !== undefined && bps > EMULATOR_LIMITS.rateBitsPerSecond) throw outOfRange(flag, value, `1kbit to ${EMULATOR_LIMITS.rateBitsPerSecond / 1e9}gbit`);
  }
  if (options.queue !== undefined) {
    const queue = parsed(() => parseQueueLimit(options.queue as string));
    if (queue !== undefined && 'packets' in queue && queue.packets > EMULATOR_LIMITS.queuePackets) throw outOfRange('--queue', options.queue, `1 to ${EMULATOR_LIMITS.queuePackets} packets`);
    if (queue !== undefined && 'bytes' in queue && queue.bytes > EMULATOR_LIMITS.queueBytes) throw outOfRange('--queue', options.queue, `1500b to ${EMULATOR_LIMITS.queueBytes}b`);
  }
  for (const outage of options.outage ?? []) {
    for (const part of outage.split('+')) checkTime('--outage', part, EMULATOR_LIMITS.timeMs);
  }
  for (const rebind of options.rebind ?? []) checkTime('--rebind', rebind.split(':')[0], EMULATOR_LIMITS.timeMs);
}

/**
 * The emulator's configuration made from `conditions` without starting anything: what options
 * give only together (a default queue of one bandwidth-delay product at an extreme rate and
 * delay) fails here, not after setup.
 */
export function checkConditionsBounds(conditions: LinkConditions): void {
  try {
    emulatorConfigText(emulatorConfigFor(conditions));
  } catch (error) {
    if (error instanceof RangeError) throw new UnitError(`the link is beyond what the emulator takes: ${error.message.replace(/^link emulator: /, '')}`);
    throw error;
  }
}
