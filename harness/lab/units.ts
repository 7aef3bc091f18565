// Strict unit parsing for link options. Every value needs its unit, so "50" never silently
// means 50 bits or 50 seconds. Errors name the accepted forms.

const TIME_UNITS_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000 };
const RATE_UNITS_BPS: Record<string, number> = { bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9 };
const SIZE_UNITS_BYTES: Record<string, number> = { b: 1, kb: 1e3, kib: 1024, mb: 1e6, mib: 1024 ** 2, gb: 1e9, gib: 1024 ** 3 };

export class UnitError extends Error {}

function numberWithUnit(value: string, pattern: RegExp): [number, string] | null {
  const match = pattern.exec(value.trim().toLowerCase());
  if (!match?.[1] || match[2] === undefined) return null;
  return [Number(match[1]), match[2]];
}

/** A number too large to hold exactly (hundreds of digits read as Infinity) is refused, not kept. */
function checkedMagnitude(amount: number, what: string, value: string): number {
  if (!Number.isFinite(amount) || amount > Number.MAX_SAFE_INTEGER) throw new UnitError(`${what} "${value}" is too large`);
  return amount;
}

/** "-5ms" is refused as negative, not as a value without its unit. */
function refuseNegative(value: string, what: string, kind: string, example: string): void {
  if (/^\s*-\s*\d/.test(value)) throw new UnitError(`${what} "${value}" is negative: no negative ${kind} (e.g. ${example})`);
}

/** "30ms", "0.5ms", "250us", "1s" -> milliseconds (>= 0). */
export function parseTimeMs(value: string, what = 'time'): number {
  refuseNegative(value, what, 'durations', '30ms');
  const parsed = numberWithUnit(value, /^(\d+(?:\.\d+)?)(us|ms|s)$/);
  if (!parsed) throw new UnitError(`${what} "${value}" needs a unit: us, ms or s (e.g. 30ms)`);
  return checkedMagnitude(parsed[0] * (TIME_UNITS_MS[parsed[1]] as number), what, value);
}

/** "50mbit", "1.5gbit", "256kbit" -> bits per second (> 0). Units as tc: k = 1000. */
export function parseRateBitsPerSecond(value: string, what = 'rate'): number {
  refuseNegative(value, what, 'rates', '50mbit');
  const parsed = numberWithUnit(value, /^(\d+(?:\.\d+)?)(bit|kbit|mbit|gbit)$/);
  if (!parsed) throw new UnitError(`${what} "${value}" needs a unit: bit, kbit, mbit or gbit (e.g. 50mbit)`);
  const bps = checkedMagnitude(parsed[0] * (RATE_UNITS_BPS[parsed[1]] as number), what, value);
  if (bps < 1000) throw new UnitError(`${what} "${value}" is below 1kbit`);
  return bps;
}

/** "1%", "0.5%" -> a fraction in [0, 1]. */
export function parsePercentFraction(value: string, what = 'percentage'): number {
  refuseNegative(value, what, 'percentages', '1%');
  const match = /^(\d+(?:\.\d+)?)%$/.exec(value.trim());
  if (!match?.[1]) throw new UnitError(`${what} "${value}" must be a percentage, e.g. 1% or 0.5%`);
  const fraction = Number(match[1]) / 100;
  if (fraction > 1) throw new UnitError(`${what} "${value}" is over 100%`);
  return fraction;
}

/** "25" or "25pkt" -> packets; "64kb", "64kib", "100000b" -> bytes. */
export function parseQueueLimit(value: string, what = 'queue'): { packets: number } | { bytes: number } {
  const trimmed = value.trim().toLowerCase();
  const packets = /^(\d+)(?:pkt|p)?$/.exec(trimmed);
  if (packets?.[1]) {
    const count = checkedMagnitude(Number(packets[1]), what, value);
    if (count < 1) throw new UnitError(`${what} "${value}" must hold at least one packet`);
    return { packets: count };
  }
  const size = numberWithUnit(trimmed, /^(\d+(?:\.\d+)?)(b|kb|kib|mb|mib)$/);
  if (!size) throw new UnitError(`${what} "${value}" must be packets (25 or 25pkt) or bytes (64kb, 64kib, 1mb)`);
  const bytes = checkedMagnitude(Math.round(size[0] * (SIZE_UNITS_BYTES[size[1]] as number)), what, value);
  if (bytes < 1500) throw new UnitError(`${what} "${value}" must hold at least one 1500-byte packet`);
  return { bytes };
}

/** "2%:3" -> bursty loss averaging 2% in bursts of mean length 3 packets. */
export function parseBurstLoss(value: string, what = 'burst loss'): { lossRate: number; meanBurstPackets: number } {
  const [rate, burst, extra] = value.split(':');
  if (rate === undefined || burst === undefined || extra !== undefined) {
    throw new UnitError(`${what} "${value}" must be RATE%:MEAN_BURST, e.g. 2%:3 (2% loss in bursts of 3 packets on average)`);
  }
  const lossRate = parsePercentFraction(rate, `${what} rate`);
  // Decimal only: Number() would also take "0x3", "1e1" or " ".
  const meanBurstPackets = /^\d+(?:\.\d+)?$/.test(burst) ? Number(burst) : Number.NaN;
  if (!Number.isFinite(meanBurstPackets) || meanBurstPackets < 1) {
    throw new UnitError(`${what} "${value}": the mean burst must be a decimal number of packets >= 1 (e.g. 3)`);
  }
  if (lossRate >= 1) throw new UnitError(`${what} "${value}": the rate must be below 100%`);
  return { lossRate, meanBurstPackets };
}

/** A 32-bit unsigned seed. */
export function parseSeed(value: string): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) > 0xffffffff) throw new UnitError(`seed "${value}" must be a whole number from 0 to 4294967295`);
  return Number(value);
}

/** "1MB", "10mib", "100kb", "512b" -> bytes (>= 1); k/M are powers of 1000, KiB/MiB of 1024. */
export function parseSizeBytes(value: string, what = 'size'): number {
  refuseNegative(value, what, 'sizes', '10MB');
  const parsed = numberWithUnit(value, /^(\d+(?:\.\d+)?)(b|kb|kib|mb|mib|gb|gib)$/);
  if (!parsed) throw new UnitError(`${what} "${value}" needs a unit: b, kb, kib, mb, mib, gb or gib (e.g. 10MB)`);
  const bytes = checkedMagnitude(Math.round(parsed[0] * (SIZE_UNITS_BYTES[parsed[1]] as number)), what, value);
  if (bytes < 1) throw new UnitError(`${what} "${value}" is below one byte`);
  return bytes;
}
