// The emulator's queue over time on a live lab (20 Mbit/s, 40 ms, a 30-packet queue): idle, the
// series stays at 0; an iperf3 TCP download fills the queue to its limit and the overflow drops
// rise; the drops the series ends with are the emulator's own counters over the same window.
// Needs root and /dev/net/tun (and iperf3); skipped with the reason otherwise.
import t, { type Test } from 'tap';
import { buildEmulator, type EmulatorProcess, type QueueSeries } from '../../harness/lab/emulator-process.js';
import type { Lab } from '../../harness/lab/lab.js';
import { iperf } from '../../harness/measure/iperf3.js';
import { emulatorLabFor, labSkipReason } from '../fixtures/live-lab.js';

const QUEUE_PACKETS = 30;
const INTERVAL_MS = 10;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const labFor = (t: Test): Promise<Lab> => emulatorLabFor(t, { rate: '20mbit', rtt: '40ms', queue: String(QUEUE_PACKETS) }, 'test/lab/emulator-queue-series.live.test.ts');

function emulatorOf(lab: Lab): EmulatorProcess {
  if (!lab.emulator) throw new Error('the lab has no emulator');
  return lab.emulator;
}

/** Checks shared by every recording: one sample per tick, in order, none lost. */
function checkTicks(t: Test, series: QueueSeries, spanMs: number): void {
  t.equal(series.intervalMs, INTERVAL_MS);
  t.equal(series.recording, false);
  t.equal(series.droppedSamples, 0, 'no sample overwritten');
  t.equal(series.elapsedMs.length, series.totalSamples);
  const expected = spanMs / INTERVAL_MS;
  t.ok(series.totalSamples + series.missedTicks >= expected * 0.9 && series.totalSamples + series.missedTicks <= expected * 1.2, `${series.totalSamples} samples and ${series.missedTicks} missed ticks over ${spanMs} ms`);
  const steps = series.elapsedMs.slice(1).map((ms, i) => ms - (series.elapsedMs[i] as number));
  t.ok(
    steps.every((s) => s > 0),
    'sample times increase',
  );
}

const reason = labSkipReason();
if (reason) {
  t.test('queue series on a live lab', { skip: reason }, async () => {});
} else {
  t.before(async () => {
    await buildEmulator();
  });

  t.test('record: commands and their refusals', async (t) => {
    const emulator = emulatorOf(await labFor(t));
    const before = await emulator.queueSeries();
    t.same([before.totalSamples, before.elapsedMs, before.recording], [0, [], false], 'nothing before a recording');
    await emulator.startQueueRecording({ intervalMs: INTERVAL_MS, maxSamples: 5 });
    await t.rejects(emulator.startQueueRecording({ intervalMs: INTERVAL_MS }), /already recording/);
    await sleep(300);
    await emulator.stopQueueRecording();
    const ring = await emulator.queueSeries();
    t.equal(ring.elapsedMs.length, 5, 'the ring keeps its capacity');
    // about 20 ticks in 200 ms; a busy host may wake the emulator late for some (missedTicks)
    t.ok(ring.droppedSamples >= 1, `the older samples were overwritten and counted (${ring.droppedSamples}, ${ring.missedTicks} ticks missed)`);
    t.equal(ring.droppedSamples + 5, ring.totalSamples);
    await t.rejects(emulator.startQueueRecording({ intervalMs: 0.5 }), /intervalMs must be within \[1, 60000\]/);
  });

  t.test('idle: the series stays at 0', async (t) => {
    const emulator = emulatorOf(await labFor(t));
    await emulator.startQueueRecording({ intervalMs: INTERVAL_MS });
    const started = performance.now();
    await sleep(1000);
    await emulator.stopQueueRecording();
    const spanMs = performance.now() - started;
    const series = await emulator.queueSeries();
    checkTicks(t, series, spanMs);
    for (const d of ['up', 'down'] as const) {
      for (const [column, values] of Object.entries(series[d]))
        t.ok(
          values.every((v) => v === 0),
          `${d} ${column}: all 0`,
        );
    }
  });

  t.test('an iperf3 download fills the queue: length near the limit, overflow drops rising', async (t) => {
    const lab = await labFor(t);
    const emulator = emulatorOf(lab);
    const before = await emulator.stats();
    await emulator.startQueueRecording({ intervalMs: INTERVAL_MS });
    const started = performance.now();
    const report = await iperf(lab.namespaces.client, lab.namespaces.server, lab.addresses.serverIpv4, ['-R', '-C', 'cubic'], 4);
    await emulator.stopQueueRecording();
    const spanMs = performance.now() - started;
    const after = await emulator.stats();
    const series = await emulator.queueSeries();
    checkTicks(t, series, spanMs);
    const down = series.down;
    const maxPackets = Math.max(...down.queuePackets);
    const full = down.queuePackets.filter((p) => p >= QUEUE_PACKETS - 2).length;
    const overflow = down.queueOverflow.at(-1) ?? 0;
    t.comment(
      `iperf3 ${((report.end.sum_received?.bits_per_second ?? 0) / 1e6).toFixed(2)} Mbit/s; down queue max ${maxPackets} packets (${Math.max(...down.queueBytes)} bytes), ` +
        `${full} of ${down.queuePackets.length} samples within 2 packets of the limit, median ${[...down.queuePackets].sort((a, b) => a - b)[down.queuePackets.length >> 1]}; ` +
        `${overflow} overflow drops; ${series.missedTicks} missed ticks`,
    );
    t.ok(maxPackets >= QUEUE_PACKETS - 1 && maxPackets <= QUEUE_PACKETS, `queue reached its ${QUEUE_PACKETS}-packet limit (max ${maxPackets})`);
    t.ok(overflow > 0, `overflow drops (${overflow})`);
    t.ok(
      down.queueOverflow.every((v, i) => i === 0 || v >= (down.queueOverflow[i - 1] as number)),
      'cumulative drops never go back',
    );
    t.equal(down.queueOverflow[0], 0, 'counted from the recording start');
    t.equal(overflow, after.down.dropped.queueOverflow - before.down.dropped.queueOverflow, "the series' drops are the counters' over the same window");
    t.ok(down.loss.every((v) => v === 0) && down.burstLoss.every((v) => v === 0), 'no random or burst loss configured, none recorded');
    t.ok(
      series.up.queuePackets.every((p) => p < QUEUE_PACKETS / 2),
      'the ACK direction queues little',
    );
  });
}
