// LinkConditions -> the exact config text the link emulator reads.
import t from 'tap';
import { emulatorConfigFor } from '../../harness/lab/emulator-config.js';
import { emulatorConfigText } from '../../harness/lab/emulator-process.js';
import { resolveLinkConditions, type LinkOptions } from '../../harness/lab/profiles.js';

function textFor(options: LinkOptions): string {
  return emulatorConfigText(emulatorConfigFor(resolveLinkConditions(options)));
}

const lines = (...all: string[]): string => all.join('\n') + '\n';
const HEADER = '# QUIC lab link emulator config (generated)';
const REBIND_ADDRESSES = ['rebind_address=198.18.0.5', 'rebind_address=2001:2::5'];

t.test('the interop profile', async (t) => {
  t.equal(
    textFor({ profile: 'interop' }),
    lines(
      HEADER,
      'seed=1',
      'up.delay_us=15000',
      'up.jitter_us=0',
      'up.jitter_reorder=0',
      'up.loss=0',
      'up.reorder=0',
      'up.duplicate=0',
      'up.corrupt=0',
      'up.rate_bps=10000000',
      'up.queue_packets=25',
      'down.delay_us=15000',
      'down.jitter_us=0',
      'down.jitter_reorder=0',
      'down.loss=0',
      'down.reorder=0',
      'down.duplicate=0',
      'down.corrupt=0',
      'down.rate_bps=10000000',
      'down.queue_packets=25',
      ...REBIND_ADDRESSES,
    ),
  );
});

t.test('handshake-loss: Gilbert-Elliott with a burst cap', async (t) => {
  const direction = (d: string): string[] => [
    `${d}.delay_us=15000`,
    `${d}.jitter_us=0`,
    `${d}.jitter_reorder=0`,
    `${d}.loss=0`,
    `${d}.ge_p=0.2142857142857143`,
    `${d}.ge_r=0.5`,
    `${d}.ge_loss_bad=1`,
    `${d}.ge_loss_good=0`,
    `${d}.ge_max_burst=3`,
    `${d}.reorder=0`,
    `${d}.duplicate=0`,
    `${d}.corrupt=0`,
    `${d}.rate_bps=10000000`,
    `${d}.queue_packets=25`,
  ];
  t.equal(textFor({ profile: 'handshake-loss' }), lines(HEADER, 'seed=1', ...direction('up'), ...direction('down'), ...REBIND_ADDRESSES));
});

t.test('blackhole: a periodic outage', async (t) => {
  const text = textFor({ profile: 'blackhole' });
  t.match(text, /\ndown\.queue_packets=25\noutage=5000,2000,7000\nrebind_address=198\.18\.0\.5\n/);
});

t.test('asymmetric rates with the default queue (one BDP each way), jitter, loss, seed', async (t) => {
  t.equal(
    textFor({ upDelay: '10ms', downDelay: '40ms', upRate: '5mbit', downRate: '50mbit', jitter: '1.5ms', loss: '0.5%', duplicate: '1%', corrupt: '0.1%', reorder: '2%', seed: '4242' }),
    lines(
      HEADER,
      'seed=4242',
      'up.delay_us=10000',
      'up.jitter_us=1500',
      'up.jitter_reorder=0',
      'up.loss=0.005',
      'up.reorder=0.02',
      'up.duplicate=0.01',
      'up.corrupt=0.001',
      'up.rate_bps=5000000',
      'up.queue_bytes=31250',
      'down.delay_us=40000',
      'down.jitter_us=1500',
      'down.jitter_reorder=0',
      'down.loss=0.005',
      'down.reorder=0.02',
      'down.duplicate=0.01',
      'down.corrupt=0.001',
      'down.rate_bps=50000000',
      'down.queue_bytes=312500',
      ...REBIND_ADDRESSES,
    ),
  );
});

t.test('lan with rebinds and an outage: no rate, no queue; times in ms', async (t) => {
  t.equal(
    textFor({ profile: 'lan', rebind: ['1s:port', '2.5s:address'], outage: ['3s+250ms'], jitterReorders: true, queue: '64kib' }),
    lines(
      HEADER,
      'seed=1',
      'up.delay_us=250',
      'up.jitter_us=0',
      'up.jitter_reorder=1',
      'up.loss=0',
      'up.reorder=0',
      'up.duplicate=0',
      'up.corrupt=0',
      'up.rate_bps=0',
      'down.delay_us=250',
      'down.jitter_us=0',
      'down.jitter_reorder=1',
      'down.loss=0',
      'down.reorder=0',
      'down.duplicate=0',
      'down.corrupt=0',
      'down.rate_bps=0',
      'outage=3000,250',
      ...REBIND_ADDRESSES,
      'rebind=1000,port',
      'rebind=2500,address',
    ),
    'a queue without a rate is not written',
  );
});

t.test('an explicit byte queue', async (t) => {
  t.match(textFor({ rate: '20mbit', queue: '64kib' }), /\nup\.rate_bps=20000000\nup\.queue_bytes=65536\n/);
});
