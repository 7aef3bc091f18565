// The link bench: how faithful and how cheap the lab's link emulator is, in one run.
//   (a) one-way delay accuracy at 25 ms each way under 50 Mbit/s of UDP load each way
//   (b) forwarding capacity without impairment: iperf3 TCP through the emulator and over a
//       plain veth pair (two namespaces of its own), interleaved, and the ratio
//   (c) CPU seconds per gigabit the emulator forwards (/proc/<pid>/stat utime + stime)
//   (d) achieved loss against configured 1% and 5%, with the 99% binomial interval
//   (e) achieved rate against configured 10 and 50 Mbit/s (calibration's TCP transfer)
// Everything it starts (labs, namespaces, iperf3, probes) is removed on every exit path.
import { setTimeout as sleep } from 'node:timers/promises';
import { readFile, rm } from 'node:fs/promises';
import { makeOwnedTempDir } from '../files/owned-temp-dir.js';
import { cpus, release } from 'node:os';
import { join } from 'node:path';
import { percentileOfSorted } from '../measure/statistics.js';
import { calibrateLab, ProbeServer, runUdpProbes } from '../lab/calibrate.js';
import { resolveLinkConditions, type LinkOptions } from '../lab/profiles.js';
import { histogramQuantileUpperUs, type EmulatorProcess } from '../lab/emulator-process.js';
import { startLab, type Lab } from '../lab/lab.js';
import { acquireLabLock } from '../lab/lock.js';
import { createNamespace, deleteNamespace, ip, sysctlSet } from '../lab/namespaces.js';
import { interruptSignal, onCleanup } from '../process/cleanup.js';
import { ManagedProcess, runCommand } from '../process/managed-process.js';
import { IPERF_PORT, iperf, iperfReportSchema, iperfServer } from '../measure/iperf3.js';

const Z99 = 2.5758293035489;

export type Log = (message: string) => void;

// ---------------------------------------------------------------- helpers

function checkInterrupted(): void {
  if (interruptSignal.aborted) throw new Error('interrupted');
}

const PURPOSE = 'npm run bench -- link';

/**
 * The bench holds the lab lock from start to end, so no other run measures between its
 * phases: the lock is re-entrant within a process, so each startLab adds a hold and its
 * stop() removes it. Waits while another run holds the lab (an interrupt ends the wait).
 */
let releaseHold: (() => Promise<void>) | undefined;

async function holdLab(log: Log): Promise<void> {
  releaseHold = await acquireLabLock(PURPOSE, { wait: true, onWait: log, signal: interruptSignal });
}

/** Runs fn on a fresh lab, which is stopped afterwards whatever happens. */
async function withLab<T>(options: LinkOptions, fn: (lab: Lab) => Promise<T>): Promise<T> {
  checkInterrupted();
  const lab = await startLab({ conditions: resolveLinkConditions(options), backend: 'emulator', purpose: PURPOSE });
  try {
    return await fn(lab);
  } finally {
    await lab.stop();
  }
}

function emulatorOf(lab: Lab): EmulatorProcess {
  if (!lab.emulator) throw new Error('the link bench needs the emulator backend');
  return lab.emulator;
}

let clockTicks: number | undefined;
/** CPU seconds (user + system, all threads) a process has used so far. */
async function cpuSeconds(pid: number): Promise<number> {
  if (clockTicks === undefined) {
    const out = await runCommand({ name: 'getconf CLK_TCK', command: 'getconf', args: ['CLK_TCK'], timeoutMs: 5000 });
    clockTicks = Number(out.stdout.trim()) || 100;
  }
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // fields after "(comm)": state is field 3, utime 14, stime 15
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}

function errorSummary(errorsMs: number[]): { n: number; p50Ms: number | null; p99Ms: number | null; maxMs: number | null; minMs: number | null } {
  if (errorsMs.length === 0) return { n: 0, p50Ms: null, p99Ms: null, maxMs: null, minMs: null };
  const sorted = [...errorsMs].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50Ms: percentileOfSorted(sorted, 50),
    p99Ms: percentileOfSorted(sorted, 99),
    minMs: sorted[0] as number,
    maxMs: sorted[sorted.length - 1] as number,
  };
}

// ---------------------------------------------------------------- packet capture (kernel timestamps)

const PROBE_MAGIC = 0x514c5031;

/** tcpdump on a namespace's lab device, writing probe packets (UDP port `port`) with ns timestamps. */
async function startCapture(netns: string, dev: string, port: number, file: string): Promise<ManagedProcess> {
  const capture = new ManagedProcess({
    name: `tcpdump in ${netns}`,
    netns,
    command: 'tcpdump',
    args: ['-i', dev, '-n', '-U', '--immediate-mode', '-Z', 'root', '-s', '96', '-B', '4096', '--time-stamp-precision=nano', '-w', file, 'udp', 'and', 'port', String(port)],
  });
  try {
    await capture.waitForLine(/listening on/, 5000);
    return capture;
  } catch (error) {
    await capture.stop(1000);
    throw error;
  }
}

/**
 * Kernel timestamps (ns) of the probe packets in a pcap file of a TUN device (raw IPv4),
 * keyed "SRC seq" so the two ends of the link can be matched.
 */
export function probeTimestamps(pcap: Buffer): Map<string, bigint> {
  const out = new Map<string, bigint>();
  if (pcap.length < 24) return out;
  const magicLe = pcap.readUInt32LE(0);
  const le = magicLe === 0xa1b23c4d || magicLe === 0xa1b2c3d4;
  const nano = (le ? magicLe : pcap.readUInt32BE(0)) === 0xa1b23c4d;
  const u32 = (offset: number): number => (le ? pcap.readUInt32LE(offset) : pcap.readUInt32BE(offset));
  for (let offset = 24; offset + 16 <= pcap.length;) {
    const seconds = BigInt(u32(offset));
    const fraction = BigInt(u32(offset + 4));
    const length = u32(offset + 8);
    const packet = pcap.subarray(offset + 16, offset + 16 + length);
    offset += 16 + length;
    if (packet.length < 20 || packet[0] === undefined || packet[0] >> 4 !== 4 || packet[9] !== 17) continue;
    const payload = (packet[0] & 0x0f) * 4 + 8;
    if (packet.length < payload + 8 || packet.readUInt32BE(payload) !== PROBE_MAGIC) continue;
    const source = [...packet.subarray(12, 16)].join('.');
    out.set(`${source} ${packet.readUInt32BE(payload + 4)}`, seconds * 1_000_000_000n + (nano ? fraction : fraction * 1000n));
  }
  return out;
}

/** One-way delays (ms) of the probes from `source`, seen leaving one end and arriving at the other. */
function capturedDelaysMs(from: Map<string, bigint>, to: Map<string, bigint>, source: string): number[] {
  const delays: number[] = [];
  for (const [key, sentNs] of from) {
    if (!key.startsWith(`${source} `)) continue;
    const receivedNs = to.get(key);
    if (receivedNs !== undefined) delays.push(Number(receivedNs - sentNs) / 1e6);
  }
  return delays;
}

// ---------------------------------------------------------------- (a) delay accuracy

async function delayAccuracy(log: Log): Promise<Record<string, unknown>> {
  const delayMs = 25;
  const loadBitsPerSecond = 50e6;
  const count = 1000;
  const intervalMs = 4;
  const loadSeconds = Math.ceil((count * intervalMs) / 1000) + 3;
  return withLab({ delay: `${delayMs}ms` }, async (lab) => {
    const emulator = emulatorOf(lab);
    log(`(a) one-way delay at ${delayMs} ms each way, ${count} probes under ${loadBitsPerSecond / 1e6} Mbit/s of UDP each way`);
    const echo = await ProbeServer.start(lab.namespaces.server, { mode: 'udp-echo', host: lab.addresses.serverIpv4, port: 0, lifetimeMs: 60_000 });
    const iperfSrv = await iperfServer(lab.namespaces.server, lab.addresses.serverIpv4);
    const dir = await makeOwnedTempDir('qlab-bench-');
    const captures: ManagedProcess[] = [];
    try {
      const clientPcap = join(dir, 'client.pcap');
      const serverPcap = join(dir, 'server.pcap');
      captures.push(await startCapture(lab.namespaces.client, 'qlab0', echo.port, clientPcap));
      captures.push(await startCapture(lab.namespaces.server, 'qlab0', echo.port, serverPcap));
      const load = runCommand({
        name: 'iperf3 UDP load',
        netns: lab.namespaces.client,
        command: 'iperf3',
        args: ['-c', lab.addresses.serverIpv4, '-p', String(IPERF_PORT), '-u', '-b', String(loadBitsPerSecond), '--bidir', '-t', String(loadSeconds), '-J'],
        timeoutMs: loadSeconds * 1000 + 10_000,
      });
      try {
        await sleep(1000); // load running
        await emulator.resetStats();
        const cpuBefore = await cpuSeconds(emulator.pid);
        const probes = await runUdpProbes(lab.namespaces.client, { host: lab.addresses.serverIpv4, port: echo.port, count, intervalMs, waitMs: 500, payloadBytes: 32 });
        const cpuAfter = await cpuSeconds(emulator.pid);
        const stats = await emulator.stats();
        await sleep(200); // the last packets reach the capture files
        for (const capture of captures.splice(0)) await capture.stop(2000);
        const atClient = probeTimestamps(await readFile(clientPcap));
        const atServer = probeTimestamps(await readFile(serverPcap));
        const kernelUp = capturedDelaysMs(atClient, atServer, lab.addresses.clientIpv4).map((d) => d - delayMs);
        const kernelDown = capturedDelaysMs(atServer, atClient, lab.addresses.serverIpv4).map((d) => d - delayMs);
        const loadRun = await load;
        const report = loadRun.code === 0 ? iperfReportSchema.safeParse(JSON.parse(loadRun.stdout)) : undefined;
        const answered = probes.probes.filter((p) => p.upMs !== null && p.downMs !== null && p.rttMs !== null);
        const up = answered.map((p) => (p.upMs as number) - delayMs);
        const down = answered.map((p) => (p.downMs as number) - delayMs);
        const rttHalf = answered.map((p) => (p.rttMs as number) / 2 - delayMs);
        const forwardedBits = (stats.up.bytesOut + stats.down.bytesOut) * 8;
        return {
          configuredDelayMs: delayMs,
          method:
            'kernel: packet capture (tcpdump, ns kernel timestamps) on the TUN device of each namespace; error = arrival at the far end - departure from the near end - configured delay, per probe and direction: what the link adds. ' +
            'userspace: the sender stamps CLOCK_MONOTONIC (process.hrtime) into the probe, the receiver stamps its own at the socket message event (one host clock); adds both Node event loops.',
          probes: { sent: probes.sent, received: probes.received, intervalMs, payloadBytes: 32 },
          load: {
            tool: 'iperf3 UDP --bidir',
            configuredBitsPerSecondEachWay: loadBitsPerSecond,
            upBitsPerSecond: report?.success ? (report.data.end.sum?.bits_per_second ?? null) : null,
            downBitsPerSecond: report?.success ? (report.data.end.sum_bidir_reverse?.bits_per_second ?? null) : null,
            ok: loadRun.code === 0,
          },
          kernel: { up: errorSummary(kernelUp), down: errorSummary(kernelDown), both: errorSummary([...kernelUp, ...kernelDown]) },
          userspace: { up: errorSummary(up), down: errorSummary(down), both: errorSummary([...up, ...down]), rttHalf: errorSummary(rttHalf) },
          emulator: {
            latenessP99UpperUsUp: histogramQuantileUpperUs(stats.up.lateness, 0.99),
            latenessP99UpperUsDown: histogramQuantileUpperUs(stats.down.lateness, 0.99),
            latenessMaxUs: Math.max(stats.up.lateness.maxNs, stats.down.lateness.maxNs) / 1000,
            packetsForwarded: stats.up.packetsOut + stats.down.packetsOut,
            cpuSeconds: cpuAfter - cpuBefore,
            cpuSecondsPerGigabit: forwardedBits > 0 ? (cpuAfter - cpuBefore) / (forwardedBits / 1e9) : null,
          },
        };
      } finally {
        await load; // bounded by its own timeout
      }
    } finally {
      for (const capture of captures) await capture.stop(1000);
      await rm(dir, { recursive: true, force: true });
      await iperfSrv.stop(1000);
      await echo.stop();
    }
  });
}

// ---------------------------------------------------------------- (b) + (c) forwarding capacity and CPU

async function withVethPair<T>(fn: (ns: { a: string; b: string; hostA: string; hostB: string }) => Promise<T>): Promise<T> {
  const a = `qlab-bench-${process.pid}-a`;
  const b = `qlab-bench-${process.pid}-b`;
  const hostA = '198.18.200.1';
  const hostB = '198.18.200.2';
  const remove = async (): Promise<void> => {
    for (const name of [a, b]) await deleteNamespace(name).catch(() => undefined);
  };
  const unregister = onCleanup('remove the bench veth namespaces', remove);
  try {
    await createNamespace(a);
    await createNamespace(b);
    await ip(['link', 'add', 'qbench0', 'netns', a, 'type', 'veth', 'peer', 'name', 'qbench1', 'netns', b]);
    await ip(['addr', 'add', `${hostA}/24`, 'dev', 'qbench0'], a);
    await ip(['addr', 'add', `${hostB}/24`, 'dev', 'qbench1'], b);
    await ip(['link', 'set', 'qbench0', 'up'], a);
    await ip(['link', 'set', 'qbench1', 'up'], b);
    for (const name of [a, b]) await sysctlSet(name, 'net.ipv4.tcp_congestion_control', 'cubic');
    return await fn({ a, b, hostA, hostB });
  } finally {
    await remove();
    unregister();
  }
}

async function forwarding(log: Log): Promise<{ forwarding: Record<string, unknown>; cpu: Record<string, unknown> }> {
  const seconds = 3;
  const rounds = 2;
  return withLab({}, (lab) =>
    withVethPair(async (veth) => {
      const emulator = emulatorOf(lab);
      const emulatorRuns: number[] = [];
      const vethRuns: number[] = [];
      let cpu = 0;
      let bits = 0;
      for (let round = 0; round < rounds; round++) {
        checkInterrupted();
        log(`(b) forwarding, round ${round + 1}/${rounds}: iperf3 TCP ${seconds} s through the emulator, then over veth`);
        const before = await emulator.stats();
        const cpuBefore = await cpuSeconds(emulator.pid);
        const viaEmulator = await iperf(lab.namespaces.client, lab.namespaces.server, lab.addresses.serverIpv4, ['-O', '1'], seconds);
        const cpuAfter = await cpuSeconds(emulator.pid);
        const after = await emulator.stats();
        cpu += cpuAfter - cpuBefore;
        bits += (after.up.bytesOut - before.up.bytesOut + after.down.bytesOut - before.down.bytesOut) * 8;
        emulatorRuns.push(viaEmulator.end.sum_received?.bits_per_second ?? 0);
        checkInterrupted();
        const viaVeth = await iperf(veth.a, veth.b, veth.hostB, ['-O', '1'], seconds);
        vethRuns.push(viaVeth.end.sum_received?.bits_per_second ?? 0);
      }
      const median = (values: number[]): number =>
        percentileOfSorted(
          [...values].sort((x, y) => x - y),
          50,
        );
      const emulatorBps = median(emulatorRuns);
      const vethBps = median(vethRuns);
      return {
        forwarding: {
          method:
            `iperf3 TCP (cubic), ${seconds} s after 1 s omitted, client to server; emulator and veth runs interleaved, median of ${rounds}. ` +
            'The veth pair keeps its offloads (GSO/GRO, up to 64 KB per packet); the TUN path carries MTU-sized packets.',
          emulatorBitsPerSecond: emulatorBps,
          vethBitsPerSecond: vethBps,
          ratioEmulatorToVeth: vethBps > 0 ? emulatorBps / vethBps : null,
          emulatorRunsBitsPerSecond: emulatorRuns,
          vethRunsBitsPerSecond: vethRuns,
          aimBitsPerSecond: 1e9,
          meetsAim: emulatorBps >= 1e9,
        },
        cpu: {
          method: '/proc/<emulator pid>/stat utime + stime (all threads) over the emulator iperf3 runs, per gigabit of IP bytes the emulator wrote (both directions)',
          cpuSeconds: cpu,
          gigabitsForwarded: bits / 1e9,
          cpuSecondsPerGigabit: bits > 0 ? cpu / (bits / 1e9) : null,
        },
      };
    }),
  );
}

// ---------------------------------------------------------------- (d) loss

/** The range of achieved loss fractions Binomial(n, p) gives with 99% probability (normal approximation). */
export function binomialInterval99(p: number, n: number): [number, number] {
  const half = Z99 * Math.sqrt((p * (1 - p)) / n) + 0.5 / n; // with continuity correction
  return [Math.max(0, p - half), Math.min(1, p + half)];
}

async function lossAccuracy(log: Log): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for (const configured of [0.01, 0.05]) {
    const row = await withLab({ loss: `${configured * 100}%` }, async (lab) => {
      const emulator = emulatorOf(lab);
      log(`(d) loss ${configured * 100}% each way: iperf3 UDP, 100-byte datagrams, 10000 packets/s each way for 2 s`);
      await emulator.resetStats();
      const report = await iperf(lab.namespaces.client, lab.namespaces.server, lab.addresses.serverIpv4, ['-u', '-b', '8M', '-l', '100', '--bidir'], 2);
      const stats = await emulator.stats();
      const out: Record<string, unknown>[] = [];
      for (const direction of ['up', 'down'] as const) {
        const s = stats[direction];
        const achieved = s.packetsIn > 0 ? s.dropped.loss / s.packetsIn : null;
        const [low, high] = binomialInterval99(configured, s.packetsIn);
        const iperfSum = direction === 'up' ? report.end.sum : report.end.sum_bidir_reverse;
        out.push({
          direction,
          configuredLossRate: configured,
          packets: s.packetsIn,
          dropped: s.dropped.loss,
          achievedLossRate: achieved,
          interval99: [low, high],
          inside: achieved !== null && achieved >= low && achieved <= high,
          endToEndLossRate: iperfSum?.lost_percent !== undefined ? iperfSum.lost_percent / 100 : null,
        });
      }
      return out;
    });
    rows.push(...row);
  }
  return rows;
}

// ---------------------------------------------------------------- (e) rate

async function rateAccuracy(log: Log): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for (const configured of [10e6, 50e6]) {
    const achieved = await withLab({ rate: `${configured / 1e6}mbit` }, (lab) => {
      log(`(e) rate ${configured / 1e6} Mbit/s each way: calibration (paced UDP flood each way)`);
      return calibrateLab(lab, { probes: 20 });
    });
    for (const direction of ['up', 'down'] as const) {
      const d = achieved[direction];
      const relativeError = d.rateBitsPerSecond !== null ? d.rateBitsPerSecond / configured - 1 : null;
      rows.push({
        direction,
        configuredBitsPerSecond: configured,
        achievedBitsPerSecond: d.rateBitsPerSecond,
        deliveredBitsPerSecond: d.deliveredBitsPerSecond,
        rateSource: d.rateSource,
        relativeError,
        within3Percent: relativeError !== null && Math.abs(relativeError) <= 0.03,
      });
    }
  }
  return rows;
}

// ---------------------------------------------------------------- the bench

export async function runLinkBench(log: Log = () => undefined): Promise<Record<string, unknown>> {
  const started = Date.now();
  await holdLab(log);
  const unregister = onCleanup('release the lab lock held by the bench', () => releaseHold?.());
  let delay: Record<string, unknown>;
  let capacity: Record<string, unknown>;
  let cpu: Record<string, unknown>;
  let loss: Record<string, unknown>[];
  let rate: Record<string, unknown>[];
  try {
    delay = await delayAccuracy(log);
    ({ forwarding: capacity, cpu } = await forwarding(log));
    loss = await lossAccuracy(log);
    rate = await rateAccuracy(log);
  } finally {
    const release = releaseHold;
    releaseHold = undefined;
    await release?.();
    unregister();
  }
  const kernel = (delay.kernel as { both: ReturnType<typeof errorSummary> }).both;
  const userspace = (delay.userspace as { both: ReturnType<typeof errorSummary> }).both;
  return {
    bench: 'link',
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    host: { kernel: release(), cpus: cpus().length, cpuModel: cpus()[0]?.model ?? null, node: process.version },
    backend: 'emulator',
    summary: {
      oneWayDelayErrorP50Ms: kernel.p50Ms,
      oneWayDelayErrorP99Ms: kernel.p99Ms,
      oneWayDelayErrorSource: 'kernel timestamps (packet capture at both TUN ends)',
      oneWayDelayAimP99Ms: 0.2,
      oneWayDelayMeetsAim: kernel.p99Ms !== null && kernel.p99Ms <= 0.2,
      userspaceOneWayDelayErrorP50Ms: userspace.p50Ms,
      userspaceOneWayDelayErrorP99Ms: userspace.p99Ms,
      emulatorBitsPerSecond: capacity.emulatorBitsPerSecond,
      vethBitsPerSecond: capacity.vethBitsPerSecond,
      forwardingRatio: capacity.ratioEmulatorToVeth,
      forwardingMeetsAim: capacity.meetsAim,
      cpuSecondsPerGigabit: cpu.cpuSecondsPerGigabit,
      lossInsideInterval: loss.every((row) => row.inside === true),
      rateWithin3Percent: rate.every((row) => row.within3Percent === true),
    },
    delayAccuracy: delay,
    forwarding: capacity,
    cpu,
    loss,
    rate,
  };
}
