// migration on the lab, short: a NAT rebinding of the client's port and of its address in
// the middle of a download, one sample of each case. QUIC goes on (PATH_CHALLENGE on the
// wire); TCP breaks and resumes on a new connection. Every sample starts from the client's own
// address: the emulator's remap events say what the server saw before and after each rebinding
// (the four samples run one after another, each after the one before it was rebound, so one
// sample a case is enough to show that a rebinding does not outlive its sample).
import t from 'tap';
import { LAB_ADDRESSES } from '../../harness/lab/addresses.js';
import { buildEmulator } from '../../harness/lab/emulator-process.js';
import { startLab } from '../../harness/lab/lab.js';
import { resolveLinkConditions } from '../../harness/lab/profiles.js';
import { runSession } from '../../harness/run/session.js';
import { migration } from '../../scenarios/migration.js';

t.test('migration: QUIC continues through rebinding, TCP does not; each sample starts from the same address', async (t) => {
  t.setTimeout(300_000);
  await buildEmulator();
  const lab = await startLab({ conditions: resolveLinkConditions({ rtt: '40ms', rate: '20mbit' }), backend: 'emulator', purpose: 'test/scenario/migration-lab.live.test.ts' });
  t.teardown(() => lab.stop());
  const emulator = lab.emulator;
  if (!emulator) throw new Error('the lab has no emulator');
  const { document } = await runSession(migration, { link: { kind: 'lab', conditions: lab.conditions, backend: 'emulator', profile: null }, lab, samples: 1, warmup: 0 });
  t.equal(document.status, 'completed', document.errors.join('; ') || 'completed');
  t.same(
    document.cases.map((c) => c.id),
    ['tcp-tls-h2-4MB-rebind-port', 'quic-h3-4MB-rebind-port', 'tcp-tls-h2-4MB-rebind-address', 'quic-h3-4MB-rebind-address'],
  );
  for (const c of document.cases) {
    const quic = c.protocol === 'quic';
    for (const sample of c.samples) {
      const name = `${c.id} #${sample.index}`;
      const m = sample.metrics;
      t.equal(sample.status, 'ok', `${name}: ${sample.error ?? 'ok'}`);
      t.equal(m.completedOnSameConnection, quic ? 1 : 0, `${name}: ${quic ? 'went on' : 'broke off'}`);
      t.equal(m.reconnects, quic ? 0 : 1);
      t.ok((m.deliveryStallMs ?? 0) > 0, `${name}: delivery stall ${m.deliveryStallMs} ms`);
      // The client sees a byte when its packet (QUIC) or TLS record (TCP) is complete and in order: the wire's gap is no longer.
      t.ok((m.wireGapMs ?? 0) > 0 && (m.wireGapMs ?? 0) <= (m.deliveryStallMs ?? 0) + 10, `${name}: wire gap ${m.wireGapMs} ms, within the delivery stall ${m.deliveryStallMs} ms`);
      t.ok(m.linkDropsQueueOverflowDownPackets !== undefined && m.linkDropsLossUpPackets === 0, `${name}: drops by cause recorded (queue overflow down: ${m.linkDropsQueueOverflowDownPackets})`);
      if (quic) {
        t.ok((m.pathChallenges ?? 0) >= 1, `${name}: the server's PATH_CHALLENGE on the wire (${m.pathChallenges})`);
        // The answer follows the challenge; how fast the client is depends on the machine's load.
        t.ok(m.pathValidationMs !== undefined && m.pathValidationMs >= 0, `${name}: the client answered the challenge in ${m.pathValidationMs} ms`);
      } else {
        t.ok((m.bytesBeforeBreakOff ?? 0) > 0 && (m.bytesBeforeBreakOff ?? 0) < 4_000_000, `${name}: broke off mid-body`);
        t.ok((m.reconnectMs ?? 0) >= 80, `${name}: reconnecting costs the handshakes: ${m.reconnectMs} ms (RTT 40 ms)`);
        t.ok((m.wireResetMs ?? 0) >= 800, `${name}: the server's reset on the wire at ${m.wireResetMs} ms`);
        t.ok((m.wireResumeMs ?? 0) >= 80, `${name}: from the reset to the Range response's first body data: ${m.wireResumeMs} ms`);
        t.ok((m.wireReconnectMs ?? 0) >= 80 && (m.wireReconnectMs ?? 0) <= (m.wireResumeMs ?? 0), `${name}: of which the new connection: ${m.wireReconnectMs} ms`);
      }
    }
  }
  // Four samples, four rebindings; the first flow moved after each was seen by the server as
  // the client itself (its own address and port), never as where an earlier sample left it.
  t.equal(emulator.rebindEvents.length, 4, 'one rebinding per sample');
  t.ok(emulator.remapEvents.length >= 4, `${emulator.remapEvents.length} remap events`);
  for (const remap of emulator.remapEvents) {
    t.same(remap.from, remap.client, `before the remap at ${remap.elapsedMs} ms the server saw ${remap.from.address}:${remap.from.port}, the client's own`);
    t.equal(remap.client.address, LAB_ADDRESSES.clientIpv4);
  }
  t.ok(document.link.achieved?.emulatorStatsDuringRun, 'emulator statistics recorded');
});
