// The trend report of a real history (copies of a recorded handshake run, a step in one
// series, each run's own HTML report beside it), written by the history command with an
// analysis and a threshold handed in as the integrator will, then opened in Debian's headless
// Chromium with no network at all: every chart is there and nothing is fetched.
import t from 'tap';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromiumPath, dumpDom, screenshot } from '../../harness/endpoints/chromium/headless.js';
import { historyCommand } from '../../harness/cli/history-command.js';
import type { SeriesAnalysis } from '../../harness/history/types.js';
import { readResult } from '../../harness/results/read.js';
import { writeReportsBeside } from '../../harness/report/write-reports.js';
import { findScenario } from '../../scenarios/index.js';
import { writeRunCopies } from '../fixtures/history-runs.js';

const noChromium = await chromiumPath().then(
  () => null,
  (error: Error) => error.message,
);

const STEP_SERIES = 'cf6d136e5f307490'; // tcp-tls-h2-resumed handshakeMs

t.test('the trend report opens offline in Chromium with every chart, change point and threshold', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'qlab-trends-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const copies = Array.from({ length: 6 }, (_, i) => ({
    file: `handshake-${i}.json`,
    runId: `handshake-${i}`,
    startedAt: `2026-12-0${i + 1}T06:00:00.000Z`,
    scale: { metric: 'handshakeMs', factor: i < 3 ? 1 : 1.5 },
  }));
  const paths = await writeRunCopies(dir, copies);
  for (const path of paths.slice(0, 2)) await writeReportsBeside(await readResult(path, findScenario), [path]);

  const db = join(dir, 'history.sqlite');
  const out = join(dir, 'trends', 'trends.html');
  // Test data standing in for change detection: every series that stepped by 1.5x at the fourth run (the five handshakeMs series) has a change there.
  const command = historyCommand({
    analyze: (points): SeriesAnalysis => {
      const [first, , , fourth] = points;
      const stepped = first !== undefined && fourth !== undefined && first.median > 0 && Math.abs(fourth.median / first.median - 1.5) < 1e-9;
      const changePoints = stepped ? [{ index: 3, runId: fourth.runId, startedAt: fourth.startedAt, meanBefore: first.median, meanAfter: fourth.median, relativeChange: 0.5, pValue: 0.0001, kind: 'regression' as const }] : [];
      return { changePoints, newest: null, stoppage: null };
    },
    thresholds: () => [{ seriesId: STEP_SERIES, metric: 'handshakeMs', op: '<', value: 8, label: 'budget' }],
  });
  command.exitOverride();
  await command.parseAsync(['ingest', dir, '--db', db], { from: 'user' });
  await command.parseAsync(['report', '--db', db, '--out', out], { from: 'user' });

  const html = await readFile(out, 'utf8');
  t.match(html, `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`);
  t.notMatch(html, /<script|<link|<img|@import|url\((?!#)/, 'nothing that could fetch');
  t.same(html.match(/\ssrc="[^"]*"/g) ?? [], [], 'no src attribute');
  const links = [...new Set([...html.matchAll(/(?:xlink:)?href="([^"#][^"]*)"/g)].map((m) => m[1]))].sort();
  t.same(
    links,
    ['../handshake-0.html', '../handshake-1.html', '../handshake-2.json', '../handshake-3.json', '../handshake-4.json', '../handshake-5.json'],
    'only relative links to the runs: their HTML report, else their JSON',
  );
  t.equal((html.match(/<svg/g) ?? []).length, 88, 'a chart per series');
  t.equal((html.match(/<tr class="regression">/g) ?? []).length, 5, 'the five handshakeMs series changed');
  t.match(html, '<a href="#s-cf6d136e5f307490">');
  t.match(html, '(+50.0%)</text>');
  t.match(html, '>budget (&lt; 8.00 ms)</text>');

  if (noChromium) {
    t.comment(`skipped: opening it in Chromium: ${noChromium}`);
    return;
  }
  const dom = await dumpDom(out);
  t.equal((dom.match(/<svg/g) ?? []).length, 88, 'Chromium, offline, has every chart');
  t.match(dom, /What changed/);
  t.equal((dom.match(/<a xlink:href=/g) ?? []).length, 88 * 6, 'every point a link');
  const shot = await screenshot(out, join(dir, 'trends.png'), { widthPx: 1280, heightPx: 1600 });
  t.same([shot.widthPx, shot.heightPx], [1280, 1600]);
  t.ok(shot.bytes > 50_000, `a screenshot with content (${shot.bytes} bytes)`);
  if (process.env.QUIC_LAB_KEEP_SCREENSHOT) await copyFile(join(dir, 'trends.png'), process.env.QUIC_LAB_KEEP_SCREENSHOT);
});
