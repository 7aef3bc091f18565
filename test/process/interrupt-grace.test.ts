// The cleanup registry's grace after the first Ctrl-C (QUIC_LAB_INTERRUPT_GRACE_MS): unset or
// empty is the 10 s default; whole milliseconds from 0 to 600000 are taken as they are; anything
// else is refused with one message naming the variable, the value and the accepted form, and by
// the CLI as bad input (exit 2) before it waits for the lab or sets anything up.
import t from 'tap';
import { DEFAULT_INTERRUPT_GRACE_MS, interruptGraceMs } from '../../harness/process/cleanup.js';
import { runCli } from '../fixtures/run-cli.js';

t.test('unset or empty: 10 s', async (t) => {
  t.equal(DEFAULT_INTERRUPT_GRACE_MS, 10_000);
  t.equal(interruptGraceMs({}), 10_000);
  t.equal(interruptGraceMs({ QUIC_LAB_INTERRUPT_GRACE_MS: '' }), 10_000);
  t.equal(interruptGraceMs({ QUIC_LAB_INTERRUPT_GRACE_MS: '  ' }), 10_000);
});

t.test('whole milliseconds, 0 to 600000', async (t) => {
  t.equal(interruptGraceMs({ QUIC_LAB_INTERRUPT_GRACE_MS: '0' }), 0);
  t.equal(interruptGraceMs({ QUIC_LAB_INTERRUPT_GRACE_MS: '1500' }), 1500);
  t.equal(interruptGraceMs({ QUIC_LAB_INTERRUPT_GRACE_MS: ' 250 ' }), 250);
  t.equal(interruptGraceMs({ QUIC_LAB_INTERRUPT_GRACE_MS: '600000' }), 600_000);
});

t.test('anything else is refused, naming the variable and the accepted form', async (t) => {
  for (const value of ['abc', '-1', '1.5', '2s', '1e3', '0x10', '600001', '99999999999999999999']) {
    t.throws(
      () => interruptGraceMs({ QUIC_LAB_INTERRUPT_GRACE_MS: value }),
      { message: `QUIC_LAB_INTERRUPT_GRACE_MS "${value}" must be a whole number of milliseconds from 0 to 600000 (e.g. 2000; unset: 10000)` },
      `"${value}"`,
    );
  }
});

t.test('the CLI refuses a bad value as bad input (exit 2, one line) before it does anything', async (t) => {
  const previous = process.env.QUIC_LAB_INTERRUPT_GRACE_MS;
  process.env.QUIC_LAB_INTERRUPT_GRACE_MS = '10s';
  t.teardown(() => {
    if (previous === undefined) delete process.env.QUIC_LAB_INTERRUPT_GRACE_MS;
    else process.env.QUIC_LAB_INTERRUPT_GRACE_MS = previous;
  });
  const result = await runCli(['lab', 'status']);
  t.equal(result.code, 2);
  t.equal(result.stderr, 'error: QUIC_LAB_INTERRUPT_GRACE_MS "10s" must be a whole number of milliseconds from 0 to 600000 (e.g. 2000; unset: 10000)\n');
  t.equal(result.stdout, '');
});
