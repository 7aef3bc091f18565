// Handshake sweeps on the lab. The certificate sweep at a 60 ms round trip, a few of its cases: a QUIC server
// flight larger than 3x the client's Initial (RFC 9000 8.1) costs a round trip; the same
// chain over TCP+TLS does not; an ECDSA chain of the same length fits.
import t from 'tap';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { runScenarioCli } from '../fixtures/run-scenario.js';

/** Handshakes under loss, per case. */
const SAMPLES = 1;
const VARIANTS = ['quic-h3-rsa2048-i0', 'quic-h3-rsa2048-i3', 'tcp-tls-h2-rsa2048-i3', 'quic-h3-ecdsa-p256-i3'];

t.test('certificate-size: the amplification limit costs a round trip where theory says', async (t) => {
  const { document } = await runScenarioCli(t, ['certificate-size', '--rtt', '60ms', '--samples', '3', '--warmup', '1', '--variants', VARIANTS.join(',')], 180_000);
  t.same(document.errors, []);
  const byId = (id: string) => document.cases.find((c) => c.id === id);
  const median = (id: string, metric: string): number => byId(id)?.summary[metric]?.median ?? NaN;

  for (const id of VARIANTS) {
    const flight = median(id, 'serverFirstFlightBytes');
    const client = median(id, 'clientFirstFlightBytes');
    t.ok(flight > 0 && client > 0, `${id}: server flight ${flight} B, client first flight ${client} B`);
  }
  // Theory: over 3x the client's first flight means waiting for the client's next packet.
  t.ok(median('quic-h3-rsa2048-i3', 'serverFirstFlightBytes') > 3 * median('quic-h3-rsa2048-i3', 'clientFirstFlightBytes'), 'RSA-2048 + 3 intermediates: flight over 3x the Initial');
  t.equal(median('quic-h3-rsa2048-i3', 'amplificationLimitExceeded'), 1);
  t.equal(median('quic-h3-rsa2048-i3', 'wireHandshakeRounds'), 2);
  t.ok(median('quic-h3-rsa2048-i3', 'handshakeRoundTrips') >= 1.9, `... and costs a round trip: ${median('quic-h3-rsa2048-i3', 'handshakeRoundTrips').toFixed(2)} round trips`);
  // The client's handshake in round trips of the calibrated one: what is asserted is their
  // count, not how closely a timing meets it (as in handshake-lab). A busy machine makes the
  // endpoints late by milliseconds: TCP+TLS's median of three read 2.15 or more once here (9 ms
  // late at 60 ms), and 1.09 for one QUIC round trip. So a count of n is below n + 0.5, half
  // way to the extra round trip these checks are about.
  for (const id of ['quic-h3-rsa2048-i0', 'quic-h3-ecdsa-p256-i3']) {
    t.equal(median(id, 'amplificationLimitExceeded'), 0, `${id}: within the limit`);
    t.equal(median(id, 'wireHandshakeRounds'), 1);
    t.ok(median(id, 'handshakeRoundTrips') < 1.5, `${id}: one round trip (${median(id, 'handshakeRoundTrips').toFixed(2)})`);
  }
  const tcp = median('tcp-tls-h2-rsa2048-i3', 'handshakeRoundTrips');
  t.ok(tcp < 2.5, `TCP+TLS: the same chain costs no extra round trip (${tcp.toFixed(2)})`);
  t.same(byId('quic-h3-ecdsa-p256-i3')?.parameters, { bodyBytes: 1000, keyType: 'ecdsa-p256', intermediates: 3 });
  t.match(byId('quic-h3-ecdsa-p256-i3')?.certificates, { keyType: 'ECDSA', keyBits: 256, chainLength: 4 });
  t.match(byId('quic-h3-rsa2048-i0')?.certificates, { keyType: 'RSA', keyBits: 2048, chainLength: 1 });
  const left = (await readdir(tmpdir())).filter((f) => f.startsWith('quic-lab-pki-'));
  t.same(left, [], 'the temporary PKIs are removed');
});

// One sample a case (was four, then two): a failed one costs the whole 3 s timeout (the QUIC client
// is killed 2 s later), and every check holds for each sample alone, whether it succeeded or failed:
// a failure has a reason, a success stays within the bound, the table shows the success rate.
// (The seeded loss's first two rounds gave one success and one failure a case in CI.)
t.test('handshakes under the handshake-loss profile: every sample bounded and accounted for', async (t) => {
  const { run, document } = await runScenarioCli(t, ['handshake', '--profile', 'handshake-loss', '--variants', 'tcp-tls-h2,quic-h3', '--samples', String(SAMPLES), '--warmup', '0', '--timeout', '3s'], 180_000);
  t.equal(document.link.profile, 'handshake-loss');
  t.match(document.link.configured, { down: { burstLoss: { maxBurstPackets: 3 } }, up: { burstLoss: { maxBurstPackets: 3 } } });
  for (const c of document.cases) {
    t.equal(c.samples.length, SAMPLES, `${c.id}: every sample recorded`);
    for (const sample of c.samples) {
      if (sample.status === 'failed') t.ok((sample.error ?? '').length > 0, `${c.id} #${sample.index} failed with a reason: ${sample.error}`);
      else t.ok((sample.metrics.handshakeMs ?? Infinity) < 3000 + 5000, `${c.id} #${sample.index}: ${sample.metrics.handshakeMs} ms, within the bound`);
    }
  }
  t.match(run.stdout, new RegExp(`^tcp-tls-h2\\s+\\d/${SAMPLES}\\s`, 'm'), 'the table shows the success rate');
});
