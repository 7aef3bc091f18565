// Option values: parsed strictly, refused in one form, "--option: what is wrong (what is allowed)".
import t, { type Test } from 'tap';
import { choiceList, commaListOf, durationMs, integerInRange, objectSetList, oneOf, sizeList } from '../../harness/options/parse.js';
import { UsageError } from '../../harness/options/usage-error.js';

function refused(t: Test, run: () => unknown, message: string): void {
  t.throws(run, new UsageError(message), message);
}

t.test('values that parse', async (t) => {
  t.equal(integerInRange('--samples', 1, 100)('20'), 20);
  t.equal(durationMs('--timeout')('1.5s'), 1500);
  t.equal(durationMs('--timeout')('2m'), 120_000);
  t.equal(durationMs('--timeout')('2147483647ms'), 2 ** 31 - 1, 'the longest timer Node keeps');
  t.same(commaListOf('--variants')('a, b'), ['a', 'b']);
  t.same(sizeList('1MB,10KB'), [1_000_000, 10_000]);
  t.same(objectSetList('100x10KB'), [{ count: 100, bytes: 10_000 }]);
  t.same(choiceList('--client', ['curl', 'undici'] as const)('curl,curl,undici'), ['curl', 'undici']);
});

t.test('refusals name the option, what is wrong and what is allowed', async (t) => {
  refused(t, () => integerInRange('--samples', 1, 100000)('ten'), '--samples: "ten" is not a whole number (1 to 100000)');
  refused(t, () => integerInRange('--samples', 1, 100000)('0'), '--samples: 0 is out of range (1 to 100000)');
  refused(t, () => durationMs('--timeout')('10'), '--timeout: "10" is not a duration (a number with a unit: us, ms, s or m, e.g. 500ms or 10s)');
  refused(t, () => durationMs('--timeout')('0s'), '--timeout: "0s" is not positive (a duration above 0, e.g. 500ms)');
  // Node would clamp such a timer to 1 ms: every sample would time out at once.
  refused(t, () => durationMs('--timeout')('2147484s'), '--timeout: "2147484s" is out of range (at most 2147483647 ms)');
  refused(t, () => durationMs('--timeout')('2147483648ms'), '--timeout: "2147483648ms" is out of range (at most 2147483647 ms)');
  refused(t, () => durationMs('--timeout')('10'), '--timeout: "10" is not a duration (a number with a unit: us, ms, s or m, e.g. 500ms or 10s)');
  refused(t, () => oneOf('--direction', ['down', 'up'] as const)('sideways'), '--direction: unknown value "sideways" (one of: down, up)');
  refused(t, () => oneOf('--server', ['node', 'ngtcp2', 'caddy'] as const)('Caddy'), '--server: unknown value "Caddy", did you mean "caddy"? (one of: node, ngtcp2, caddy)');
  refused(t, () => commaListOf('--variants')('quic-h3,'), '--variants: "quic-h3," has an empty item (a comma-separated list, e.g. a,b)');
  refused(t, () => commaListOf('--variants')('a,,b'), '--variants: "a,,b" has an empty item (a comma-separated list, e.g. a,b)');
  refused(t, () => sizeList('10'), '--sizes: "10" needs a unit: b, kb, kib, mb, mib, gb or gib (e.g. 10MB)');
  refused(t, () => objectSetList('100x'), '--objects: "100x" is not COUNTxSIZE (a count of 1-1000, "x", a size, e.g. 100x10KB)');
  refused(t, () => objectSetList('100x10'), '--objects: size "10" needs a unit: b, kb, kib, mb, mib, gb or gib (e.g. 10MB)');
});
