// npm run history -- ingest | series | report, in this process: the summary line, skipped
// files on stderr, exit 2 only when nothing could be read, and the readers' refusals.
import t from 'tap';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../fixtures/run-cli.js';
import { writeRunCopies } from '../fixtures/history-runs.js';

const dir = await mkdtemp(join(tmpdir(), 'qlab-history-cli-'));
t.teardown(() => rm(dir, { recursive: true, force: true }));
const db = join(dir, 'history.sqlite');

t.test('ingest: what it did on stdout, each skipped file on stderr', async (t) => {
  await writeRunCopies(dir, [
    { file: 'r1.json', runId: 'handshake-1', startedAt: '2026-12-01T00:00:00.000Z' },
    { file: 'r2.json', runId: 'handshake-2', startedAt: '2026-12-01T06:00:00.000Z' },
  ]);
  await writeFile(join(dir, 'broken.json'), '[');
  const first = await runCli(['history', 'ingest', dir, '--db', db]);
  t.same(first, {
    code: 0,
    stdout: `${db}: runs 2 added, 0 replaced, 0 unchanged, 1 skipped; the index holds 2 runs, 88 series, 176 points\n`,
    stderr: `skipped ${join(dir, 'broken.json')}: not JSON (truncated or not a result file)\n`,
  });
  const again = await runCli(['history', 'ingest', dir, '--db', db]);
  t.equal(again.stdout, `${db}: runs 0 added, 0 replaced, 2 unchanged, 1 skipped; the index holds 2 runs, 88 series, 176 points\n`);
});

t.test('ingest: exit 2 when no file could be read', async (t) => {
  const empty = await mkdtemp(join(tmpdir(), 'qlab-history-empty-'));
  t.teardown(() => rm(empty, { recursive: true, force: true }));
  await writeFile(join(empty, 'x.json'), '{}');
  const run = await runCli(['history', 'ingest', empty, '--db', join(empty, 'h.sqlite')]);
  t.equal(run.code, 2);
  t.match(run.stderr, `skipped ${join(empty, 'x.json')}: not a QUIC lab result (no schemaVersion)\nerror: no result file could be read from ${empty}\n`);
});

t.test('series: one line each, or JSON', async (t) => {
  const lines = await runCli(['history', 'series', '--db', db]);
  t.equal(lines.code, 0);
  t.equal(lines.stdout.split('\n').length - 1, 88);
  t.match(lines.stdout, 'cf6d136e5f307490  2 points  handshake tcp-tls-h2-resumed loopback bodyBytes=1000,session=resumed undici@7.30.2/node@20.20.2 vm handshakeMs (ms, lower)\n');
  t.equal(lines.stderr, '88 series\n');
  const json = await runCli(['history', 'series', '--db', db, '--json']);
  const list = JSON.parse(json.stdout) as Array<{ seriesId: string; pointCount: number }>;
  t.same(
    list.filter((s) => s.seriesId === 'cf6d136e5f307490').map((s) => s.pointCount),
    [2],
  );
});

t.test('report: written', async (t) => {
  const out = join(dir, 'trends.html');
  const run = await runCli(['history', 'report', '--db', db, '--out', out]);
  t.same(run, { code: 0, stdout: '', stderr: `wrote ${out}: 88 series\n` });
  const html = await readFile(out, 'utf8');
  t.equal((html.match(/<svg/g) ?? []).length, 88);
  t.match(html, '<a xlink:href="r1.json">');
});

t.test('readers refuse a missing index with exit 2', async (t) => {
  const missing = join(dir, 'missing.sqlite');
  const run = await runCli(['history', 'report', '--db', missing, '--out', join(dir, 'x.html')]);
  t.same(run, { code: 2, stdout: '', stderr: `error: ${missing}: no history index (build it: npm run history -- ingest results/)\n` });
});
