// loss-recovery on the lab, short: per-case impairments set on the emulator between
// interleaved samples; relative goodput and retransmissions recorded.
// One 1 MB download a variant, on a 40 ms round trip without a rate limit (a rate would cost a
// calibration flood per direction, and nothing here depends on one). One sample is enough for
// what is asserted: under 5% loss each way a 1 MB download's ~700 data packets all get through
// with probability 0.95^700 < 1e-15, so the sender retransmits; and a loss-based sender under 5%
// loss runs at about MSS/RTT x 1.22/sqrt(p) = 1.6 Mbit/s here (Mathis et al.), against the loss-free
// download's slow start to tens of Mbit/s, so the lossy one is slower unless the loss-free sample
// is slowed about tenfold. The loss-free cases' relative goodput is their own over their median:
// 1 with any number of samples.
import t from 'tap';
import { runScenarioCli } from '../fixtures/run-scenario.js';
const VARIANTS = ['tcp-tls-h2-1MB-lossfree', 'quic-h3-1MB-lossfree', 'tcp-tls-h2-1MB-loss5', 'quic-h3-1MB-loss5', 'quic-h3-1MB-burst2'];

t.test('loss-recovery: loss-free vs 5% loss vs bursty, interleaved on one link', async (t) => {
  const { document } = await runScenarioCli(t, ['loss-recovery', '--rtt', '40ms', '--sizes', '1MB', '--samples', '1', '--warmup', '0', '--variants', VARIANTS.join(',')], 240_000);
  const byId = (id: string) => document.cases.find((c) => c.id === id);
  for (const id of VARIANTS) {
    const samples = byId(id)?.samples ?? [];
    const errors = samples.flatMap((s) => (s.status === 'ok' ? [] : [s.error ?? s.status]));
    t.equal(samples.filter((s) => s.status === 'ok').length, 1, `${id}: the sample ok${errors.length > 0 ? ` (${errors.join('; ')})` : ''}`);
  }
  t.same(byId('quic-h3-1MB-loss5')?.parameters, { bodyBytes: 1_000_000, direction: 'down', impairment: 'loss5' });
  for (const id of ['tcp-tls-h2-1MB-lossfree', 'quic-h3-1MB-lossfree']) {
    t.ok(Math.abs((byId(id)?.summary.goodputRelativeToLossFree?.median ?? 0) - 1) < 0.2, `${id}: relative goodput about 1`);
  }
  for (const id of ['tcp-tls-h2-1MB-loss5', 'quic-h3-1MB-loss5']) {
    const retransmitted = byId(id)?.summary.retransmittedPackets?.median ?? 0;
    t.ok(retransmitted > 0, `${id}: the sender retransmitted (${retransmitted} packets)`);
    const relative = byId(id)?.summary.goodputRelativeToLossFree?.median ?? 1;
    t.ok(relative < 1, `${id}: slower than loss-free (${relative.toFixed(2)} of its goodput)`);
  }
  const stats = document.link.achieved?.emulatorStatsDuringRun;
  t.ok((stats?.down.dropped.loss ?? 0) > 0, 'the emulator dropped packets (the impairment was set)');
  t.same(document.link.configured?.down.lossRate, 0, 'the run link itself is loss-free');
});
