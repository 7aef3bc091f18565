// The interop matrix end to end on the lab, short: ngtcp2 with itself and Chromium against
// Caddy, through the handshake, resumption and 0-RTT tests, one sample each. Every supported
// cell must pass on the wire; Chromium's missing session modes are unsupported with the
// descriptor's reason; the table says so in the text output and the Markdown report.
import t from 'tap';
import { readFile } from 'node:fs/promises';
import { reportPathsFor } from '../../harness/results/write.js';
import { runScenarioCli } from '../fixtures/run-scenario.js';

const SHORT = ['--variants', 'handshake,resumption,zerortt', '--samples', '1'];

t.test('ngtcp2 with ngtcp2: every test passes, on the wire', async (t) => {
  const { run, document } = await runScenarioCli(t, ['interop', '--server', 'ngtcp2', '--client', 'ngtcp2', ...SHORT], 180_000);
  t.same(
    document.cases.map((c) => [c.id, c.verdict]),
    [
      ['handshake@ngtcp2/ngtcp2', { status: 'passed' }],
      ['resumption@ngtcp2/ngtcp2', { status: 'passed' }],
      ['zerortt@ngtcp2/ngtcp2', { status: 'passed' }],
    ],
  );
  const zeroRtt = document.cases.find((c) => c.id === 'zerortt@ngtcp2/ngtcp2')?.samples[0];
  t.ok((zeroRtt?.metrics.wireClientZeroRttPackets ?? 0) > 0, '0-RTT packets on the wire');
  t.equal(zeroRtt?.negotiated?.quicVersion, '0x00000001');
  t.match(run.stdout, /verdicts \(3 passed, 0 failed, 0 unsupported\):\nclient +server +handshake +resumption +zerortt\nngtcp2-gtlsclient +ngtcp2-gtlsserver +passed +passed +passed\n/);
});

t.test('Chromium against Caddy: the handshake passes, resumption and 0-RTT are unsupported with the reason', async (t) => {
  const { run, document, resultPath } = await runScenarioCli(t, ['interop', '--server', 'caddy', '--client', 'chromium', ...SHORT], 180_000);
  t.same(
    document.cases.map((c) => [c.id, c.verdict]),
    [
      ['handshake@caddy/chromium', { status: 'passed' }],
      ['resumption@caddy/chromium', { status: 'unsupported', reason: 'chromium: no resumed sessions (each page load uses a fresh browser profile)' }],
      ['zerortt@caddy/chromium', { status: 'unsupported', reason: 'chromium: no early-data sessions (each page load uses a fresh browser profile)' }],
    ],
  );
  t.match(run.stdout, /chromium +caddy +passed +unsupported \[1\] +unsupported \[2\]\n\[1\] chromium: no resumed sessions/);
  const markdown = await readFile(reportPathsFor(resultPath).md, 'utf8');
  t.match(markdown, /\| chromium \| caddy \| passed \| unsupported \[1\] \| unsupported \[2\] \|/);
});
