// A real gtlsserver killed mid-run on loopback: the broken sample fails with the reason, the
// server is restarted once on the same port (its samples still matched on the wire), and a
// second death fails the rest unrun, exit 3.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { findScenario } from '../../scenarios/index.js';
import { shapeScenario } from '../../harness/run/shape.js';
import { EXIT_NO_SAMPLE_SUCCEEDED, runSession } from '../../harness/run/session.js';
import type { AnyScenario } from '../../harness/scenario/types.js';
import { Ngtcp2Server } from '../../harness/endpoints/ngtcp2/server.js';

/** The handshake scenario's quic-h3 case, with the server SIGKILLed just before the samples `killAt` picks. */
function killing(killAt: (call: number) => boolean): AnyScenario {
  const base = shapeScenario(findScenario('handshake') as AnyScenario, { variants: ['quic-h3'] });
  let call = 0;
  return {
    ...base,
    measure: (context) => {
      if (killAt(call++)) {
        const server = context.server;
        if (!(server instanceof Ngtcp2Server) || server.pid === undefined) throw new Error('test: no gtlsserver to kill');
        process.kill(server.pid, 'SIGKILL');
      }
      return base.measure(context);
    },
  };
}

function gtlsservers(): string[] {
  return spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter((line) => /^gtlsserver /.test(line));
}

t.test('one death: that sample fails with the reason, the server comes back on its port, the run goes on', async (t) => {
  t.setTimeout(120_000);
  const { document, exitCode } = await runSession(
    killing((call) => call === 1),
    { link: { kind: 'loopback' }, samples: 4, warmup: 0, sampleTimeoutMs: 3000 },
  );
  const samples = document.cases[0]?.samples ?? [];
  t.same(
    samples.map((s) => s.status),
    ['ok', 'failed', 'ok', 'ok'],
  );
  t.match(samples[1]?.error, /^gtlsserver exited with signal SIGKILL during sample 1 of quic-h3 \(/);
  t.ok(document.errors.includes('gtlsserver exited with signal SIGKILL during sample 1 of quic-h3; restarted'), document.errors.join('\n'));
  for (const sample of [samples[2], samples[3]]) t.type(sample?.metrics.wireHandshakeMs, 'number', `sample ${sample?.index}: matched on the wire after the restart`);
  t.equal(exitCode, 0);
  t.same(gtlsservers(), [], 'no gtlsserver left');
});

t.test('two deaths: the rest is not run, and a run with no sample that succeeded exits 3', async (t) => {
  t.setTimeout(120_000);
  const { document, exitCode } = await runSession(
    killing(() => true),
    { link: { kind: 'loopback' }, samples: 4, warmup: 0, sampleTimeoutMs: 2000, capture: false },
  );
  const samples = document.cases[0]?.samples ?? [];
  t.same(
    samples.map((s) => s.status),
    ['failed', 'failed', 'failed', 'failed'],
  );
  t.match(samples[0]?.error, /^gtlsserver exited with signal SIGKILL during sample 0 of quic-h3 \(/);
  t.match(samples[1]?.error, /^gtlsserver exited with signal SIGKILL during sample 1 of quic-h3 \(/);
  t.equal(samples[2]?.error, 'not run: gtlsserver exited with signal SIGKILL during sample 1 of quic-h3, after one restart');
  t.equal(document.status, 'completed');
  t.equal(exitCode, EXIT_NO_SAMPLE_SUCCEEDED);
  t.same(gtlsservers(), [], 'no gtlsserver left');
});
