// iperf3 as a lab implementation on the emulated link (20 Mbit/s, 40 ms): 2 MB downloads with
// cubic and with bbr, exact in bytes, near the link rate, on the exchange's clock (the test start
// from the interval lines and from the "Starting Test:" line agree within 10 ms), the sending
// server's socket using the asked controller (ss -ti in the server namespace) and its
// retransmits what iperf3 reports; two servers of one run on their own ports at once; a timeout
// that kills the client; nothing left behind.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import type { ImplementationEndpoints } from '../../harness/endpoints/descriptor.js';
import { iperf3 } from '../../harness/endpoints/iperf3/index.js';
import type { Iperf3Client } from '../../harness/endpoints/iperf3/client.js';
import type { Iperf3Server } from '../../harness/endpoints/iperf3/server.js';
import type { CongestionControl, EndpointCase, TlsMaterial } from '../../harness/endpoints/types.js';
import { LAB_SERVER_NAME } from '../../harness/lab/addresses.js';
import { buildEmulator } from '../../harness/lab/emulator-process.js';
import { runCommand } from '../../harness/process/managed-process.js';
import { PacketCapture } from '../../harness/capture/packet-capture.js';
import { readTcpSegments } from '../../harness/capture/tcp-segments.js';
import { withLabUserDir } from '../../harness/files/lab-user-dir.js';
import { LAB_DEVICE } from '../../harness/lab/lab.js';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { emulatorLabFor, labSkipReason } from '../fixtures/live-lab.js';

const LINK_BITS_PER_SECOND = 20e6;
const BYTES = 2_000_000;
// iperf3 needs no TLS: the roles take the material and ignore it.
const NO_TLS: TlsMaterial = { caFile: '', chainFile: '', keyFile: '', serverName: LAB_SERVER_NAME };
const CASE: EndpointCase = { id: 'iperf3', protocol: 'tcp', application: 'none', workload: { kind: 'transfer', bodyBytes: BYTES } };

/** This test's iperf3 processes (ports 5301-5309; the TCP reference's 5201 is another's): their command lines. */
function iperf3Processes(): string[] {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((l) => /\biperf3 -[cs]\b.* -p 530\d\b/.test(l))
    .map((l) => l.trim());
}

interface SocketSample {
  controller: string;
  bytesAcked: number;
  retransTotal: number;
}

/** The server namespace's sockets on `port` as ss -tin shows them: the data socket is the one with the most bytes acked. */
async function serverSockets(netns: string, port: number): Promise<SocketSample[]> {
  const run = await runCommand({ name: 'ss', netns, command: 'ss', args: ['-tin', 'sport', `= :${port}`], timeoutMs: 2000 });
  const infos = run.stdout.split('\n').filter((l) => /^\s/.test(l) && /\b(cubic|bbr|reno)\b/.test(l));
  return infos.map((l) => ({
    controller: /\b(cubic|bbr|reno)\b/.exec(l)?.[1] as string,
    bytesAcked: Number(/bytes_acked:(\d+)/.exec(l)?.[1] ?? 0),
    retransTotal: Number(/retrans:\d+\/(\d+)/.exec(l)?.[1] ?? 0),
  }));
}

const reason = labSkipReason();
if (reason) {
  t.test('iperf3 on the lab', { skip: reason }, async () => {});
} else {
  t.before(async () => {
    await buildEmulator();
  });

  t.test('iperf3 on a 20 Mbit/s, 40 ms lab', async (t) => {
    const lab = await emulatorLabFor(t, { rtt: '40ms', rate: '20mbit' }, 'test/endpoints/iperf3.live.test.ts');
    const endpoints: ImplementationEndpoints = iperf3.open({ serverHost: lab.addresses.serverIpv4, clientNetns: lab.namespaces.client, serverNetns: lab.namespaces.server });
    const first = endpoints.server?.(NO_TLS) as Iperf3Server;
    const second = endpoints.server?.(NO_TLS) as Iperf3Server;
    t.teardown(async () => {
      await first.stop();
      await second.stop();
    });
    const [a, b] = await Promise.all([first.start(), second.start()]);
    t.equal(a.port, 5301, 'the first server on 5301');
    t.equal(b.port, 5302, 'the second on the next port');
    t.equal(first.exitReason(), null, 'running');

    for (const congestionControl of ['cubic', 'bbr'] as const satisfies readonly CongestionControl[]) {
      await t.test(`${congestionControl}: 2 MB exact, near the link rate, on the exchange's clock, the server's socket on ${congestionControl}`, async (t) => {
        const client = endpoints.client?.(CASE, NO_TLS) as Iperf3Client;
        await client.prepare();
        const samples: SocketSample[][] = [];
        let polling = true;
        const poller = (async () => {
          for (let i = 0; polling && i < 200; i++) {
            samples.push(await serverSockets(lab.namespaces.server, a.port));
            await new Promise((r) => setTimeout(r, 30));
          }
        })();
        // The data on the wire, where the client receives it: the clock's ground truth.
        const { timings, originEpochMs, wire } = await withLabUserDir('quic-lab-iperf3-test-', async (dir) => {
          const file = join(dir, 'down.pcap');
          const capture = await PacketCapture.start({ netns: lab.namespaces.client, interfaceName: LAB_DEVICE, filter: `tcp and src host ${a.host} and src port ${a.port}`, file, snaplenBytes: 128 });
          try {
            const originEpochMs = performance.timeOrigin + performance.now();
            const timings = await client.exchange({ target: a, path: `/${BYTES}`, timeoutMs: 15_000, recordProgress: true, congestionControl }).finally(() => (polling = false));
            await capture.stop();
            return { timings, originEpochMs, wire: await readTcpSegments(file) };
          } finally {
            await capture.stop().catch(() => undefined);
          }
        });
        await poller;
        t.equal(timings.bodyBytes, BYTES, 'bytes exact');
        const start = timings.bodyStartMs as number;
        const end = timings.bodyEndMs as number;
        const goodput = (BYTES * 8) / ((end - start) / 1000);
        t.ok(goodput > 0.6 * LINK_BITS_PER_SECOND && goodput < 1.02 * LINK_BITS_PER_SECOND, `goodput ${(goodput / 1e6).toFixed(2)} Mbit/s near the link's 20 (slow start included)`);
        t.ok(start >= 40, `the body starts ${start.toFixed(1)} ms after the origin: at least one round trip`);
        t.ok(timings.handshakeMs >= 40 && timings.handshakeMs <= start, `the data connection up at ${timings.handshakeMs.toFixed(1)} ms, before the test start`);
        const progress = timings.progress ?? [];
        t.ok(progress.length >= 5, `${progress.length} progress points`);
        t.ok(
          progress.every(([ms, bytes], i) => i === 0 || (ms > (progress[i - 1] as [number, number])[0] && bytes >= (progress[i - 1] as [number, number])[1])),
          `progress monotonic: ${JSON.stringify(progress)}`,
        );
        t.same(progress[progress.length - 1], [end, BYTES], 'progress ends at N, at the body end');
        t.ok((progress[0] as [number, number])[0] > start, 'the first point after the body start');
        const alignment = client.lastAlignment;
        t.ok(alignment?.startLineMs !== null && alignment?.intervalsStartMs !== null, 'both estimates of the test start');
        const error = Math.abs((alignment?.intervalsStartMs as number) - (alignment?.startLineMs as number));
        t.ok(error < 10, `the interval lines and "Starting Test:" put the test start ${error.toFixed(2)} ms apart`);
        // The data socket: the one that carried the body.
        const data = samples.flat().filter((s) => s.bytesAcked > 100_000);
        t.ok(data.length > 0, `ss saw the data socket (${samples.length} samples)`);
        t.ok(
          data.every((s) => s.controller === congestionControl),
          `the server's data socket uses ${congestionControl}: ${[...new Set(data.map((s) => s.controller))].join(', ')}`,
        );
        const seenRetransmits = Math.max(0, ...data.map((s) => s.retransTotal));
        t.ok(
          (timings.retransmittedPackets as number) >= seenRetransmits && (timings.retransmittedPackets as number) <= seenRetransmits + 50,
          `iperf3's sender retransmits (${timings.retransmittedPackets}) are the server socket's (ss saw ${seenRetransmits} by its last sample)`,
        );
        // The data connection is the one that carried the most; its first and last payload on the origin's clock.
        const payloadByStream = new Map<number, number>();
        for (const segment of wire) payloadByStream.set(segment.stream, (payloadByStream.get(segment.stream) ?? 0) + segment.payloadBytes);
        const dataStream = [...payloadByStream.entries()].sort((x, y) => y[1] - x[1])[0]?.[0];
        const dataTimes = wire.filter((s) => s.stream === dataStream && s.payloadBytes > 0).map((s) => s.timeEpochMs - originEpochMs);
        const firstDataMs = Math.min(...dataTimes);
        const lastDataMs = Math.max(...dataTimes);
        t.ok(Math.abs(start - firstDataMs) < 10, `the body start ${start.toFixed(1)} ms, the first data packet on the wire ${firstDataMs.toFixed(1)} ms: ${(firstDataMs - start).toFixed(2)} ms apart`);
        t.ok(Math.abs(end - lastDataMs) < 15, `the body end ${end.toFixed(1)} ms (10 ms resolution), the last data packet ${lastDataMs.toFixed(1)} ms: ${(lastDataMs - end).toFixed(2)} ms apart`);
        const synAckMs = Math.min(...wire.filter((s) => s.stream === dataStream && s.syn).map((s) => s.timeEpochMs - originEpochMs));
        t.ok(timings.handshakeMs - synAckMs >= 0 && timings.handshakeMs - synAckMs < 10, `handshakeMs ${timings.handshakeMs.toFixed(1)} ms, the data connection's SYN-ACK in at ${synAckMs.toFixed(1)} ms`);
        t.comment(
          `${congestionControl}: handshakeMs ${(timings.handshakeMs - synAckMs).toFixed(2)} ms after the data connection's SYN-ACK; wire first data ${(firstDataMs - start).toFixed(2)} ms after bodyStartMs, last data ${(lastDataMs - end).toFixed(2)} ms after bodyEndMs`,
        );
        t.comment(
          `${congestionControl}: handshake ${timings.handshakeMs.toFixed(1)} ms, body ${start.toFixed(1)}-${end.toFixed(1)} ms, goodput ${(goodput / 1e6).toFixed(2)} Mbit/s, alignment ${error.toFixed(2)} ms, retransmits ${timings.retransmittedPackets} (ss ${seenRetransmits})`,
        );
      });
    }

    await t.test('two servers of one run serve two clients at once', async (t) => {
      const one = endpoints.client?.(CASE, NO_TLS) as Iperf3Client;
      const two = endpoints.client?.(CASE, NO_TLS) as Iperf3Client;
      const [x, y] = await Promise.all([
        one.exchange({ target: a, path: '/1000000', timeoutMs: 15_000, congestionControl: 'cubic' }),
        two.exchange({ target: b, path: '/1000000', timeoutMs: 15_000, congestionControl: 'bbr' }),
      ]);
      t.equal(x.bodyBytes, 1_000_000);
      t.equal(y.bodyBytes, 1_000_000);
    });

    await t.test('a second client on a busy server is told so', async (t) => {
      const one = endpoints.client?.(CASE, NO_TLS) as Iperf3Client;
      const two = endpoints.client?.(CASE, NO_TLS) as Iperf3Client;
      const long = one.exchange({ target: a, path: '/1000000', timeoutMs: 15_000 });
      await new Promise((r) => setTimeout(r, 400));
      await t.rejects(two.exchange({ target: a, path: '/1000000', timeoutMs: 15_000 }), /iperf3: the server is busy running a test/);
      await long;
    });

    await t.test('a timeout fails the exchange and kills iperf3', async (t) => {
      const client = endpoints.client?.(CASE, NO_TLS) as Iperf3Client;
      await t.rejects(client.exchange({ target: a, path: '/25000000', timeoutMs: 1500 }), /iperf3: the download of 25000000 bytes did not finish within 1500 ms \(killed; about \d+ bytes had come\)/);
      t.same(
        iperf3Processes().filter((l) => l.includes('iperf3 -c')),
        [],
        'no iperf3 client left',
      );
      // The server ends its broken test and serves the next one.
      let later: unknown;
      for (let i = 0; i < 20; i++) {
        try {
          later = await client.exchange({ target: a, path: '/100000', timeoutMs: 5000 });
          break;
        } catch (error) {
          if (!/busy/.test(String(error))) throw error;
          await new Promise((r) => setTimeout(r, 250));
        }
      }
      t.equal((later as { bodyBytes: number } | undefined)?.bodyBytes, 100_000, 'the server serves again');
    });

    await first.stop();
    await first.stop();
    await second.stop();
    t.equal(first.exitReason(), null, 'stopped, not crashed');
    // A process that was just signalled may still be on its way out.
    for (let i = 0; i < 20 && iperf3Processes().length > 0; i++) await new Promise((r) => setTimeout(r, 100));
    t.same(iperf3Processes(), [], 'no iperf3 process left');
    await lab.stop();
    const namespaces = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    t.notOk(namespaces.includes(lab.namespaces.client) || namespaces.includes(lab.namespaces.server), "the lab's namespaces are gone");
  });
}
