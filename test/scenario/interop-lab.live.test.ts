// The interop matrix end to end on the lab, short: ngtcp2 and Chromium against gtlsserver
// (ngtcp2) and Caddy, through the handshake, resumption and 0-RTT tests, one sample each, in
// one run (one lab: building and calibrating it costs more than the two extra pairs' samples).
// Every supported cell must pass on the wire; Chromium's missing session modes are unsupported
// with the descriptor's reason; the table says so in the text output and the Markdown report.
import t from 'tap';
import { readFile } from 'node:fs/promises';
import { reportPathsFor } from '../../harness/results/write.js';
import { runScenarioCli } from '../fixtures/run-scenario.js';

const SHORT = ['--variants', 'handshake,resumption,zerortt', '--samples', '1'];
const NO_RESUMPTION = { status: 'unsupported', reason: 'chromium: no resumed sessions (each page load uses a fresh browser profile)' };
const NO_EARLY_DATA = { status: 'unsupported', reason: 'chromium: no early-data sessions (each page load uses a fresh browser profile)' };

t.test('ngtcp2 and Chromium against gtlsserver and Caddy: every supported test passes, on the wire; Chromium resumption and 0-RTT are unsupported with the reason', async (t) => {
  const { run, document, resultPath } = await runScenarioCli(t, ['interop', '--server', 'ngtcp2,caddy', '--client', 'ngtcp2,chromium', ...SHORT], 240_000);
  const verdicts = new Map(document.cases.map((c) => [c.id, c.verdict]));
  t.equal(document.cases.length, 12, document.cases.map((c) => c.id).join(', '));
  for (const server of ['ngtcp2', 'caddy']) {
    t.same(verdicts.get(`handshake@${server}/ngtcp2`), { status: 'passed' }, `handshake@${server}/ngtcp2`);
    t.same(verdicts.get(`resumption@${server}/ngtcp2`), { status: 'passed' }, `resumption@${server}/ngtcp2`);
    t.same(verdicts.get(`zerortt@${server}/ngtcp2`), { status: 'passed' }, `zerortt@${server}/ngtcp2`);
    t.same(verdicts.get(`handshake@${server}/chromium`), { status: 'passed' }, `handshake@${server}/chromium`);
    t.same(verdicts.get(`resumption@${server}/chromium`), NO_RESUMPTION, `resumption@${server}/chromium`);
    t.same(verdicts.get(`zerortt@${server}/chromium`), NO_EARLY_DATA, `zerortt@${server}/chromium`);
  }
  const zeroRtt = document.cases.find((c) => c.id === 'zerortt@ngtcp2/ngtcp2')?.samples[0];
  t.ok((zeroRtt?.metrics.wireClientZeroRttPackets ?? 0) > 0, '0-RTT packets on the wire');
  t.equal(zeroRtt?.negotiated?.quicVersion, '0x00000001');
  t.match(run.stdout, /verdicts \(8 passed, 0 failed, 4 unsupported\):\nclient +server +handshake +resumption +zerortt\n/);
  t.match(run.stdout, /\nngtcp2-gtlsclient +ngtcp2-gtlsserver +passed +passed +passed\n/);
  t.match(run.stdout, /\nchromium +caddy +passed +unsupported \[1\] +unsupported \[2\]\n/);
  t.match(run.stdout, /\n\[1\] chromium: no resumed sessions/);
  const markdown = await readFile(reportPathsFor(resultPath).md, 'utf8');
  t.match(markdown, /\| chromium \| caddy \| passed \| unsupported \[1\] \| unsupported \[2\] \|/);
});
