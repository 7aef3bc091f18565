// No completed sample is lost to a SIGKILL of the harness: killed once every sample is done
// (while it analyses the capture and writes the result), or in the middle of its samples,
// `lab down` turns the run's journal into a result holding every sample that had completed,
// says where, and nothing of the run is left.
// Run it under the host's lab lock: flock /work/lab.flock npx tap test/process/kill-after-samples.live.test.ts
import t from 'tap';
import { descendants } from '../../harness/process/proc-table.js';
import { assertNothingLeft, journaledSamples, killLater, LAB_RUN, labDown, resultsDir, resultsIn, startCli, until } from '../fixtures/cli-faults.js';

const SAMPLES = 3;
/** Two cases (LAB_RUN's variants). */
const ALL = 2 * SAMPLES;

for (const moment of ['after its last sample', 'between its samples'] as const) {
  t.test(`SIGKILL of the harness ${moment}: every completed sample is in a result file`, async (t) => {
    const dir = await resultsDir(t);
    const run = startCli([...LAB_RUN, '--samples', moment === 'after its last sample' ? String(SAMPLES) : '1000', '--results-dir', dir]);
    killLater(t, run);
    const wanted = moment === 'after its last sample' ? ALL : 2;
    // Polled every 50 ms: the kill comes within a sample or two of the moment.
    t.ok(await until(async () => (await journaledSamples(dir)) >= wanted, 60_000), `${wanted} samples journaled${run.stderr() ? ` (stderr: ${run.stderr()})` : ''}`);
    const family = await descendants(run.pid);
    const journaled = await journaledSamples(dir);
    process.kill(run.pid, 'SIGKILL');
    await run.exited;

    const down = await labDown();
    t.equal(down.code, 0, 'lab down succeeds');
    const documents = await resultsIn(dir);
    t.equal(documents.length, 1, 'one result file');
    const document = documents[0];
    const samples = document?.cases.flatMap((c) => c.samples) ?? [];
    t.ok(samples.length >= journaled, `every completed sample is in it (${samples.length} >= ${journaled})`);
    if (document?.status === 'completed') {
      // The kill came after the result was written: lab down only removed the journal.
      t.equal(samples.length, ALL, 'the whole run');
    } else {
      t.equal(document?.status, 'aborted');
      t.match(document?.errors[0], new RegExp(`^the harness \\(pid ${run.pid}\\) ended without writing its result \\(killed or crashed\\); \`lab down\` recovered its \\d+ completed samples`));
      t.match(down.stdout, new RegExp(`a killed run's ${samples.length} completed samples were recovered to ${dir}/${document?.runId}\\.json`), 'lab down says where');
      t.ok(
        samples.every((s) => s.status === 'ok'),
        'as they were taken',
      );
    }
    await assertNothingLeft(t, run.pid, family, dir);
  });
}
