// loss-recovery on the lab, short: per-case impairments set on the emulator between
// interleaved samples; relative goodput and retransmissions recorded.
import t from 'tap';
import { runScenarioCli } from '../fixtures/run-scenario.js';
const VARIANTS = ['tcp-tls-h2-1MB-lossfree', 'quic-h3-1MB-lossfree', 'tcp-tls-h2-1MB-loss5', 'quic-h3-1MB-loss5', 'quic-h3-1MB-burst2'];

t.test('loss-recovery: loss-free vs 5% loss vs bursty, interleaved on one link', async (t) => {
  const { document } = await runScenarioCli(t, ['loss-recovery', '--rtt', '40ms', '--rate', '20mbit', '--sizes', '1MB', '--samples', '2', '--warmup', '0', '--variants', VARIANTS.join(',')], 240_000);
  const byId = (id: string) => document.cases.find((c) => c.id === id);
  for (const id of VARIANTS) {
    const samples = byId(id)?.samples ?? [];
    const errors = samples.flatMap((s) => (s.status === 'ok' ? [] : [s.error ?? s.status]));
    t.equal(samples.filter((s) => s.status === 'ok').length, 2, `${id}: both samples ok${errors.length > 0 ? ` (${errors.join('; ')})` : ''}`);
  }
  t.same(byId('quic-h3-1MB-loss5')?.parameters, { bodyBytes: 1_000_000, direction: 'down', impairment: 'loss5' });
  for (const id of ['tcp-tls-h2-1MB-lossfree', 'quic-h3-1MB-lossfree']) {
    t.ok(Math.abs((byId(id)?.summary.goodputRelativeToLossFree?.median ?? 0) - 1) < 0.2, `${id}: relative goodput about 1`);
  }
  for (const id of ['tcp-tls-h2-1MB-loss5', 'quic-h3-1MB-loss5']) {
    const retransmitted = byId(id)?.summary.retransmittedPackets?.median ?? 0;
    t.ok(retransmitted > 0, `${id}: the sender retransmitted (${retransmitted} packets)`);
    t.ok((byId(id)?.summary.goodputRelativeToLossFree?.median ?? 1) < 1, `${id}: slower than loss-free`);
  }
  // (Loss-free still retransmits a little: cubic overflows the rate limiter's drop-tail queue.)
  const stats = document.link.achieved?.emulatorStatsDuringRun;
  t.ok((stats?.down.dropped.loss ?? 0) > 0, 'the emulator dropped packets (the impairment was set)');
  t.same(document.link.configured?.down.lossRate, 0, 'the run link itself is loss-free');
});
