// Link options beyond what the emulator takes are refused while resolving them, naming the
// option and its range (they used to fail after the namespaces existed).
import t, { type Test } from 'tap';
import { resolveLinkConditions, type LinkOptions } from '../../harness/lab/profiles.js';
import { UnitError } from '../../harness/lab/units.js';

function refused(t: Test, options: LinkOptions, message: string): void {
  t.throws(() => resolveLinkConditions(options), new UnitError(message), message);
}

t.test('each option is bounded by the emulator, with its name and range', async (t) => {
  refused(t, { rtt: '99999999999ms' }, '--rtt: "99999999999ms" is out of range (0 to 2000000000ms)');
  refused(t, { delay: '1000000001ms' }, '--delay: "1000000001ms" is out of range (0 to 1000000000ms)');
  refused(t, { upDelay: '1000001s' }, '--up-delay: "1000001s" is out of range (0 to 1000000000ms)');
  refused(t, { downJitter: '1000001s' }, '--down-jitter: "1000001s" is out of range (0 to 1000000000ms)');
  refused(t, { rate: '999999gbit' }, '--rate: "999999gbit" is out of range (1kbit to 10000gbit)');
  refused(t, { downRate: '10001gbit' }, '--down-rate: "10001gbit" is out of range (1kbit to 10000gbit)');
  refused(t, { rate: '1mbit', queue: '99999999999' }, '--queue: "99999999999" is out of range (1 to 4294967296 packets)');
  refused(t, { rate: '1mbit', queue: '300000000mib' }, '--queue: "300000000mib" is out of range (1500b to 281474976710656b)');
  refused(t, { outage: ['2s+99999999999s'] }, '--outage: "99999999999s" is out of range (0 to 1000000000ms)');
  refused(t, { rebind: ['99999999999s:port'] }, '--rebind: "99999999999s" is out of range (0 to 1000000000ms)');
});

t.test('what only options together exceed is refused from the whole configuration', async (t) => {
  refused(t, { rate: '10000gbit', rtt: '1000000s' }, 'the link is beyond what the emulator takes: queueBytes must be within [0, 281474976710656], got 1250000000000000000');
});

t.test('the largest values the emulator takes pass, and unparsable ones keep their own message', async (t) => {
  const at = resolveLinkConditions({ rtt: '2000000000ms', rate: '10000gbit', queue: '4294967296' });
  t.equal(at.up.delayMs, 1e9);
  t.equal(at.down.rateBitsPerSecond, 1e13);
  t.same(at.up.queue, { packets: 2 ** 32 });
  t.throws(() => resolveLinkConditions({ rtt: '5' }), new UnitError('--rtt "5" needs a unit: us, ms or s (e.g. 30ms)'));
});
