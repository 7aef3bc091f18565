// The handshake scenario on the lab network at a 60 ms round trip, every variant, with the
// packet capture: QUIC completes its handshake in about one round trip and TCP+TLS 1.3 in
// about two; QUIC 0-RTT brings the first byte in about one; resumed handshakes carry no
// Certificate on the wire. Three samples a case after one warm-up: the medians tolerate one
// late sample, and at most one a case may lack wire figures. The CLI runs in this process (no
// Node and tsx start per run).
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScenarioCli } from '../fixtures/run-scenario.js';

const RTT_MS = 60;
const SAMPLES = 3;

t.test('handshake variants at a 60 ms round trip, checked against the capture', async (t) => {
  const captures = await mkdtemp(join(tmpdir(), 'qlab-handshake-lab-'));
  t.teardown(() => rm(captures, { recursive: true, force: true }));
  const { document } = await runScenarioCli(t, ['handshake', '--rtt', `${RTT_MS}ms`, '--samples', String(SAMPLES), '--warmup', '1', '--keep-captures', captures], 240_000);
  t.equal(document.link.backend, 'emulator');
  t.same(document.errors, [], 'no run errors (the capture lost nothing)');
  const byId = (id: string) => document.cases.find((c) => c.id === id);
  const median = (id: string, metric: string): number => byId(id)?.summary[metric]?.median ?? NaN;
  const within = (id: string, metric: string, low: number, high: number): void => {
    const value = median(id, metric);
    t.ok(value >= low && value <= high, `${id} ${metric} ${value.toFixed(3)} in [${low}, ${high}]`);
  };

  t.same(
    document.cases.map((c) => c.id),
    ['tcp-tls-h1', 'tcp-tls-h1-resumed', 'tcp-tls-h1-0rtt', 'tcp-tls-h2', 'tcp-tls-h2-resumed', 'tcp-tls-h2-0rtt', 'quic-h3', 'quic-h3-resumed', 'quic-h3-0rtt'],
  );
  for (const c of document.cases) {
    if (c.unsupported !== undefined) continue;
    t.equal(c.samples.filter((s) => s.status === 'ok').length, SAMPLES, `${c.id}: every sample succeeded`);
  }
  t.match(byId('tcp-tls-h2-0rtt')?.unsupported, /early data/, 'TCP 0-RTT is recorded as unsupported, with the reason');

  // Round trips use the calibrated round trip of the run. What is asserted is the count of round
  // trips, not how closely a timing meets it: on a busy machine the endpoints (and the servers
  // the wire sees) are late by milliseconds, a measurement and no defect. Accuracy figures are
  // the truth bench's (npm run bench -- truth). An endpoint sees no earlier than the wire, and
  // less than one round trip later.
  within('quic-h3', 'handshakeRoundTrips', 0.98, 1.98);
  within('tcp-tls-h2', 'handshakeRoundTrips', 1.98, 2.98);
  within('tcp-tls-h1', 'handshakeRoundTrips', 1.98, 2.98);
  within('quic-h3-0rtt', 'ttfbRoundTrips', 0.95, 1.95);
  within('quic-h3', 'ttfbRoundTrips', 1.95, 2.95);
  within('tcp-tls-h2', 'ttfbRoundTrips', 2.95, 3.95);
  // The wire has the protocols' round trips, up to half a round trip of a late server. The
  // calibrated round trip (the probes' median, their own processing included) can exceed the
  // wire's by a fraction of a ms, so a wire timing may read a hair under a whole number of round
  // trips (1.9999 seen in CI).
  within('quic-h3', 'wireHandshakeRoundTrips', 0.98, 1.5);
  within('tcp-tls-h2', 'wireHandshakeRoundTrips', 1.98, 2.5);
  within('quic-h3-0rtt', 'wireHandshakeRoundTrips', 0.95, 1.5);
  for (const id of ['quic-h3', 'tcp-tls-h2']) {
    t.ok(median(id, 'handshakeRoundTrips') >= median(id, 'wireHandshakeRoundTrips') - 0.02, `${id}: the client's handshake is no earlier than the wire's`);
  }

  // A sample whose handshake the capture could not decrypt has no wire figures, and says why in
  // its flags (seen once in 8 CI runs: one tcp-tls-h2 sample of four). It may be missing, at
  // most one per case; a wrong value never.
  for (const c of document.cases) {
    if (c.unsupported !== undefined) continue;
    const resumed = c.parameters.session !== 'cold';
    const unread = c.samples.filter((s) => s.metrics.serverCertificateSent === undefined);
    for (const s of unread)
      t.ok(
        s.flags?.some((f) => f.includes('not seen') || f.includes('could not be decrypted')),
        `${c.id} sample ${s.index}: no wire figures, and its flags say why`,
      );
    t.ok(unread.length <= 1, `${c.id}: at most one sample without wire figures (${unread.length})`);
    const read = c.samples.filter((s) => !unread.includes(s));
    const certificates = read.map((s) => s.metrics.serverCertificateSent);
    t.same(
      certificates,
      certificates.map(() => (resumed ? 0 : 1)),
      `${c.id}: ${resumed ? 'no Certificate on the wire' : 'a Certificate on the wire'} in every sample read`,
    );
    t.ok(
      read.every((s) => (s.metrics.clientPacketsBeforeHandshake ?? 0) >= 1 && (s.metrics.serverFirstFlightBytes ?? 0) > 0),
      `${c.id}: packets and flight sizes recorded`,
    );
  }
  t.ok(median('quic-h3', 'serverFirstFlightBytes') > median('quic-h3-resumed', 'serverFirstFlightBytes'), 'a resumed flight is smaller');
  t.same(byId('quic-h3')?.timingSources.wireHandshakeMs, { source: 'packet-capture', resolutionMs: 0.001 });

  const kept = await readdir(captures);
  t.equal(kept.filter((f) => f.endsWith('.pcap')).length, 1, '--keep-captures keeps the capture');
  t.equal(kept.filter((f) => f.endsWith('.keys.log')).length, 1, '... and its key log');
  const left = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
  t.notMatch(left, /qlab-\d+/, 'no lab namespace left');
});

t.test('without --keep-captures nothing of the capture is left behind', async (t) => {
  const before = (await readdir(tmpdir())).filter((f) => f.startsWith('quic-lab-capture-'));
  const { document } = await runScenarioCli(t, ['handshake', '--link', 'loopback', '--variants', 'quic-h3-resumed,tcp-tls-h2-resumed', '--samples', '2', '--warmup', '0'], 120_000);
  const after = (await readdir(tmpdir())).filter((f) => f.startsWith('quic-lab-capture-'));
  t.same(after, before, 'the private capture directory is removed');
  t.same(
    document.cases.map((c) => c.id),
    ['tcp-tls-h2-resumed', 'quic-h3-resumed'],
  );
  t.ok(
    document.cases.every((c) => c.samples.every((s) => s.metrics.serverCertificateSent === 0)),
    'loopback capture too: no Certificate on resumption',
  );
});
