// The handshake scenario on the lab network at a 60 ms round trip: QUIC completes its
// handshake in about one round trip, TCP+TLS 1.3 in about two.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readResult } from '../../harness/results/read.js';

const ROOT = resolve(import.meta.dirname, '../..');
const RTT_MS = 60;

t.test('handshake at a 60 ms round trip', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'qlab-handshake-lab-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'harness/cli.ts'), 'scenario', 'handshake', '--rtt', `${RTT_MS}ms`, '--samples', '6', '--warmup', '1', '--results-dir', dir],
    { cwd: ROOT, encoding: 'utf8', timeout: 120_000 },
  );
  t.equal(run.status, 0, run.stderr);
  const [file] = (await readdir(dir)).filter((f) => f.endsWith('.json'));
  const document = await readResult(join(dir, file as string));
  t.equal(document.link.backend, 'emulator');
  const roundTrips = (id: string, metric: string): number => (document.cases.find((c) => c.id === id)?.summary[metric]?.median ?? NaN) / RTT_MS;
  const quic = roundTrips('quic-h3', 'handshakeMs');
  const tcp = roundTrips('tcp-tls-h2', 'handshakeMs');
  t.ok(quic >= 1.0 && quic <= 1.15, `QUIC handshake ${quic.toFixed(3)} round trips`);
  t.ok(tcp >= 2.0 && tcp <= 2.15, `TCP+TLS handshake ${tcp.toFixed(3)} round trips`);
  t.ok(roundTrips('tcp-tls-h2', 'connectMs') >= 1.0, 'TCP connect takes a round trip');
  const achieved = document.link.achieved as { emulatorStatsDuringRun?: { up?: { packetsIn?: number } }; calibration?: { rttMinMs?: number } } | null;
  const stats = achieved?.emulatorStatsDuringRun;
  const rttMin = achieved?.calibration?.rttMinMs ?? NaN;
  t.ok(rttMin >= RTT_MS && rttMin <= RTT_MS + 1.5, `calibrated round trip ${rttMin} ms recorded`);
  t.ok((stats?.up?.packetsIn ?? 0) > 0, 'the emulator statistics of the run are in the result');
  const left = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
  t.notMatch(left, /qlab-\d+/, 'no lab namespace left');
});
