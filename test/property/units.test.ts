// Property-based tests of the link options' unit parsing (outside input: whatever a user
// types): any string either parses to a finite value in range or is refused with a UnitError
// that quotes it; values written with their unit read back as the same number.
import t from 'tap';
import fc from 'fast-check';
import { UnitError, parseBurstLoss, parsePercentFraction, parseQueueLimit, parseRateBitsPerSecond, parseSeed, parseSizeBytes, parseTimeMs } from '../../harness/lab/units.js';
import { resolveLinkConditions, type LinkOptions } from '../../harness/lab/profiles.js';

const RUNS = { numRuns: 300 };

/** Strings a user might type: unit-like text, digits, signs, exponents, odd characters. */
const typed = fc.oneof(fc.string(), fc.string({ unit: 'binary', maxLength: 12 }), fc.stringMatching(/^[-+ ]?\d{0,400}(\.\d{0,3})?(e\d{0,3})?(us|ms|s|bit|kbit|mbit|gbit|b|kb|kib|mb|mib|gb|gib|pkt|p|%)?(:\d{0,3})?\s?$/));

/** Runs `parse`; it may return, or throw a UnitError that quotes (part of) the input on one line, nothing else. */
function parsesOrRefuses<T>(parse: (value: string) => T, check: (value: T, input: string) => boolean): (input: string) => boolean {
  return (input) => {
    let result: T;
    try {
      result = parse(input);
    } catch (error) {
      if (!(error instanceof UnitError)) throw new Error(`threw ${String(error)} (not a UnitError) for ${JSON.stringify(input)}`, { cause: error });
      // The whole input, or the part of it at fault (burst loss quotes its rate).
      const quoted = [...error.message.matchAll(/"([^"]*)"/g)].map((m) => m[1] ?? '');
      if (!quoted.some((q) => input.includes(q))) throw new Error(`the error does not quote the input ${JSON.stringify(input)}: ${error.message}`, { cause: error });
      if (error.message.includes('\n') && !input.includes('\n')) throw new Error(`a multi-line error: ${error.message}`, { cause: error });
      return true;
    }
    return check(result, input);
  };
}

const finiteAtLeast = (min: number) => (value: number) => Number.isFinite(value) && value >= min;

t.test('every parser returns a finite value in range or a UnitError quoting the input', async (t) => {
  fc.assert(fc.property(typed, parsesOrRefuses(parseTimeMs, finiteAtLeast(0))), RUNS);
  fc.assert(fc.property(typed, parsesOrRefuses(parseRateBitsPerSecond, finiteAtLeast(1000))), RUNS);
  fc.assert(
    fc.property(
      typed,
      parsesOrRefuses(parsePercentFraction, (f) => Number.isFinite(f) && f >= 0 && f <= 1),
    ),
    RUNS,
  );
  fc.assert(
    fc.property(
      typed,
      parsesOrRefuses(parseSizeBytes, (n) => Number.isSafeInteger(n) && n >= 1),
    ),
    RUNS,
  );
  fc.assert(
    fc.property(
      typed,
      parsesOrRefuses(parseQueueLimit, (q) => ('packets' in q ? Number.isSafeInteger(q.packets) && q.packets >= 1 : Number.isSafeInteger(q.bytes) && q.bytes >= 1500)),
    ),
    RUNS,
  );
  fc.assert(
    fc.property(
      typed,
      parsesOrRefuses(parseSeed, (n) => Number.isInteger(n) && n >= 0 && n <= 0xffffffff),
    ),
    RUNS,
  );
  fc.assert(
    fc.property(
      typed,
      parsesOrRefuses(parseBurstLoss, (b) => b.lossRate >= 0 && b.lossRate < 1 && Number.isFinite(b.meanBurstPackets) && b.meanBurstPackets >= 1),
    ),
    RUNS,
  );
  t.pass('no counterexample');
});

t.test('values written with their unit read back as the same number', async (t) => {
  const decimal = fc.double({ min: 0, max: 1e6, noNaN: true }).map((n) => Number(n.toFixed(3)));
  const unitOf = <K extends string>(table: Record<K, number>) => fc.constantFrom(...(Object.keys(table) as K[]));
  const timeUnits = { us: 0.001, ms: 1, s: 1000 };
  fc.assert(
    fc.property(decimal, unitOf(timeUnits), (n, unit) => parseTimeMs(`${n}${unit}`) === n * timeUnits[unit]),
    RUNS,
  );
  const rateUnits = { kbit: 1e3, mbit: 1e6, gbit: 1e9 };
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 100_000 }), unitOf(rateUnits), (n, unit) => parseRateBitsPerSecond(`${n}${unit.toUpperCase()}`) === n * rateUnits[unit]),
    RUNS,
  );
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 100_000 }), (n) => parsePercentFraction(`${n / 1000}%`) === n / 1000 / 100),
    RUNS,
  );
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 1e9 }), (n) => parseSizeBytes(`${n}b`) === n && parseSizeBytes(` ${n}B `) === n),
    RUNS,
  );
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), (n) => parseSeed(String(n)) === n),
    RUNS,
  );
  t.pass('no counterexample');
});

t.test('the link options as a whole: conditions with finite values, or an Error with a message', async (t) => {
  const value = fc.oneof(typed, fc.constantFrom('30ms', '0.5ms', '1%', '50mbit', '25', '64kib', '2%:3', '7'));
  const options = fc.record(
    {
      rtt: value,
      delay: value,
      upDelay: value,
      jitter: value,
      loss: value,
      downLoss: value,
      burstLoss: value,
      reorder: value,
      rate: value,
      upRate: value,
      queue: value,
      seed: value,
      profile: fc.oneof(fc.constantFrom('4g', '3g', 'wifi', 'satellite'), fc.string()),
    },
    { requiredKeys: [] },
  );
  fc.assert(
    fc.property(options, (opts: LinkOptions) => {
      let conditions;
      try {
        conditions = resolveLinkConditions(opts);
      } catch (error) {
        if (!(error instanceof Error) || error instanceof TypeError || error instanceof RangeError) throw new Error(`threw ${String(error)}`, { cause: error });
        return error.message.length > 0;
      }
      // Every number the emulator is configured with is finite and not negative.
      const numbers: number[] = [];
      JSON.stringify(conditions, (_key, v: unknown) => {
        if (typeof v === 'number') numbers.push(v);
        return v;
      });
      return numbers.every((n) => Number.isFinite(n) && n >= 0);
    }),
    RUNS,
  );
  t.pass('no counterexample');
});
