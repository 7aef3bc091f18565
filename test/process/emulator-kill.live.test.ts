// SIGKILL of the link emulator in the middle of a sample: the harness notices at once (not at
// the sample's timeout), records that sample as failed with the reason, ends the run with the
// samples it took (status failed, exit 1) and removes everything it made.
// Run it under the host's lab lock: flock /work/lab.flock npx tap test/process/emulator-kill.live.test.ts
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { descendants } from '../../harness/process/proc-table.js';
import { assertNothingLeft, commandOf, journaledSamples, killLater, resultsDir, resultsIn, runsBelow, startCli, until } from '../fixtures/cli-faults.js';

/** 200 ms round trips: a QUIC handshake sample lasts long enough to be struck in the middle. */
const RUN = ['scenario', 'handshake', '--variants', 'tcp-tls-h2,quic-h3', '--link', 'emulator', '--rtt', '200ms', '--warmup', '0', '--samples', '1000', '--timeout', '60s'];

t.test('SIGKILL of the link emulator mid-sample: that sample fails with the reason, the run ends at once with the samples taken', async (t) => {
  const dir = await resultsDir(t);
  const run = startCli([...RUN, '--results-dir', dir]);
  killLater(t, run);
  t.ok(await until(async () => (await journaledSamples(dir)) >= 2, 60_000), `samples are being taken${run.stderr() ? ` (stderr: ${run.stderr()})` : ''}`);
  t.ok(await until(() => runsBelow(run.pid, /gtlsclient/), 10_000), 'a QUIC sample is under way');
  const family = await descendants(run.pid);
  const emulator = family.find((pid) => /link-emulator/.test(commandOf(pid)));
  t.ok(emulator, 'the emulator runs below the harness');
  if (emulator === undefined) return;
  spawnSync('kill', ['-KILL', String(emulator)]);
  const killedAt = Date.now();
  // Unref'd: once the run has exited, this bound must not hold the file's process open for 30 s.
  const code = await Promise.race([run.exited, sleep(30_000, 'hung' as const, { ref: false })]);
  const tookMs = Date.now() - killedAt;
  t.equal(code, 1, `exit 1 (stderr: ${run.stderr().trim().split('\n').slice(-3).join(' | ')})`);
  // The sample's timeout is 60 s; the capture's analysis and the cleanup take a few.
  t.ok(tookMs < 15_000, `ended ${tookMs} ms after the kill, far from the sample's 60 s timeout`);

  const [document] = await resultsIn(dir);
  t.equal(document?.status, 'failed');
  // The kill lands in a sample of either case (a client may have just finished): that one fails.
  const failed = (document?.cases ?? []).flatMap((c) => c.samples.filter((s) => /link emulator/.test(s.error ?? '')).map((s) => ({ caseId: c.id, sample: s, last: s === c.samples.at(-1) })));
  t.equal(failed.length, 1, `one sample failed for it: the one in flight (${JSON.stringify(failed)}; ${document?.errors.join(' | ')})`);
  const [{ caseId, sample, last } = { caseId: '', sample: undefined, last: false }] = failed;
  t.ok(last, 'the last of its case');
  t.match(sample?.error, new RegExp(`^the link emulator exited with signal SIGKILL during sample ${sample?.index} of ${caseId} \\(`), 'with the reason');
  t.equal(document?.errors[0], `the link emulator exited with signal SIGKILL during sample ${sample?.index} of ${caseId}: the run ends, the samples taken are kept`);
  const ok = (document?.cases ?? []).flatMap((c) => c.samples).filter((s) => s.status === 'ok');
  t.ok(ok.length >= 1, `the samples completed before it are kept (${ok.length})`);
  await assertNothingLeft(t, run.pid, family, dir);
});
