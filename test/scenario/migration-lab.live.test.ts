// migration on the lab, short: a NAT rebinding of the client's port and of its address in
// the middle of a download. QUIC goes on; TCP breaks and resumes on a new connection.
import t from 'tap';
import { runScenarioCli } from '../fixtures/run-scenario.js';

t.test('migration: QUIC continues through rebinding, TCP does not', async (t) => {
  const { document } = await runScenarioCli(t, ['migration', '--rtt', '40ms', '--rate', '20mbit', '--samples', '1', '--warmup', '0'], 240_000);
  t.same(
    document.cases.map((c) => c.id),
    ['tcp-tls-h2-4MB-rebind-port', 'quic-h3-4MB-rebind-port', 'tcp-tls-h2-4MB-rebind-address', 'quic-h3-4MB-rebind-address'],
  );
  for (const c of document.cases) {
    const [sample] = c.samples;
    t.equal(sample?.status, 'ok', `${c.id}: ${sample?.error ?? 'ok'}`);
    const quic = c.protocol === 'quic';
    t.equal(sample?.metrics.completedOnSameConnection, quic ? 1 : 0, `${c.id}: ${quic ? 'went on' : 'broke off'}`);
    t.equal(sample?.metrics.reconnects, quic ? 0 : 1);
    t.ok((sample?.metrics.interruptionMs ?? 0) > 0, `${c.id}: interruption ${sample?.metrics.interruptionMs} ms`);
    if (!quic) {
      t.ok((sample?.metrics.bytesBeforeBreakOff ?? 0) > 0 && (sample?.metrics.bytesBeforeBreakOff ?? 0) < 4_000_000, 'broke off mid-body');
      t.ok((sample?.metrics.reconnectMs ?? 0) >= 80, `reconnecting costs the handshakes: ${sample?.metrics.reconnectMs} ms (RTT 40 ms)`);
    }
  }
  const stats = document.link.achieved?.emulatorStatsDuringRun;
  t.ok(stats !== undefined, 'emulator statistics recorded');
});
