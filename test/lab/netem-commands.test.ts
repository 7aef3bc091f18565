// The exact tc commands of the netem backend (its live tests need sch_netem, absent here).
import t from 'tap';
import { netemCommands, netemLimitations } from '../../harness/lab/netem-commands.js';
import { resolveLinkConditions, type LinkOptions } from '../../harness/lab/profiles.js';

const ENDS = { client: { netns: 'qlab-1-c', device: 'qlab0' }, server: { netns: 'qlab-1-s', device: 'qlab0' } };
const CLIENT_TC = ['ip', 'netns', 'exec', 'qlab-1-c', 'tc', 'qdisc'];
const SERVER_TC = ['ip', 'netns', 'exec', 'qlab-1-s', 'tc', 'qdisc'];
const ROOT = ['dev', 'qlab0', 'root', 'handle', '1:', 'netem'];
const CHILD = ['dev', 'qlab0', 'parent', '1:1', 'handle', '2:'];

function commandsFor(options: LinkOptions): string[][] {
  return netemCommands(resolveLinkConditions(options), ENDS);
}

t.test('the interop profile: netem delay, then tbf at 10 Mbit/s with a 25-packet queue', async (t) => {
  t.strictSame(commandsFor({ profile: 'interop' }), [
    [...CLIENT_TC, 'replace', ...ROOT, 'delay', '15000us', 'limit', '100000'],
    [...CLIENT_TC, 'add', ...CHILD, 'tbf', 'rate', '10000000bit', 'burst', '1500', 'limit', '37500'],
    [...SERVER_TC, 'replace', ...ROOT, 'delay', '15000us', 'limit', '100000'],
    [...SERVER_TC, 'add', ...CHILD, 'tbf', 'rate', '10000000bit', 'burst', '1500', 'limit', '37500'],
  ]);
});

t.test('up on the client end, down on the server end; queue in bytes or one BDP', async (t) => {
  t.strictSame(commandsFor({ profile: 'satellite-geo' }), [
    [...CLIENT_TC, 'replace', ...ROOT, 'delay', '300000us', 'limit', '100000'],
    [...CLIENT_TC, 'add', ...CHILD, 'tbf', 'rate', '2000000bit', 'burst', '1500', 'limit', '150000'],
    [...SERVER_TC, 'replace', ...ROOT, 'delay', '300000us', 'limit', '100000'],
    [...SERVER_TC, 'add', ...CHILD, 'tbf', 'rate', '20000000bit', 'burst', '1500', 'limit', '1500000'],
  ]);
  t.strictSame(commandsFor({ rtt: '20ms', rate: '50mbit', queue: '64kib' })[1], [...CLIENT_TC, 'add', ...CHILD, 'tbf', 'rate', '50000000bit', 'burst', '1500', 'limit', '65536']);
  t.strictSame(commandsFor({ profile: '4g' })[3], [...SERVER_TC, 'add', ...CHILD, 'tbf', 'rate', '1638400bit', 'burst', '1500', 'limit', '30720'], 'BDP 1638.4 kbit/s x 150 ms');
});

t.test('sub-millisecond delays keep their microseconds', async (t) => {
  t.strictSame(commandsFor({ profile: 'lan' }), [
    [...CLIENT_TC, 'replace', ...ROOT, 'delay', '250us', 'limit', '100000'],
    [...SERVER_TC, 'replace', ...ROOT, 'delay', '250us', 'limit', '100000'],
  ]);
});

t.test('no impairment: a bare netem root', async (t) => {
  t.strictSame(commandsFor({}), [
    [...CLIENT_TC, 'replace', ...ROOT, 'limit', '100000'],
    [...SERVER_TC, 'replace', ...ROOT, 'limit', '100000'],
  ]);
});

t.test('jitter without reordering gets a pfifo child; with reordering none', async (t) => {
  t.strictSame(commandsFor({ delay: '10ms', jitter: '2ms' }), [
    [...CLIENT_TC, 'replace', ...ROOT, 'delay', '10000us', '2000us', 'limit', '100000'],
    [...CLIENT_TC, 'add', ...CHILD, 'pfifo', 'limit', '100000'],
    [...SERVER_TC, 'replace', ...ROOT, 'delay', '10000us', '2000us', 'limit', '100000'],
    [...SERVER_TC, 'add', ...CHILD, 'pfifo', 'limit', '100000'],
  ]);
  t.strictSame(commandsFor({ delay: '10ms', jitter: '2ms', jitterReorders: true }), [
    [...CLIENT_TC, 'replace', ...ROOT, 'delay', '10000us', '2000us', 'limit', '100000'],
    [...SERVER_TC, 'replace', ...ROOT, 'delay', '10000us', '2000us', 'limit', '100000'],
  ]);
  t.strictSame(
    commandsFor({ jitter: '1ms', upJitter: '0ms' }),
    [
      [...CLIENT_TC, 'replace', ...ROOT, 'limit', '100000'],
      [...SERVER_TC, 'replace', ...ROOT, 'delay', '0us', '1000us', 'limit', '100000'],
      [...SERVER_TC, 'add', ...CHILD, 'pfifo', 'limit', '100000'],
    ],
    'per direction',
  );
});

t.test('random loss, burst loss (gemodel), reorder, duplicate, corrupt', async (t) => {
  t.strictSame(commandsFor({ loss: '1%' })[0], [...CLIENT_TC, 'replace', ...ROOT, 'loss', 'random', '1%', 'limit', '100000']);
  // 2% in bursts of 4: p = 0.02 * 0.25 / 0.98, r = 25%, 1-h = 100%, 1-k = 0%.
  t.strictSame(commandsFor({ burstLoss: '2%:4' })[0], [...CLIENT_TC, 'replace', ...ROOT, 'loss', 'gemodel', '0.510204%', '25%', '100%', '0%', 'limit', '100000']);
  t.strictSame(
    commandsFor({ burstLoss: '2%:4', loss: '0.1%' })[0],
    [...CLIENT_TC, 'replace', ...ROOT, 'loss', 'gemodel', '0.510204%', '25%', '100%', '0.1%', 'limit', '100000'],
    'random loss beside bursts is the good state loss',
  );
  t.strictSame(commandsFor({ profile: 'lossy-wifi' })[0], [...CLIENT_TC, 'replace', ...ROOT, 'delay', '5000us', '2000us', 'loss', 'gemodel', '0.510204%', '25%', '100%', '0%', 'limit', '100000']);
  t.strictSame(commandsFor({ delay: '5ms', reorder: '1%', duplicate: '0.5%', corrupt: '0.1%' })[0], [
    ...CLIENT_TC,
    'replace',
    ...ROOT,
    'delay',
    '5000us',
    'reorder',
    '1%',
    'duplicate',
    '0.5%',
    'corrupt',
    '0.1%',
    'limit',
    '100000',
  ]);
});

t.test('what netem cannot do', async (t) => {
  t.strictSame(netemLimitations(resolveLinkConditions({ profile: 'interop' })), []);
  t.strictSame(netemLimitations(resolveLinkConditions({ profile: 'lossy-wifi' })), [], 'uncapped bursts are fine');
  t.strictSame(netemLimitations(resolveLinkConditions({ rebind: ['1s:port'] })), ['NAT rebinding needs the emulator backend']);
  t.strictSame(netemLimitations(resolveLinkConditions({ outage: ['1s+1s'] })), ['scripted outages need the emulator backend']);
  t.strictSame(netemLimitations(resolveLinkConditions({ profile: 'blackhole' })), ['scripted outages need the emulator backend']);
  t.strictSame(netemLimitations(resolveLinkConditions({ profile: 'handshake-loss' })), ['a cap on loss bursts (up) needs the emulator backend', 'a cap on loss bursts (down) needs the emulator backend']);
  t.strictSame(netemLimitations(resolveLinkConditions({ profile: 'handshake-loss', rebind: ['2s:address'], outage: ['1s+100ms'] })), [
    'NAT rebinding needs the emulator backend',
    'scripted outages need the emulator backend',
    'a cap on loss bursts (up) needs the emulator backend',
    'a cap on loss bursts (down) needs the emulator backend',
  ]);
});
