// Faults injected into real runs of the CLI (node bin/quic-lab.mjs), each bounded to seconds:
// the harness SIGKILLed during setup and during a sample, then `lab down` or the next run
// leaves no namespace, process, temporary directory or key log of it (the next run recovers the
// samples the killed one completed, from its journal); Ctrl-C (SIGINT) and a
// hang-up (SIGHUP) sent to the run's whole process group, as a terminal sends them, still give
// the aborted result and exit 130; two runs started at once run one after the other (on
// loopback: a loopback run takes the same lab lock, through the same code, before anything else,
// and skips the lab's setup and calibration, about 1.4 s a run).
// Run it under the host's lab lock: flock /work/lab.flock npx tap test/process/faults.live.test.ts
import t from 'tap';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { lockHolder } from '../../harness/lab/lock.js';
import { descendants, processAlive } from '../../harness/process/proc-table.js';
import { readResult } from '../../harness/results/read.js';
import { journaledSamples, killLater, LAB_RUN, labDown, namespacesOf, resultsDir, runsBelow, startCli, tempDirsOf, until } from '../fixtures/cli-faults.js';

for (const phase of ['setup', 'a sample'] as const) {
  t.test(`SIGKILL of the harness during ${phase}: nothing of it survives ${phase === 'setup' ? '`lab down`' : 'the next run'}`, async (t) => {
    const dir = await resultsDir(t);
    const run = startCli([...LAB_RUN, '--samples', '1000', '--results-dir', dir]);
    killLater(t, run);
    // Setup: the lab is up (its emulator runs). A sample: the run's journal has a completed
    // sample (one for the next run to recover) of the 1000 it takes one after the other. (Not a
    // client process seen: a handshake's is too short-lived for runsBelow's poll to see at once.)
    const reached = await until(async () => (phase === 'setup' ? runsBelow(run.pid, /link-emulator/) : (await journaledSamples(dir)) >= 1), 60_000);
    t.ok(reached, `reached ${phase}${reached ? '' : `; stderr: ${run.stderr()}`}`);
    // Killed once it has made a temporary directory, so the reaper has one to remove.
    t.ok(await until(async () => (await tempDirsOf(run.pid)).length > 0, 30_000), 'it has made its temporary directories');
    const family = await descendants(run.pid);
    t.ok(family.length > 0, `${family.length} processes below the harness`);
    t.ok(namespacesOf(run.pid).length === 2, 'its namespaces exist');
    process.kill(run.pid, 'SIGKILL');
    await run.exited;

    // The kernel ends the children at once (parent-death signal), before any reaper runs.
    t.ok(await until(() => family.every((pid) => !processAlive(pid)), 3000), 'every child died with the harness');
    t.ok((await tempDirsOf(run.pid)).length > 0, 'its temporary directories are left for the reaper');

    let next: ReturnType<typeof startCli> | undefined;
    if (phase === 'setup') {
      const down = await labDown();
      t.equal(down.code, 0, 'lab down succeeds');
      t.match(down.stdout, new RegExp(`removed leftovers of killed runs: .*qlab-${run.pid}-`), 'and says what it removed');
    } else {
      next = startCli(['scenario', 'handshake', '--link', 'loopback', '--variants', 'tcp-tls-h2', '--samples', '1', '--warmup', '0', '--no-capture', '--results-dir', dir]);
      killLater(t, next);
      t.equal(await next.exited, 0, `the next run completes${next.stderr() ? `: ${next.stderr()}` : ''}`);
    }
    t.strictSame(namespacesOf(run.pid), [], 'no namespace of it');
    t.strictSame(await tempDirsOf(run.pid), [], 'no temporary directory (capture, key log, server state) of it');
    t.strictSame(
      family.filter((pid) => processAlive(pid)),
      [],
      'no process of it',
    );
    const documents = await Promise.all((await readdir(dir)).filter((name) => name.endsWith('.json')).map((name) => readResult(join(dir, name))));
    if (phase === 'setup') t.strictSame(documents, [], 'no result (nothing was measured)');
    else {
      // The killed run's journal: its completed samples, recovered by the next run.
      t.strictSame(documents.map((d) => d.status).sort(), ['aborted', 'completed'], "the killed run's recovered result and the next run's");
      const killed = documents.find((d) => d.status === 'aborted');
      t.ok((killed?.cases.flatMap((c) => c.samples).length ?? 0) > 0, 'the killed run kept its completed samples');
      t.match(next?.stderr(), new RegExp(`a killed run's \\d+ completed samples were recovered to ${dir}/handshake-`), 'the next run says where');
    }
  });
}

for (const signal of ['SIGINT', 'SIGHUP'] as const) {
  t.test(`${signal} to the run's whole process group (a terminal's ${signal === 'SIGINT' ? 'Ctrl-C' : 'hang-up'}): aborted result, exit 130, nothing left`, async (t) => {
    const dir = await resultsDir(t);
    const run = startCli([...LAB_RUN, '--samples', '1000', '--results-dir', dir]);
    killLater(t, run);
    // Cases are interleaved: two journaled samples are one of each case.
    t.ok(await until(async () => (await journaledSamples(dir)) >= 2, 60_000), `samples are being taken, one of each case at least${run.stderr() ? ` (stderr: ${run.stderr()})` : ''}`);
    const family = await descendants(run.pid);
    process.kill(-run.pid, signal);
    // Unref'd: once the run has exited, this bound must not hold the file's process open for 30 s.
    const code = await Promise.race([run.exited, sleep(30_000, 'hung' as const, { ref: false })]);
    t.equal(code, 130, `exit 130${run.stderr() ? ` (stderr: ${run.stderr().trim().split('\n').slice(-3).join(' | ')})` : ''}`);
    t.notMatch(run.stderr(), /link emulator is not running/, 'the emulator outlived the signal');
    const files = (await readdir(dir)).filter((name) => name.endsWith('.json'));
    t.equal(files.length, 1, 'the result is written');
    const document = await readResult(join(dir, files[0] ?? ''));
    t.equal(document.status, 'aborted');
    t.match(document.errors[0], new RegExp(`interrupted by ${signal}`));
    // The helpers did not get the terminal's signal: they ran until the harness ended them.
    t.strictSame(document.errors.slice(1), [], `no other error (${document.errors.join(' | ')})`);
    t.ok(document.link.achieved?.emulatorStatsDuringRun, "the emulator's statistics were still read after the signal");
    t.ok(
      document.cases.every((c) => c.samples.length > 0),
      'the samples taken are kept',
    );
    t.strictSame(namespacesOf(run.pid), [], 'no namespace left');
    t.strictSame(
      family.filter((pid) => processAlive(pid)),
      [],
      'no process left',
    );
    t.strictSame(await tempDirsOf(run.pid), [], 'no temporary directory or key log left');
  });
}

t.test('two runs started at once: the second waits, saying for whom, then runs; --no-wait refuses at once', async (t) => {
  const dir = await resultsDir(t);
  // One sample a case, no capture, on loopback: what is tested is the lab's lock, not the run.
  const args = ['scenario', 'handshake', '--variants', 'tcp-tls-h2,quic-h3', '--link', 'loopback', '--warmup', '0', '--samples', '1', '--no-capture', '--results-dir', dir];
  const runs = [startCli(args), startCli(args)];
  for (const run of runs) killLater(t, run);
  // While one holds the lab: a third with --no-wait is refused at once.
  const holds = async (): Promise<boolean> => {
    const holder = await lockHolder();
    return runs.some((run) => run.pid === holder?.pid);
  };
  t.ok(await until(holds, 60_000), 'one run holds the lab');
  const refused = startCli([...args, '--no-wait']);
  killLater(t, refused);
  const started = Date.now();
  t.equal(await refused.exited, 75, '--no-wait: exit 75');
  t.ok(Date.now() - started < 10_000, 'at once');
  t.match(refused.stderr(), /^error: the lab is in use by pid \d+ \(scenario handshake \(loopback\), since [^)]+\); wait for it, or stop it \(npm run lab -- down\)\n$/);

  const codes = await Promise.all(runs.map((run) => run.exited));
  t.strictSame(codes, [0, 0], 'both complete');
  const waited = runs.filter((run) => /waiting for the lab: in use by pid \d+ \(scenario handshake \(loopback\), since [^)]+\)…/.test(run.stderr()));
  t.equal(waited.length, 1, 'exactly one waited, and said so');
  const other = runs.find((run) => !waited.includes(run));
  t.match(waited[0]?.stderr(), new RegExp(`in use by pid ${other?.pid} `), 'naming the other run');
  const documents = await Promise.all((await readdir(dir)).filter((name) => name.endsWith('.json')).map((name) => readResult(join(dir, name))));
  t.equal(documents.length, 2, 'two results');
  const [first, second] = documents.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  t.ok(first && second && first.finishedAt <= second.startedAt, `one after the other (${first?.finishedAt} <= ${second?.startedAt})`);
  t.ok(
    documents.every((d) => d.status === 'completed'),
    'both completed',
  );
  t.notOk(await holds(), 'neither holds the lab any more');
});
