// The userspace link emulator, measured live between two lab namespaces: delay, loss, rate,
// outage and NAT rebinding, each with a tolerance. Needs root, /dev/net/tun, `ip`, `ping`
// (iputils-ping) and iperf3; skipped with the reason otherwise.
import t, { type Test } from 'tap';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { EmulatorProcess, buildEmulator, directionConfigLines, emulatorConfigText, histogramQuantileUpperUs, type EmulatorConfig } from '../../harness/lab/emulator-process.js';
import { onCleanup } from '../../harness/process/cleanup.js';
import { ManagedProcess } from '../../harness/process/managed-process.js';

const CLIENT_NS = `qlab-test-${process.pid}-c`;
const SERVER_NS = `qlab-test-${process.pid}-s`;
const DEV = 'qlab0';
const CLIENT4 = '198.18.0.1';
const SERVER4 = '198.18.0.2';
const CLIENT6 = '2001:2::1';
const SERVER6 = '2001:2::2';
const REBIND4 = '198.18.0.5';
const REBIND6 = '2001:2::5';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion, killed after timeoutMs; never throws on a non-zero exit. */
function run(command: string, args: string[], timeoutMs = 10_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: timeoutMs, killSignal: 'SIGKILL', encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function must(command: string, args: string[], timeoutMs = 10_000): Promise<string> {
  const result = await run(command, args, timeoutMs);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.code}): ${result.stderr.trim()}`);
  return result.stdout;
}

function inNs(ns: string, command: string, args: string[], timeoutMs = 10_000): Promise<Run> {
  return run('ip', ['netns', 'exec', ns, command, ...args], timeoutMs);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Two-sided binomial interval for a fraction from n trials (z = 3.29: 99.9%). */
function binomialBounds(p: number, n: number, z = 3.29): [number, number] {
  const half = z * Math.sqrt((p * (1 - p)) / n);
  return [p - half, p + half];
}

interface PingResult {
  transmitted: number;
  received: number;
  /** ping's own "time" figure: first send to last send (or the end). */
  elapsedMs: number;
  seqs: number[];
  rttMinMs: number | undefined;
}

function parsePing(stdout: string): PingResult {
  const counts = /(\d+) packets transmitted, (\d+) received.*time (\d+)ms/.exec(stdout);
  const rtt = /= ([\d.]+)\/([\d.]+)\/([\d.]+)/.exec(stdout);
  const seqs = [...stdout.matchAll(/icmp_seq=(\d+) /g)].map((m) => Number(m[1]));
  return {
    transmitted: Number(counts?.[1] ?? 0),
    received: Number(counts?.[2] ?? 0),
    elapsedMs: Number(counts?.[3] ?? 0),
    seqs,
    rttMinMs: rtt ? Number(rtt[1]) : undefined,
  };
}

function ping(args: string[], timeoutMs: number): Promise<PingResult> {
  return inNs(CLIENT_NS, 'ping', ['-n', ...args, SERVER4], timeoutMs).then((r) => parsePing(r.stdout));
}

// ---------------------------------------------------------------- no root needed

t.test('config text: units, prefixes, validation', async (t) => {
  const text = emulatorConfigText({
    seed: 42,
    up: { delayMs: 25, jitterMs: 0.5, lossRate: 0.01, rateBitsPerSecond: 50e6, queuePackets: 100 },
    down: { gilbertElliott: { pGoodToBad: 0.01, pBadToGood: 0.5, maxBurstPackets: 3 } },
    outages: [
      { startMs: 1000, durationMs: 500 },
      { startMs: 0, durationMs: 5000, periodMs: 7000, direction: 'up' },
    ],
    rebindAddresses: [REBIND4, REBIND6],
    rebinds: [{ atMs: 2000, kind: 'port' }],
  });
  const lines = text.split('\n');
  for (const expected of [
    'seed=42',
    'up.delay_us=25000',
    'up.jitter_us=500',
    'up.loss=0.01',
    'up.rate_bps=50000000',
    'up.queue_packets=100',
    'down.ge_p=0.01',
    'down.ge_r=0.5',
    'down.ge_loss_bad=1',
    'down.ge_max_burst=3',
    'outage=1000,500',
    'up.outage=0,5000,7000',
    `rebind_address=${REBIND4}`,
    `rebind_address=${REBIND6}`,
    'rebind=2000,port',
  ]) {
    t.ok(lines.includes(expected), `has ${expected}`);
  }
  t.same(directionConfigLines('', { delayMs: 0.0015 }), ['delay_us=1.5'], 'sub-microsecond precision kept to ns');
  t.throws(() => emulatorConfigText({ up: { lossRate: 1.5 } }), /lossRate/);
  t.throws(() => emulatorConfigText({ up: { delayMs: -1 } }), /delayMs/);
  t.throws(() => emulatorConfigText({ up: { queuePackets: 1.5 } }), /integer/);
  t.throws(() => emulatorConfigText({ rebinds: [{ atMs: 1, kind: 'address' }] }), /rebindAddresses/);
  t.throws(() => emulatorConfigText({ rebindAddresses: ['not-an-ip'] }), /bad rebind address/);
  t.equal(histogramQuantileUpperUs({ count: 4, sumNs: 0, maxNs: 0, bucketCountsLog2Us: [1, 1, 0, 2] }, 0.99), 8, 'quantile upper bound from log2 buckets');
});

// ---------------------------------------------------------------- live

function skipReason(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'needs root (network namespaces, TUN)';
  if (!existsSync('/dev/net/tun')) return 'no /dev/net/tun';
  for (const tool of ['/usr/bin/ping', '/usr/bin/iperf3']) {
    if (!existsSync(tool) && !existsSync(tool.replace('/usr/bin', '/bin'))) return `${tool} missing (apt-get install iputils-ping iperf3)`;
  }
  return undefined;
}

const reason = skipReason();
if (reason) {
  t.test('live link emulator', { skip: reason }, async () => {});
} else {
  let current: EmulatorProcess | undefined;
  const helpers: ManagedProcess[] = [];

  const removeAll = async (): Promise<void> => {
    for (const helper of helpers.splice(0)) await helper.stop(1000);
    if (current) await current.stop();
    current = undefined;
    for (const ns of [CLIENT_NS, SERVER_NS]) {
      // anything still running inside (ours) goes first, then the namespace
      const pids = await run('ip', ['netns', 'pids', ns], 5000);
      for (const pid of pids.stdout.split(/\s+/).filter(Boolean)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await run('ip', ['netns', 'del', ns], 5000);
    }
  };
  // on success and failure (tap teardown), and on Ctrl-C / SIGTERM (the harness's cleanup registry)
  const unregister = onCleanup('remove emulator test namespaces', removeAll);
  t.teardown(async () => {
    await removeAll();
    unregister();
  });

  /** (Re)starts the emulator between the test namespaces with this config and sets addresses. */
  async function startLab(config: EmulatorConfig): Promise<EmulatorProcess> {
    if (current) await current.stop();
    current = undefined;
    const emulator = await EmulatorProcess.start({
      clientNetns: CLIENT_NS,
      clientDev: DEV,
      serverNetns: SERVER_NS,
      serverDev: DEV,
      config,
    });
    current = emulator;
    for (const [ns, v4, v6] of [
      [CLIENT_NS, CLIENT4, CLIENT6],
      [SERVER_NS, SERVER4, SERVER6],
    ] as const) {
      // a /24 (/64) on the point-to-point TUN routes the whole lab range, rebind addresses included
      await must('ip', ['-n', ns, 'addr', 'add', `${v4}/24`, 'dev', DEV]);
      await must('ip', ['-n', ns, 'addr', 'add', `${v6}/64`, 'dev', DEV, 'nodad']);
    }
    return emulator;
  }

  async function stopHelper(helper: ManagedProcess): Promise<void> {
    await helper.stop(1000);
    const index = helpers.indexOf(helper);
    if (index >= 0) helpers.splice(index, 1);
  }

  function helper(name: string, netns: string, command: string, args: string[]): ManagedProcess {
    const proc = new ManagedProcess({ name, netns, command, args });
    helpers.push(proc);
    return proc;
  }

  t.before(async () => {
    await buildEmulator();
    for (const ns of [CLIENT_NS, SERVER_NS]) {
      await must('ip', ['netns', 'add', ns]);
      await must('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    }
  });

  t.test('delay: 25 ms each way gives a 50 ms round trip', async (t) => {
    const emulator = await startLab({ seed: 1, up: { delayMs: 25 }, down: { delayMs: 25 } });
    t.match(emulator.ready, { event: 'ready', client: { netns: CLIENT_NS, dev: DEV }, server: { netns: SERVER_NS, dev: DEV } });
    t.equal(emulator.seed, 1, 'seed reported');
    const result = await ping(['-c', '20', '-i', '0.05', '-W', '1'], 15_000);
    t.equal(result.received, 20, 'no loss');
    t.ok(result.rttMinMs !== undefined && result.rttMinMs >= 50 && result.rttMinMs <= 51.5, `RTT min ${result.rttMinMs} ms within [50, 51.5]`);
    const stats = await emulator.stats();
    t.ok(stats.up.packetsOut >= 20 && stats.down.packetsOut >= 20, 'packets counted both ways');
    t.ok(stats.up.holdTime.maxNs >= 25e6, 'hold time includes the delay');
    t.ok(stats.up.lateness.count > 0, 'lateness histogram filled');
    t.comment(`lateness p99 <= ${histogramQuantileUpperUs(stats.up.lateness, 0.99)} us (up), max ${(stats.up.lateness.maxNs / 1e3).toFixed(0)} us`);
  });

  t.test('loss: 20% each way', async (t) => {
    const emulator = await startLab({ seed: 7, up: { delayMs: 2, lossRate: 0.2 }, down: { delayMs: 2, lossRate: 0.2 } });
    const n = 200;
    const result = await ping(['-q', '-c', String(n), '-i', '0.01', '-W', '1'], 20_000);
    t.equal(result.transmitted, n, `${n} pings sent`);
    const lost = 1 - result.received / n;
    const expected = 1 - 0.8 * 0.8;
    const [lo, hi] = binomialBounds(expected, n);
    t.ok(lost >= lo && lost <= hi, `round-trip loss ${lost.toFixed(3)} within [${lo.toFixed(3)}, ${hi.toFixed(3)}] of ${expected}`);
    const stats = await emulator.stats();
    for (const dir of ['up', 'down'] as const) {
      const s = stats[dir];
      const fraction = s.dropped.loss / s.packetsIn;
      const [l, h] = binomialBounds(0.2, s.packetsIn);
      t.ok(fraction >= l && fraction <= h, `${dir}: dropped ${s.dropped.loss}/${s.packetsIn} = ${fraction.toFixed(3)} within [${l.toFixed(3)}, ${h.toFixed(3)}]`);
      t.equal(s.packetsOut, s.packetsIn - s.dropped.loss, `${dir}: out = in - lost`);
    }
  });

  t.test('rate: 20 Mbit/s carries 16-20.5 Mbit/s of TCP', async (t) => {
    const emulator = await startLab({
      seed: 3,
      up: { delayMs: 5, rateBitsPerSecond: 20e6, queuePackets: 100 },
      down: { delayMs: 5, rateBitsPerSecond: 20e6, queuePackets: 100 },
    });
    const server = helper('iperf3 server', SERVER_NS, 'iperf3', ['-s', '-1', '-B', SERVER4, '--forceflush']);
    await server.waitForLine(/Server listening/, 5000);
    const client = await inNs(CLIENT_NS, 'iperf3', ['-c', SERVER4, '-t', '2', '-J'], 15_000);
    await stopHelper(server);
    t.equal(client.code, 0, 'iperf3 ran');
    const report = JSON.parse(client.stdout) as { end?: { sum_received?: { bits_per_second?: number } } };
    const bps = report.end?.sum_received?.bits_per_second ?? 0;
    t.ok(bps >= 16e6 && bps <= 20.5e6, `TCP goodput ${(bps / 1e6).toFixed(2)} Mbit/s within [16, 20.5]`);
    const stats = await emulator.stats();
    t.ok(stats.up.maxQueuePackets > 0 && stats.up.maxQueuePackets <= 100, `queue used, bounded (max ${stats.up.maxQueuePackets})`);
    t.ok(stats.up.queueDelay.maxNs > 0, 'queueing delay recorded');
  });

  t.test('outage: pings during 500 ms are lost, then resume', async (t) => {
    const emulator = await startLab({ seed: 5, up: { delayMs: 5 }, down: { delayMs: 5 } });
    const pinging = ping(['-c', '75', '-i', '0.02', '-W', '1'], 15_000);
    await sleep(400);
    await emulator.outage('both', 500);
    const result = await pinging;
    t.equal(result.transmitted, 75, '75 pings sent');
    const got = new Set(result.seqs);
    const lost: number[] = [];
    for (let seq = 1; seq <= 75; seq++) if (!got.has(seq)) lost.push(seq);
    const first = lost[0] ?? 0;
    const last = lost[lost.length - 1] ?? 0;
    // ping's real interval is a little over the 20 ms asked for, and on a busy host it
    // stretches unevenly: at most 500/20 (+2) pings fit in the outage, at least 500 ms' worth
    // at one and a half times the average interval.
    const intervalMs = result.elapsedMs / (result.transmitted - 1);
    const [fewest, most] = [Math.floor(500 / (1.5 * intervalMs)), Math.ceil(500 / 20) + 2];
    t.ok(lost.length >= fewest && lost.length <= most, `${lost.length} pings lost, expected ${fewest}-${most} (500 ms at one per ${intervalMs.toFixed(1)} ms on average)`);
    t.equal(last - first + 1, lost.length, `the lost pings are one run (${first}..${last})`);
    t.ok(first > 5, 'pings before the outage got through');
    t.ok(
      [66, 67, 68, 69, 70, 71, 72, 73, 74, 75].every((seq) => got.has(seq)),
      'pings after the outage got through',
    );
    const stats = await emulator.stats();
    t.ok(stats.up.dropped.outage >= lost.length - 1, `emulator counted ${stats.up.dropped.outage} outage drops up`);
    t.equal(stats.up.outageActive, false, 'outage over');
  });

  t.test('NAT rebinding: port, then address; replies still reach the client', async (t) => {
    const emulator = await startLab({ seed: 11, up: { delayMs: 1 }, down: { delayMs: 1 }, rebindAddresses: [REBIND4, REBIND6] });
    const port = 7100;
    const serverCode = `
      const dgram = require('node:dgram'), net = require('node:net');
      let pending = 3;
      const ready = () => { if (--pending === 0) console.log('ready'); };
      for (const [type, host] of [['udp4', '${SERVER4}'], ['udp6', '${SERVER6}']]) {
        const s = dgram.createSocket(type);
        s.on('message', (msg, r) => s.send(JSON.stringify({ address: r.address, port: r.port, tag: String(msg) }), r.port, r.address));
        s.bind(${port}, host, ready);
      }
      net.createServer((c) => c.end(JSON.stringify({ address: c.remoteAddress, port: c.remotePort }) + '\\n')).listen(${port}, '${SERVER4}', ready);
      setTimeout(() => process.exit(0), 20000);`;
    const clientCode = `
      const dgram = require('node:dgram'), net = require('node:net'), readline = require('node:readline');
      const out = (o) => console.log(JSON.stringify(o));
      const sockets = { udp4: dgram.createSocket('udp4'), udp6: dgram.createSocket('udp6') };
      const dst = { udp4: '${SERVER4}', udp6: '${SERVER6}' };
      let waiting = null;
      for (const s of Object.values(sockets)) s.on('message', (m) => { if (waiting) { const w = waiting; waiting = null; w(String(m)); } });
      let bound = 0;
      const onBound = () => { if (++bound === 2) console.log('ready'); };
      sockets.udp4.bind(40001, '${CLIENT4}', onBound);
      sockets.udp6.bind(40002, '${CLIENT6}', onBound);
      let tcpPort = 40010;
      readline.createInterface({ input: process.stdin }).on('line', (line) => {
        const [cmd, tag] = line.split(' ');
        if (cmd === 'udp4' || cmd === 'udp6') {
          const s = sockets[cmd];
          const timer = setTimeout(() => { waiting = null; out({ cmd, error: 'timeout' }); }, 2000);
          waiting = (reply) => { clearTimeout(timer); out({ cmd, local: s.address().port, reply: JSON.parse(reply) }); };
          s.send(tag, ${port}, dst[cmd]);
        } else if (cmd === 'tcp4') {
          const localPort = tcpPort++;
          const c = net.connect({ host: '${SERVER4}', port: ${port}, localAddress: '${CLIENT4}', localPort });
          let data = '';
          c.setEncoding('utf8').on('data', (d) => (data += d));
          const timer = setTimeout(() => { c.destroy(); out({ cmd, error: 'timeout' }); }, 2000);
          c.on('end', () => { clearTimeout(timer); out({ cmd, local: localPort, reply: JSON.parse(data) }); });
          c.on('error', (e) => { clearTimeout(timer); out({ cmd, error: e.message }); });
        }
      });
      setTimeout(() => process.exit(0), 20000);`;
    const server = helper('echo server', SERVER_NS, process.execPath, ['-e', serverCode]);
    await server.waitForLine(/^ready$/, 5000);
    const client = helper('echo client', CLIENT_NS, process.execPath, ['-e', clientCode]);
    await client.waitForLine(/^ready$/, 5000);

    interface Exchange {
      cmd: string;
      error?: string;
      local?: number;
      reply?: { address: string; port: number };
    }
    const exchange = async (line: string): Promise<Exchange> => {
      const cmd = line.split(' ')[0] ?? '';
      const reply = client.waitForLine(new RegExp(`^\\{"cmd":"${cmd}"`), 4000);
      client.child.stdin?.write(`${line}\n`);
      return JSON.parse(await reply) as Exchange;
    };
    const seen = (e: Exchange): string => (e.reply ? `${e.reply.address}:${e.reply.port}` : `error ${e.error}`);

    const before = await exchange('udp4 a');
    t.same(before.reply, { address: CLIENT4, port: 40001, tag: 'a' }, `before: server sees the client as is (${seen(before)})`);
    const tcpBefore = await exchange('tcp4');
    t.equal(tcpBefore.reply?.port, tcpBefore.local, 'before: TCP source port unchanged');

    await emulator.rebind('port');
    const afterPort = await exchange('udp4 b');
    t.notOk(afterPort.error, 'after port rebind: the reply reached the client');
    t.equal(afterPort.reply?.address, CLIENT4, 'same address');
    t.not(afterPort.reply?.port, 40001, `server sees a new source port (${seen(afterPort)})`);
    const again = await exchange('udp4 c');
    t.equal(again.reply?.port, afterPort.reply?.port, 'the new mapping is stable');
    const tcpAfter = await exchange('tcp4');
    t.notOk(tcpAfter.error, 'TCP through the rebound NAT works (checksums fixed)');
    t.ok(tcpAfter.reply !== undefined && tcpAfter.reply.port !== tcpAfter.local, `TCP source port rewritten (${tcpAfter.local} -> ${tcpAfter.reply?.port})`);

    await emulator.rebind('address');
    const afterAddress4 = await exchange('udp4 d');
    t.equal(afterAddress4.reply?.address, REBIND4, `after address rebind the server sees ${seen(afterAddress4)}`);
    const afterAddress6 = await exchange('udp6 e');
    t.equal(afterAddress6.reply?.address, REBIND6, `IPv6 too: ${seen(afterAddress6)}`);

    // Each flow's new mapping is reported: what the server saw before and sees now.
    const udp4Moves = emulator.remapEvents.filter((e) => e.protocol === 'udp' && e.client.address === CLIENT4);
    t.same(
      udp4Moves.map((e) => [e.from, e.to]),
      [
        [
          { address: CLIENT4, port: 40001 },
          { address: CLIENT4, port: afterPort.reply?.port },
        ],
        [
          { address: CLIENT4, port: afterPort.reply?.port },
          { address: REBIND4, port: afterAddress4.reply?.port },
        ],
      ],
      'remap events: the UDP flow moved port, then address, as the server saw it',
    );

    await emulator.restoreBinding();
    const restored = await exchange('udp4 f');
    t.same(restored.reply, { address: CLIENT4, port: 40001, tag: 'f' }, `after rebind reset: the client as is again (${seen(restored)})`);
    const restoredTcp = await exchange('tcp4');
    t.equal(restoredTcp.reply?.port, restoredTcp.local, 'after rebind reset: TCP source port unchanged');
    await emulator.rebind('address');
    const afterReset = await exchange('udp4 g');
    t.equal(afterReset.reply?.address, REBIND4, 'an address rebind after the reset starts the cycle again (the first rebind address)');

    const stats = await emulator.stats();
    t.equal(stats.portRebinds, 1, 'one port rebind (the reset keeps the totals)');
    t.equal(stats.addressRebinds, 2, 'two address rebinds');
    t.ok(stats.up.rebound >= 4 && stats.down.rebound >= 4, `rewritten packets counted (up ${stats.up.rebound}, down ${stats.down.rebound})`);
    t.equal(emulator.rebindEvents.length, 3, 'rebind events reported');
    await stopHelper(client);
    await stopHelper(server);
  });

  t.test('jitter, reordering, duplication, corruption, bursty loss', async (t) => {
    const emulator = await startLab({ seed: 9, up: { delayMs: 30 }, down: { delayMs: 2 } });
    const n = 100;
    const pingArgs = ['-c', String(n), '-i', '0.005', '-W', '1'];
    const inOrder = (seqs: number[]): boolean => seqs.every((seq, i) => i === 0 || seq > (seqs[i - 1] ?? 0));

    // +-15 ms of jitter on pings about 10 ms apart would reorder many of them
    await emulator.set('up', { jitterMs: 15 });
    let result = await ping(pingArgs, 15_000);
    t.equal(result.seqs.length, n, 'jitter alone loses nothing');
    t.ok(inOrder(result.seqs), 'jitter without jitterReorder keeps the order');
    await emulator.set('up', { jitterReorder: true });
    result = await ping(pingArgs, 15_000);
    t.notOk(inOrder(result.seqs), 'with jitterReorder the same jitter reorders');

    await emulator.set('up', { jitterMs: 0, jitterReorder: false, reorderRate: 0.3 });
    await emulator.resetStats();
    result = await ping(pingArgs, 15_000);
    let stats = await emulator.stats();
    let [lo, hi] = binomialBounds(0.3, stats.up.packetsIn);
    t.ok(stats.up.reordered / stats.up.packetsIn >= lo && stats.up.reordered / stats.up.packetsIn <= hi, `reordered ${stats.up.reordered}/${stats.up.packetsIn}`);
    t.notOk(inOrder(result.seqs), 'replies arrive out of order');

    await emulator.set('up', { reorderRate: 0, duplicateRate: 0.2 });
    await emulator.resetStats();
    const dupRun = await inNs(CLIENT_NS, 'ping', ['-n', ...pingArgs, SERVER4], 15_000);
    stats = await emulator.stats();
    const dupLines = (dupRun.stdout.match(/\(DUP!\)/g) ?? []).length;
    [lo, hi] = binomialBounds(0.2, n);
    t.ok(stats.up.duplicated / n >= lo && stats.up.duplicated / n <= hi, `duplicated ${stats.up.duplicated}/${n}`);
    // ping may exit on the last original reply, before that one's duplicate
    t.ok(dupLines >= stats.up.duplicated - 1 && dupLines <= stats.up.duplicated, `ping saw the duplicates (${dupLines})`);

    await emulator.set('up', { duplicateRate: 0, corruptRate: 0.2 });
    await emulator.resetStats();
    result = await ping(pingArgs, 15_000);
    stats = await emulator.stats();
    t.ok(stats.up.corrupted / n >= lo && stats.up.corrupted / n <= hi, `corrupted ${stats.up.corrupted}/${n}`);
    // a stray IPv6 control packet (MLD, router solicitation) may be among the corrupted ones
    const failed = n - result.received;
    t.ok(failed <= stats.up.corrupted && failed >= stats.up.corrupted - 2, `corrupted echo requests fail their checksum at the server (${failed} lost, ${stats.up.corrupted} corrupted)`);

    await emulator.set('up', { corruptRate: 0, gilbertElliott: { pGoodToBad: 0.1, pBadToGood: 0.3, maxBurstPackets: 3 } });
    await emulator.resetStats();
    result = await ping(pingArgs, 15_000);
    stats = await emulator.stats();
    t.ok(stats.up.dropped.burstLoss > 0, `burst losses: ${stats.up.dropped.burstLoss}`);
    const got = new Set(result.seqs);
    let run = 0;
    let longest = 0;
    for (let seq = 1; seq <= n; seq++) {
      run = got.has(seq) ? 0 : run + 1;
      longest = Math.max(longest, run);
    }
    t.ok(longest >= 2 && longest <= 3, `losses come in bursts of at most 3 (longest ${longest})`);
  });

  t.test('runtime commands: set, errors, stop with final stats', async (t: Test) => {
    const emulator = await startLab({ seed: 2 });
    await emulator.set('both', { delayMs: 10 });
    const result = await ping(['-c', '3', '-i', '0.05', '-W', '1'], 10_000);
    t.ok(result.rttMinMs !== undefined && result.rttMinMs >= 20 && result.rttMinMs <= 21.5, `set delay takes effect (RTT ${result.rttMinMs} ms)`);
    await t.rejects(emulator.setRaw('up.loss=2'), /bad value for loss/, 'a bad value is rejected');
    await t.rejects(emulator.setRaw('nonsense=1'), /unknown key/, 'an unknown key is rejected');
    await t.rejects(emulator.setRaw('up.delay_us=0 up.loss=2'), /bad value for loss/, 'a set with one bad pair is rejected');
    const unchanged = await ping(['-c', '2', '-i', '0.05', '-W', '1'], 10_000);
    t.ok(unchanged.rttMinMs !== undefined && unchanged.rttMinMs >= 20, `... and applies none of its pairs (RTT ${unchanged.rttMinMs} ms)`);
    await emulator.resetStats();
    const zero = await emulator.stats();
    t.equal(zero.up.packetsIn, 0, 'stats reset');
    t.same(emulator.staleReplies, [], 'every reply carried the id of its command');
    const final = await emulator.stop();
    t.ok(final !== undefined, 'final stats on stop');
    t.equal(emulator.running, false, 'process gone');
    current = undefined;
    const links = await run('ip', ['-n', CLIENT_NS, 'link', 'show', DEV]);
    t.not(links.code, 0, 'the TUN device vanished with the process');
  });
}
