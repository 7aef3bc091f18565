// Strict unit parsing: good values give exact numbers, bad values one line naming what is allowed.
import t, { type Test } from 'tap';
import { parseBurstLoss, parsePercentFraction, parseQueueLimit, parseRateBitsPerSecond, parseSeed, parseSizeBytes, parseTimeMs, UnitError } from '../../harness/lab/units.js';

function throwsExactly(t: Test, fn: () => unknown, message: string): void {
  try {
    fn();
    t.fail(`no error; expected: ${message}`);
  } catch (error) {
    t.ok(error instanceof UnitError, `a UnitError for: ${message}`);
    t.equal((error as Error).message, message);
    t.equal((error as Error).message.split('\n').length, 1, 'one line');
  }
}

t.test('parseTimeMs', async (t) => {
  const good: Array<[string, number]> = [
    ['30ms', 30],
    ['0.5ms', 0.5],
    ['250us', 0.25],
    ['1s', 1000],
    ['1.5s', 1500],
    ['0ms', 0],
    [' 2S ', 2000],
    ['600MS', 600],
  ];
  for (const [value, ms] of good) t.equal(parseTimeMs(value), ms, `${value} -> ${ms} ms`);
  throwsExactly(t, () => parseTimeMs('30'), 'time "30" needs a unit: us, ms or s (e.g. 30ms)');
  throwsExactly(t, () => parseTimeMs('30', 'delay'), 'delay "30" needs a unit: us, ms or s (e.g. 30ms)');
  throwsExactly(t, () => parseTimeMs('-5ms', '--rtt'), '--rtt "-5ms" is negative: no negative durations (e.g. 30ms)');
  throwsExactly(t, () => parseTimeMs('-0.5s', '--delay'), '--delay "-0.5s" is negative: no negative durations (e.g. 30ms)');
  for (const bad of ['5 ms', '5m', 'ms', '1e3ms', '.5ms', '5msec', '']) {
    throwsExactly(t, () => parseTimeMs(bad, 'jitter'), `jitter "${bad}" needs a unit: us, ms or s (e.g. 30ms)`);
  }
});

t.test('parseRateBitsPerSecond', async (t) => {
  const good: Array<[string, number]> = [
    ['50mbit', 50_000_000],
    ['1.5gbit', 1_500_000_000],
    ['256kbit', 256_000],
    ['1638.4kbit', 1_638_400],
    ['1000bit', 1000],
    ['10Mbit', 10_000_000],
  ];
  for (const [value, bps] of good) t.equal(parseRateBitsPerSecond(value), bps, `${value} -> ${bps} bit/s`);
  throwsExactly(t, () => parseRateBitsPerSecond('50'), 'rate "50" needs a unit: bit, kbit, mbit or gbit (e.g. 50mbit)');
  throwsExactly(t, () => parseRateBitsPerSecond('50mbps', '--down-rate'), '--down-rate "50mbps" needs a unit: bit, kbit, mbit or gbit (e.g. 50mbit)');
  throwsExactly(t, () => parseRateBitsPerSecond('50MB'), 'rate "50MB" needs a unit: bit, kbit, mbit or gbit (e.g. 50mbit)');
  throwsExactly(t, () => parseRateBitsPerSecond('-1mbit'), 'rate "-1mbit" is negative: no negative rates (e.g. 50mbit)');
  throwsExactly(t, () => parseRateBitsPerSecond('999bit'), 'rate "999bit" is below 1kbit');
  throwsExactly(t, () => parseRateBitsPerSecond('0mbit'), 'rate "0mbit" is below 1kbit');
});

t.test('parsePercentFraction', async (t) => {
  const good: Array<[string, number]> = [
    ['1%', 0.01],
    ['0.5%', 0.005],
    ['2%', 0.02],
    ['30%', 0.3],
    ['100%', 1],
    ['0%', 0],
    [' 5% ', 0.05],
  ];
  for (const [value, fraction] of good) t.equal(parsePercentFraction(value), fraction, `${value} -> ${fraction}`);
  throwsExactly(t, () => parsePercentFraction('1'), 'percentage "1" must be a percentage, e.g. 1% or 0.5%');
  throwsExactly(t, () => parsePercentFraction('0.01', 'loss'), 'loss "0.01" must be a percentage, e.g. 1% or 0.5%');
  throwsExactly(t, () => parsePercentFraction('-1%', 'loss'), 'loss "-1%" is negative: no negative percentages (e.g. 1%)');
  throwsExactly(t, () => parsePercentFraction('1 %', 'loss'), 'loss "1 %" must be a percentage, e.g. 1% or 0.5%');
  throwsExactly(t, () => parsePercentFraction('101%', 'loss'), 'loss "101%" is over 100%');
});

t.test('parseQueueLimit', async (t) => {
  const good: Array<[string, { packets: number } | { bytes: number }]> = [
    ['25', { packets: 25 }],
    ['25pkt', { packets: 25 }],
    ['25p', { packets: 25 }],
    ['1', { packets: 1 }],
    ['64kb', { bytes: 64_000 }],
    ['64kib', { bytes: 65_536 }],
    ['64KiB', { bytes: 65_536 }],
    ['1mb', { bytes: 1_000_000 }],
    ['1mib', { bytes: 1_048_576 }],
    ['1500b', { bytes: 1500 }],
    ['1.5kb', { bytes: 1500 }],
  ];
  for (const [value, limit] of good) t.strictSame(parseQueueLimit(value), limit, `${value} -> ${JSON.stringify(limit)}`);
  throwsExactly(t, () => parseQueueLimit('0'), 'queue "0" must hold at least one packet');
  throwsExactly(t, () => parseQueueLimit('1499b'), 'queue "1499b" must hold at least one 1500-byte packet');
  throwsExactly(t, () => parseQueueLimit('1kb'), 'queue "1kb" must hold at least one 1500-byte packet');
  for (const bad of ['25 packets', '-3', '2.5', 'lots', '64k']) {
    throwsExactly(t, () => parseQueueLimit(bad), `queue "${bad}" must be packets (25 or 25pkt) or bytes (64kb, 64kib, 1mb)`);
  }
});

t.test('parseBurstLoss', async (t) => {
  t.strictSame(parseBurstLoss('2%:3'), { lossRate: 0.02, meanBurstPackets: 3 });
  t.strictSame(parseBurstLoss('30%:2'), { lossRate: 0.3, meanBurstPackets: 2 });
  t.strictSame(parseBurstLoss('0.5%:1.5'), { lossRate: 0.005, meanBurstPackets: 1.5 });
  for (const bad of ['2%', '2%:3:4', '']) {
    throwsExactly(t, () => parseBurstLoss(bad), `burst loss "${bad}" must be RATE%:MEAN_BURST, e.g. 2%:3 (2% loss in bursts of 3 packets on average)`);
  }
  throwsExactly(t, () => parseBurstLoss('2:3'), 'burst loss rate "2" must be a percentage, e.g. 1% or 0.5%');
  for (const burst of ['0.5', 'x', '0x3', '1e1', ' 3', '', 'Infinity']) {
    throwsExactly(t, () => parseBurstLoss(`2%:${burst}`), `burst loss "2%:${burst}": the mean burst must be a decimal number of packets >= 1 (e.g. 3)`);
  }
  throwsExactly(t, () => parseBurstLoss('0x10%:3'), 'burst loss rate "0x10%" must be a percentage, e.g. 1% or 0.5%');
  throwsExactly(t, () => parseBurstLoss('100%:3'), 'burst loss "100%:3": the rate must be below 100%');
});

t.test('parseSeed', async (t) => {
  t.equal(parseSeed('0'), 0);
  t.equal(parseSeed('42'), 42);
  t.equal(parseSeed('4294967295'), 4_294_967_295);
  for (const bad of ['4294967296', '-1', '1.5', 'abc', '']) {
    throwsExactly(t, () => parseSeed(bad), `seed "${bad}" must be a whole number from 0 to 4294967295`);
  }
});

t.test('sizes need a unit', async (t) => {
  t.equal(parseSizeBytes('1MB'), 1_000_000);
  t.equal(parseSizeBytes('10mib'), 10 * 1024 * 1024);
  t.equal(parseSizeBytes('100kB'), 100_000);
  t.equal(parseSizeBytes('1.5gb'), 1_500_000_000);
  t.equal(parseSizeBytes('512b'), 512);
  t.throws(() => parseSizeBytes('10', '--sizes'), { message: '--sizes "10" needs a unit: b, kb, kib, mb, mib, gb or gib (e.g. 10MB)' });
  t.throws(() => parseSizeBytes('0b'), /below one byte/);
});

t.test('numbers too large to hold exactly are refused, naming the input', async (t) => {
  // Found by test/property/units.test.ts: 400 digits read as Infinity, and 9000000gib as a byte count past 2^53.
  const digits = '9'.repeat(400);
  t.throws(() => parseTimeMs(`${digits}ms`, '--rtt'), new UnitError(`--rtt "${digits}ms" is too large`));
  t.throws(() => parseRateBitsPerSecond(`${digits}gbit`), new UnitError(`rate "${digits}gbit" is too large`));
  t.throws(() => parseSizeBytes('9000000gib'), new UnitError('size "9000000gib" is too large'));
  t.throws(() => parseQueueLimit(digits), new UnitError(`queue "${digits}" is too large`));
  t.equal(parseSizeBytes('8000000gib'), 8_000_000 * 1024 ** 3, 'below 2^53 is kept');
});
