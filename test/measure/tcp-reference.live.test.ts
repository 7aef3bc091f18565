// The iperf3 reference on a live lab (40 ms RTT, 20 Mbit/s): the wire figure is at or below the
// link's TCP payload capacity, over the whole test, in both directions; iperf3's own figure is
// kept beside it; the capture is gone afterwards, also when iperf3 fails. Each direction runs
// 2 s (+ the omitted second): slow start to the 100 kB bandwidth-delay product takes a few
// round trips (under 0.5 s), so 2 s already show the capacity bound and the whole-test span;
// how close the figure comes to the capacity is the transfer bench's, not this test's.
import t, { type Test } from 'tap';
import { existsSync } from 'node:fs';
import { buildEmulator } from '../../harness/lab/emulator-process.js';
import { LAB_DEVICE, startLab, type Lab } from '../../harness/lab/lab.js';
import { LabBusyError } from '../../harness/lab/lock.js';
import { resolveLinkConditions } from '../../harness/lab/profiles.js';
import { tcpReference } from '../../harness/measure/iperf3.js';
import { labPayloadCapacity } from '../../harness/run/session.js';
import { processesNaming, tempEntries } from '../fixtures/leftovers.js';

const PREFIX = 'quic-lab-reference-';

function skipReason(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'needs root (network namespaces, TUN)';
  if (!existsSync('/dev/net/tun')) return 'no /dev/net/tun';
  return undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function labFor(t: Test): Promise<Lab> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const lab = await startLab({ conditions: resolveLinkConditions({ rtt: '40ms', rate: '20mbit' }), backend: 'emulator', purpose: 'test/measure/tcp-reference.live.test.ts' });
      t.teardown(() => lab.stop());
      return lab;
    } catch (error) {
      if (!(error instanceof LabBusyError) || Date.now() > deadline) throw error;
      await sleep(1000);
    }
  }
}

async function nothingLeft(t: Test): Promise<void> {
  t.same(await processesNaming(PREFIX), [], 'no tcpdump left');
  t.same(await tempEntries(PREFIX), [], 'no capture file left');
}

const reason = skipReason();
if (reason) {
  t.test('the TCP reference on a live lab', { skip: reason }, async () => {});
} else {
  t.before(async () => {
    await buildEmulator();
  });

  t.test('40 ms, 20 Mbit/s: the wire reference is at or below the TCP payload capacity, over the whole test', async (t) => {
    const lab = await labFor(t);
    const capacity = labPayloadCapacity(lab);
    t.equal(capacity.tcpTimestamps, true, 'the namespaces use TCP timestamps');
    t.equal(capacity.tcp.payloadBytesPerPacket, 1448);
    for (const direction of ['down', 'up'] as const) {
      const limit = capacity.tcp[direction === 'up' ? 'upBitsPerSecond' : 'downBitsPerSecond'] as number;
      // What the code guarantees: the reference is read off the wire, never above the link's
      // capacity, over the whole test. How close it comes to the capacity (98.7-99.2% on an idle
      // host, 89-95% with another session's load on this 2-core host) is the transfer bench's
      // figure (referenceFractionOfTcpCapacity), not a test's: here only "it moved data".
      const reference = await tcpReference(lab, { direction, congestionControl: 'cubic', seconds: 2, captureInterface: LAB_DEVICE });
      const wire = reference.wire;
      t.comment(
        `${direction}: iperf3 ${(reference.goodputBitsPerSecond / 1e6).toFixed(3)}, wire ${wire ? (wire.goodputBitsPerSecond / 1e6).toFixed(3) : '-'}, capacity ${(limit / 1e6).toFixed(3)} Mbit/s; ` +
          `wire ${wire?.payloadBytes} bytes in ${wire?.firstToLastMs} ms, ${wire?.packets} packets (${wire?.repeatedPackets} repeated), iperf3 retransmits ${reference.retransmits}`,
      );
      t.equal(reference.wireError, undefined, `${direction}: measured on the wire`);
      if (wire) {
        t.ok(wire.goodputBitsPerSecond <= limit, `${direction}: wire ${wire.goodputBitsPerSecond} <= capacity ${limit}`);
        // About 3 s of data (2 s + the omitted second).
        t.ok(wire.firstToLastMs > 2800 && wire.firstToLastMs < 4500, `${direction}: the whole test, ${wire.firstToLastMs} ms`);
        t.ok(wire.packets >= wire.payloadBytes / 1448, 'no packet carries more than 1448 bytes');
        t.ok(wire.goodputBitsPerSecond > 0, `${direction}: data moved`);
      }
    }
    await nothingLeft(t);
  });

  t.test('the capture is removed when iperf3 fails, and a capture that cannot start leaves iperf3 its figure', async (t) => {
    const lab = await labFor(t);
    await t.rejects(tcpReference(lab, { direction: 'down', congestionControl: 'no-such-cc', seconds: 1, captureInterface: LAB_DEVICE }), /iperf3/);
    await nothingLeft(t);
    const reference = await tcpReference(lab, { direction: 'down', congestionControl: 'cubic', seconds: 1, captureInterface: 'no-such-device' });
    t.equal(reference.wire, null);
    t.match(reference.wireError, /packet capture did not start/);
    t.ok(reference.goodputBitsPerSecond > 0, "iperf3's own figure");
    await nothingLeft(t);
  });
}
