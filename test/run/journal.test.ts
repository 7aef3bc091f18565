// The run's journal: written private and fsync'd as samples complete, removed with the result;
// a killed run's journal becomes an aborted result beside it (a cut last line left out, the
// killed write's temporary files removed), a live run's is left alone.
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { lstat, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DocumentHead } from '../../harness/run/document.js';
import { readResult } from '../../harness/results/read.js';
import { parseJournal, recoverJournals, RunJournal } from '../../harness/run/journal.js';
import type { Sample } from '../../harness/results/schema.js';
import { pointLabRunDir } from '../fixtures/lab-run-dir.js';
import { sampleResultDocument } from '../fixtures/result-document.js';

const runDir = await mkdtemp(join(tmpdir(), 'qlab-journal-run-'));
t.teardown(() => rm(runDir, { recursive: true, force: true }));

/**
 * The journals' pointers go under the lab run directory, read from the environment when used:
 * runDir for one test, put back when it ends (other files' tests share this process).
 */
function useRunDir(t: Test): void {
  t.teardown(pointLabRunDir(runDir));
}

function head(): DocumentHead {
  const { cases, metrics: _m, headline: _h, status: _s, errors: _e, finishedAt: _f, ...document } = sampleResultDocument();
  return {
    document,
    cases: cases.map(({ samples: _samples, summary: _summary, ...c }) => c),
    declaredMetrics: [{ name: 'handshakeMs', unit: 'ms', description: 'handshake' }],
    headline: ['handshakeMs'],
  };
}

const ok = (index: number, handshakeMs: number): Sample => ({ index, status: 'ok', startedAt: '2026-11-26T07:00:01.000Z', metrics: { handshakeMs } });

/** A pid that no process has now (a child that has exited). */
function deadPid(): number {
  const child = spawnSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' });
  return Number(child.stdout.trim());
}

async function resultsDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'qlab-journal-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

t.test('a journal: 0600, one line per sample, a pointer to it; removed with the result', async (t) => {
  useRunDir(t);
  const dir = await resultsDir();
  const warnings: string[] = [];
  const journal = new RunJournal(dir, 'handshake-x', (m) => warnings.push(m));
  await journal.begin(head());
  await journal.sample('quic-h3', ok(0, 2));
  await journal.sample('quic-h3', ok(1, 3));
  t.equal(journal.path, join(dir, `handshake-x.pid${process.pid}.journal`));
  t.equal((await stat(journal.path)).mode & 0o777, 0o600);
  const parsed = parseJournal(await readFile(journal.path, 'utf8'));
  t.equal(parsed?.count, 2);
  t.same(
    parsed?.samples.get('quic-h3')?.map((s) => s.metrics.handshakeMs),
    [2, 3],
  );
  t.ok((await lstat(join(runDir, 'journals', `handshake-x.pid${process.pid}.journal`))).isSymbolicLink(), 'pointed at');
  t.same(await recoverJournals([dir], 'test'), [], "this process's own journal is not recovered");
  await journal.remove();
  t.same(await readdir(dir), []);
  t.same(await readdir(join(runDir, 'journals')), []);
  t.same(warnings, []);
});

t.test('a journal that cannot be written warns once, and the run goes on', async (t) => {
  useRunDir(t);
  const warnings: string[] = [];
  const journal = new RunJournal('/proc/nope', 'handshake-x', (m) => warnings.push(m));
  await journal.begin(head());
  await journal.sample('quic-h3', ok(0, 2));
  t.equal(warnings.length, 1);
  t.match(warnings[0], /^the run's journal \(\/proc\/nope\/handshake-x\.pid\d+\.journal\) failed, so a kill would lose its samples: /);
});

t.test("a killed run's journal becomes an aborted result with every sample journaled", async (t) => {
  useRunDir(t);
  const dir = await resultsDir();
  const pid = deadPid();
  const runId = sampleResultDocument().runId;
  const journal = join(dir, `${runId}.pid${pid}.journal`);
  const lines = [{ head: head() }, { caseId: 'quic-h3', sample: ok(0, 2) }, { caseId: 'quic-h3', sample: ok(1, 4) }].map((l) => JSON.stringify(l));
  // The kill cut the third sample's line, and the result's write left its temporary file.
  await writeFile(journal, `${lines.join('\n')}\n{"caseId":"quic-h3","sam`, { mode: 0o600 });
  await writeFile(join(dir, `.${runId}.json.0123456789ab.tmp`), '{"half');
  const recovered = await recoverJournals([dir], '`lab down`');
  t.same(recovered, [{ journal, resultPath: join(dir, `${runId}.json`), samples: 2 }]);
  t.same(await readdir(dir), [`${runId}.json`], 'the journal and the temporary file are gone');
  const document = await readResult(join(dir, `${runId}.json`));
  t.equal(document.status, 'aborted');
  t.equal(
    document.errors[0],
    `the harness (pid ${pid}) ended without writing its result (killed or crashed); \`lab down\` recovered its 2 completed samples from its journal, without the wire and derived metrics (computed at a run's end)`,
  );
  t.same(
    document.cases[0]?.samples.map((s) => s.metrics.handshakeMs),
    [2, 4],
  );
  t.equal(document.cases[0]?.summary.handshakeMs?.median, 3);
  t.same(Object.keys(document.cases[0]?.timingSources ?? {}), ['handshakeMs']);
  t.same(
    document.metrics.map((m) => m.name),
    ['handshakeMs'],
  );
  t.same(await recoverJournals([dir], 'test'), [], 'done once');
});

t.test('a journal whose result was written is only removed; a live run is left alone', async (t) => {
  useRunDir(t);
  const dir = await resultsDir();
  const runId = sampleResultDocument().runId;
  const dead = join(dir, `${runId}.pid${deadPid()}.journal`);
  await writeFile(dead, JSON.stringify({ head: head() }) + '\n');
  await writeFile(join(dir, `${runId}.json`), 'the result');
  // The parent of this test runs, and started before the journal's run.
  const live = join(dir, `other.pid${process.ppid}.journal`);
  await writeFile(live, JSON.stringify({ head: { ...head(), document: { ...head().document, startedAt: new Date().toISOString() } } }) + '\n');
  t.same(await recoverJournals([dir], 'test'), []);
  t.same((await readdir(dir)).sort(), [`${runId}.json`, `other.pid${process.ppid}.journal`]);
  t.equal(await readFile(join(dir, `${runId}.json`), 'utf8'), 'the result', 'untouched');
});
