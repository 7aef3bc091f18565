// Ctrl-C (SIGINT) and SIGTERM during a run on the lab: the run ends after the current
// sample, writes its result as "aborted", and removes every namespace and process it made.
// The signal goes to the harness alone (its helpers are ended by it); faults.live.test.ts
// signals the whole process group, as a terminal does.
// Run it under the host's lab lock: flock /work/lab.flock npx tap test/scenario/interrupt.live.test.ts
import t from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import { descendants, processAlive } from '../../harness/process/proc-table.js';
import { journaledSamples, killLater, namespacesOf, resultsDir, resultsIn, startCli, tempDirsOf, until } from '../fixtures/cli-faults.js';

/** `seen` and every process found below `pid` (polled every 50 ms) until `exited` settles. */
async function familyUntil(pid: number, exited: Promise<unknown>, seen: number[]): Promise<number[]> {
  const found = new Set(seen);
  let done = false;
  void exited.finally(() => (done = true));
  while (!done) {
    for (const child of await descendants(pid)) found.add(child);
    await sleep(50);
  }
  return [...found];
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  t.test(`${signal} during a lab run`, async (t) => {
    const dir = await resultsDir(t);
    const run = startCli(['scenario', 'handshake', '--variants', 'tcp-tls-h2,quic-h3', '--rtt', '40ms', '--samples', '1000', '--warmup', '0', '--results-dir', dir]);
    killLater(t, run);
    // Samples are being taken (lab, calibration, servers and capture are up) and both cases
    // have one: cases are interleaved, so two journaled samples are one of each.
    t.ok(await until(async () => (await journaledSamples(dir)) >= 2, 60_000), `samples are being taken, one of each case at least${run.stderr() ? ` (stderr: ${run.stderr()})` : ''}`);
    const before = await descendants(run.pid);
    t.ok(before.length > 0, `${before.length} processes below the harness`);
    process.kill(run.pid, signal);
    // Every process below it until it exits: those it starts while stopping (the capture's analysis) too.
    const family = familyUntil(run.pid, run.exited, before);
    // Unref'd: once the run has exited, this bound must not hold the file's process open.
    const code = await Promise.race([run.exited, sleep(20_000, 'hung' as const, { ref: false })]);
    if (code === 'hung') process.kill(-run.pid, 'SIGKILL');
    t.equal(code, 130, 'exit code 130');
    const documents = await resultsIn(dir);
    t.equal(documents.length, 1, 'the result is written');
    const [document] = documents;
    t.equal(document?.status, 'aborted');
    t.match(document?.errors[0], new RegExp(`interrupted by ${signal}`));
    t.ok(
      document?.cases.every((c) => c.samples.length > 0 && c.samples.length < 1000),
      'samples taken so far are kept',
    );
    t.match(run.stdout(), /status aborted/);
    t.strictSame(namespacesOf(run.pid), [], 'no namespace left');
    t.strictSame(
      (await family).filter((pid) => processAlive(pid)),
      [],
      'no process left',
    );
    t.strictSame(await tempDirsOf(run.pid), [], 'no capture, key log or client state left in the temporary directory');
  });
}
