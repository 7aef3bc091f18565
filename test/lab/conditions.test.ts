// Profiles and options resolve into exact link conditions; the Gilbert-Elliott parameters
// and the default queue follow from their definitions.
import t, { type Test } from 'tap';
import { readFileSync } from 'node:fs';
import { defaultQueueBytes, gilbertElliottFor, NO_IMPAIRMENT, outageCycle, roundTripMs, type DirectionConditions, type LinkConditions } from '../../harness/lab/conditions.js';
import { PROFILES, PROFILES_PATH, profileNames, resolveLinkConditions, type LinkOptions } from '../../harness/lab/profiles.js';
import { UnitError } from '../../harness/lab/units.js';

const ALL_PROFILES = ['lan', 'broadband', 'cable', 'dsl', '4g', '3g', '2g-rural', 'satellite-geo', 'lossy-wifi', 'interop', 'transfer-loss', 'handshake-loss', 'blackhole'];

function direction(overrides: Partial<DirectionConditions>): DirectionConditions {
  return { ...NO_IMPAIRMENT, ...overrides };
}

function link(up: Partial<DirectionConditions>, down: Partial<DirectionConditions> = up, rest: Partial<LinkConditions> = {}): LinkConditions {
  return { up: direction(up), down: direction(down), outages: [], rebinds: [], seed: 1, ...rest };
}

function refuses(t: Test, options: LinkOptions, message: string): void {
  try {
    resolveLinkConditions(options);
    t.fail(`${JSON.stringify(options)} accepted; expected: ${message}`);
  } catch (error) {
    t.ok(error instanceof UnitError, `${JSON.stringify(options)}: a UnitError`);
    t.equal((error as Error).message, message);
  }
}

t.test('no options: no impairment, seed 1', async (t) => {
  t.strictSame(resolveLinkConditions({}), link({}));
});

t.test('a profile, then options over it', async (t) => {
  const interop = { delayMs: 15, rateBitsPerSecond: 10_000_000, queue: { packets: 25 } };
  t.strictSame(resolveLinkConditions({ profile: 'interop' }), link(interop));
  t.strictSame(resolveLinkConditions({ profile: 'interop', delay: '5ms' }), link({ ...interop, delayMs: 5 }), '--delay replaces the profile delay');
  t.strictSame(resolveLinkConditions({ profile: 'interop', loss: '1%', queue: '64kib' }), link({ ...interop, lossRate: 0.01, queue: { bytes: 65_536 } }));
  t.strictSame(
    resolveLinkConditions({ profile: 'cable', downRate: '10mbit' }),
    link({ delayMs: 2, rateBitsPerSecond: 1_000_000 }, { delayMs: 2, rateBitsPerSecond: 10_000_000 }),
    'a direction-specific option replaces only its direction',
  );
  t.strictSame(resolveLinkConditions({ profile: '4g', rtt: '100ms' }).up.delayMs, 50, '--rtt replaces the profile delay');
  t.strictSame(resolveLinkConditions({ profile: 'satellite-geo', rate: '5mbit' }), link({ delayMs: 300, rateBitsPerSecond: 5_000_000 }), '--rate over profile rates');
  t.strictSame(resolveLinkConditions({ profile: 'interop', seed: '42' }).seed, 42);
});

t.test('--rtt is split evenly; --rtt with --delay is refused', async (t) => {
  t.strictSame(resolveLinkConditions({ rtt: '60ms' }), link({ delayMs: 30 }));
  t.strictSame(resolveLinkConditions({ rtt: '25ms' }), link({ delayMs: 12.5 }));
  t.strictSame(resolveLinkConditions({ rtt: '1s' }), link({ delayMs: 500 }));
  t.strictSame(resolveLinkConditions({ rtt: '500us' }), link({ delayMs: 0.25 }));
  refuses(t, { rtt: '60ms', delay: '30ms' }, 'give --rtt (round trip, split evenly) or --delay (one way, each direction), not both');
  refuses(t, { rtt: '60' }, '--rtt "60" needs a unit: us, ms or s (e.g. 30ms)');
});

t.test('direction-specific options win over both-direction ones', async (t) => {
  t.strictSame(resolveLinkConditions({ delay: '10ms', upDelay: '40ms' }), link({ delayMs: 40 }, { delayMs: 10 }));
  t.strictSame(resolveLinkConditions({ rtt: '60ms', downDelay: '50ms' }), link({ delayMs: 30 }, { delayMs: 50 }));
  t.strictSame(resolveLinkConditions({ rate: '50mbit', upRate: '5mbit' }), link({ rateBitsPerSecond: 5_000_000 }, { rateBitsPerSecond: 50_000_000 }));
  t.strictSame(resolveLinkConditions({ loss: '1%', downLoss: '3%' }), link({ lossRate: 0.01 }, { lossRate: 0.03 }));
  t.strictSame(resolveLinkConditions({ jitter: '2ms', upJitter: '5ms' }), link({ jitterMs: 5 }, { jitterMs: 2 }));
  t.strictSame(
    resolveLinkConditions({ upRate: '2mbit', downRate: '20mbit', upDelay: '1ms', downDelay: '299ms' }),
    link({ delayMs: 1, rateBitsPerSecond: 2_000_000 }, { delayMs: 299, rateBitsPerSecond: 20_000_000 }),
    'fully asymmetric',
  );
});

t.test('every other option', async (t) => {
  t.strictSame(
    resolveLinkConditions({ jitter: '3ms', jitterReorders: true, reorder: '1%', duplicate: '0.5%', corrupt: '0.1%' }),
    link({ jitterMs: 3, jitterReorders: true, reorderRate: 0.01, duplicateRate: 0.005, corruptRate: 0.001 }),
  );
  t.strictSame(resolveLinkConditions({ burstLoss: '2%:4' }), link({ burstLoss: gilbertElliottFor(0.02, 4) }));
  t.strictSame(
    resolveLinkConditions({ outage: ['2s+500ms', '10s+1s'], rebind: ['1s:port', '3s:address'] }),
    link(
      {},
      {},
      {
        outages: [
          { startMs: 2000, durationMs: 500, direction: 'both' },
          { startMs: 10_000, durationMs: 1000, direction: 'both' },
        ],
        rebinds: [
          { atMs: 1000, kind: 'port' },
          { atMs: 3000, kind: 'address' },
        ],
      },
    ),
  );
  refuses(t, { outage: ['2s'] }, 'outage "2s" must be START+DURATION, e.g. 2s+500ms');
  refuses(t, { outage: ['2s+0ms'] }, 'outage "2s+0ms" must last longer than 0');
  refuses(t, { rebind: ['1s:nat'] }, 'rebind "1s:nat" must be AT:port or AT:address, e.g. 1s:port');
  refuses(t, { seed: '-3' }, 'seed "-3" must be a whole number from 0 to 4294967295');
});

t.test('bad values name where they came from', async (t) => {
  refuses(t, { loss: '1' }, '--loss "1" must be a percentage, e.g. 1% or 0.5%');
  refuses(t, { upRate: 'fast' }, '--up-rate "fast" needs a unit: bit, kbit, mbit or gbit (e.g. 50mbit)');
  refuses(t, { downDelay: '5' }, '--down-delay "5" needs a unit: us, ms or s (e.g. 30ms)');
  refuses(t, { queue: '0' }, '--queue "0" must hold at least one packet');
  refuses(t, { burstLoss: '2%' }, '--burst-loss "2%" must be RATE%:MEAN_BURST, e.g. 2%:3 (2% loss in bursts of 3 packets on average)');
});

t.test('an unknown profile lists the names', async (t) => {
  refuses(t, { profile: 'nope' }, `--profile: unknown profile "nope" (one of: ${ALL_PROFILES.join(', ')})`);
  refuses(t, { profile: '4G' }, `--profile: unknown profile "4G", did you mean "4g"? (one of: ${ALL_PROFILES.join(', ')})`);
  refuses(t, { profile: 'cabel' }, `--profile: unknown profile "cabel", did you mean "cable"? (one of: ${ALL_PROFILES.join(', ')})`);
});

t.test('every profile in profiles.json resolves and has a source', async (t) => {
  const fromFile = Object.keys(JSON.parse(readFileSync(PROFILES_PATH, 'utf8')) as Record<string, unknown>);
  t.strictSame(fromFile, ALL_PROFILES, 'the profiles the issue names, in this order');
  t.strictSame(profileNames(), ALL_PROFILES);
  for (const name of fromFile) {
    const profile = PROFILES[name];
    t.ok(profile && profile.source.trim().length > 10, `${name} has a source`);
    t.ok(profile && profile.description.trim().length > 10, `${name} has a description`);
    const conditions = resolveLinkConditions({ profile: name });
    t.equal(conditions.seed, 1, `${name} resolves`);
  }
});

t.test('the profiles carry the numbers of their sources', async (t) => {
  const expected: Record<string, LinkConditions> = {
    lan: link({ delayMs: 0.25 }),
    broadband: link({ delayMs: 20, rateBitsPerSecond: 5_000_000 }, { delayMs: 20, rateBitsPerSecond: 20_000_000 }),
    cable: link({ delayMs: 2, rateBitsPerSecond: 1_000_000 }, { delayMs: 2, rateBitsPerSecond: 6_000_000 }),
    dsl: link({ delayMs: 5, rateBitsPerSecond: 256_000 }, { delayMs: 5, rateBitsPerSecond: 2_000_000 }),
    '4g': link({ delayMs: 75, rateBitsPerSecond: 750_000 }, { delayMs: 75, rateBitsPerSecond: 1_638_400 }),
    '3g': link({ delayMs: 150, rateBitsPerSecond: 700_000 }),
    '2g-rural': link({ delayMs: 650, lossRate: 0.02, rateBitsPerSecond: 18_000 }, { delayMs: 650, lossRate: 0.02, rateBitsPerSecond: 20_000 }),
    'satellite-geo': link({ delayMs: 300, rateBitsPerSecond: 2_000_000 }, { delayMs: 300, rateBitsPerSecond: 20_000_000 }),
    'lossy-wifi': link({ delayMs: 5, jitterMs: 2, burstLoss: { goodToBad: (0.02 * 0.25) / 0.98, badToGood: 0.25, lossInBad: 1, maxBurstPackets: null }, rateBitsPerSecond: 20_000_000 }),
    interop: link({ delayMs: 15, rateBitsPerSecond: 10_000_000, queue: { packets: 25 } }),
    'transfer-loss': link({ delayMs: 15, rateBitsPerSecond: 10_000_000, queue: { packets: 25 }, lossRate: 0.02 }),
    'handshake-loss': link({ delayMs: 15, rateBitsPerSecond: 10_000_000, queue: { packets: 25 }, burstLoss: { goodToBad: (0.3 * 0.5) / 0.7, badToGood: 0.5, lossInBad: 1, maxBurstPackets: 3 } }),
    blackhole: link({ delayMs: 15, rateBitsPerSecond: 10_000_000, queue: { packets: 25 } }, undefined, {
      outages: [{ startMs: 5000, durationMs: 2000, periodMs: 7000, direction: 'both' }],
    }),
  };
  for (const name of ALL_PROFILES) t.strictSame(resolveLinkConditions({ profile: name }), expected[name], name);
  t.equal(roundTripMs(resolveLinkConditions({ profile: 'satellite-geo' })), 600, 'satellite-geo: 600 ms round trip');
  t.equal(roundTripMs(resolveLinkConditions({ profile: '4g' })), 150, '4g: 150 ms round trip');
  t.equal(roundTripMs(resolveLinkConditions({ profile: 'broadband' })), 40, 'broadband (the default): 40 ms round trip');
});

t.test("gilbertElliottFor: the bad state's stationary share is the loss rate", async (t) => {
  t.strictSame(gilbertElliottFor(0.02, 4), { goodToBad: (0.02 * 0.25) / 0.98, badToGood: 0.25, lossInBad: 1, maxBurstPackets: null });
  t.strictSame(gilbertElliottFor(0.3, 2, 3), { goodToBad: (0.3 * 0.5) / 0.7, badToGood: 0.5, lossInBad: 1, maxBurstPackets: 3 });
  for (const [rate, burst] of [
    [0.001, 1],
    [0.01, 2],
    [0.02, 3],
    [0.05, 10],
    [0.3, 2],
    [0.5, 1.5],
    [0.9, 50],
  ] as const) {
    const ge = gilbertElliottFor(rate, burst);
    const stationary = (ge.goodToBad / (ge.goodToBad + ge.badToGood)) * ge.lossInBad;
    t.ok(Math.abs(stationary - rate) < 1e-12, `${rate * 100}% in bursts of ${burst}: stationary loss ${stationary}`);
    t.equal(1 / ge.badToGood, burst, `mean burst ${burst}`);
  }
});

t.test('defaultQueueBytes: one bandwidth-delay product of the round trip, at least ten packets', async (t) => {
  t.equal(defaultQueueBytes(link({ delayMs: 15 }), 'up'), null, 'no rate, no queue');
  t.equal(defaultQueueBytes(link({ delayMs: 15, rateBitsPerSecond: 10_000_000 }), 'up'), 37_500, '10 Mbit/s x 30 ms');
  const satellite = resolveLinkConditions({ profile: 'satellite-geo' });
  t.equal(defaultQueueBytes(satellite, 'down'), 1_500_000, '20 Mbit/s x 600 ms');
  t.equal(defaultQueueBytes(satellite, 'up'), 150_000, '2 Mbit/s x 600 ms');
  t.equal(defaultQueueBytes(resolveLinkConditions({ profile: 'cable' }), 'up'), 15_000, '1 Mbit/s x 4 ms is 500 bytes: raised to ten packets');
  t.equal(defaultQueueBytes(link({ delayMs: 10, rateBitsPerSecond: 1_000_000 }, { delayMs: 40, rateBitsPerSecond: 50_000_000 }), 'down'), 312_500, 'the whole round trip, asymmetric delays');
  t.equal(defaultQueueBytes(link({ delayMs: 0.001, rateBitsPerSecond: 1_000_001 }), 'up'), 15_000);
  t.equal(defaultQueueBytes(link({ delayMs: 25, rateBitsPerSecond: 7_000_001 }), 'up'), 43_751, 'rounded up');
});

t.test('outageCycle', async (t) => {
  t.strictSame(outageCycle(5000, 2000), { startMs: 5000, durationMs: 2000, periodMs: 7000, direction: 'both' });
});
