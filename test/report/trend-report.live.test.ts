// The trend report of a real history (copies of a recorded handshake run, a step in one
// series, each run's own HTML report beside it), written by the history command with its change
// detection, then opened in Debian's headless Chromium with no network at all: every chart is
// there and nothing is fetched.
import t from 'tap';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromiumPath, dumpDom, screenshot } from '../../harness/endpoints/chromium/headless.js';
import { historyCommand } from '../../harness/cli/history-command.js';
import { readResult } from '../../harness/results/read.js';
import { writeReportsBeside } from '../../harness/report/write-reports.js';
import { findScenario } from '../../scenarios/index.js';
import { writeRunCopies } from '../fixtures/history-runs.js';

const noChromium = await chromiumPath().then(
  () => null,
  (error: Error) => error.message,
);

t.test('the trend report opens offline in Chromium with every chart, change point and threshold', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'qlab-trends-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  // Twelve runs, handshakeMs 1.5x from the seventh: five runs each side are what a change needs.
  const copies = Array.from({ length: 12 }, (_, i) => ({
    file: `handshake-${i}.json`,
    runId: `handshake-${i}`,
    startedAt: `2026-12-${String(i + 1).padStart(2, '0')}T06:00:00.000Z`,
    scale: { metric: 'handshakeMs', factor: i < 6 ? 1 : 1.5 },
  }));
  const paths = await writeRunCopies(dir, copies);
  for (const path of paths.slice(0, 2)) await writeReportsBeside(await readResult(path, findScenario), [path]);

  const db = join(dir, 'history.sqlite');
  const out = join(dir, 'trends', 'trends.html');
  const command = historyCommand();
  command.exitOverride();
  await command.parseAsync(['ingest', dir, '--db', db], { from: 'user' });
  await command.parseAsync(['report', '--db', db, '--out', out], { from: 'user' });

  const html = await readFile(out, 'utf8');
  t.match(html, `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`);
  t.notMatch(html, /<script|<link|<img|@import|url\((?!#)/, 'nothing that could fetch');
  t.same(html.match(/\ssrc="[^"]*"/g) ?? [], [], 'no src attribute');
  const links = [...new Set([...html.matchAll(/(?:xlink:)?href="([^"#][^"]*)"/g)].map((m) => m[1]))].sort();
  t.same(links, ['../handshake-0.html', '../handshake-1.html', ...copies.slice(2).map((c) => `../${c.runId}.json`)].sort(), 'only relative links to the runs: their HTML report, else their JSON');
  t.equal((html.match(/<svg/g) ?? []).length, 88, 'a chart per series');
  t.equal((html.match(/<tr class="regression">/g) ?? []).length, 5, 'the five handshakeMs series changed');
  t.match(html, '<a href="#s-cf6d136e5f307490">');
  t.match(html, '(+50.0%)</text>');

  if (noChromium) {
    t.comment(`skipped: opening it in Chromium: ${noChromium}`);
    return;
  }
  const dom = await dumpDom(out);
  t.equal((dom.match(/<svg/g) ?? []).length, 88, 'Chromium, offline, has every chart');
  t.match(dom, /What changed/);
  t.equal((dom.match(/<a xlink:href=/g) ?? []).length, 88 * copies.length, 'every point a link');
  const shot = await screenshot(out, join(dir, 'trends.png'), { widthPx: 1280, heightPx: 1600 });
  t.same([shot.widthPx, shot.heightPx], [1280, 1600]);
  t.ok(shot.bytes > 50_000, `a screenshot with content (${shot.bytes} bytes)`);
  if (process.env.QUIC_LAB_KEEP_SCREENSHOT) await copyFile(join(dir, 'trends.png'), process.env.QUIC_LAB_KEEP_SCREENSHOT);
});
