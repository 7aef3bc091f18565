// The HTML report of a real run (throughput on loopback: real endpoints, real certificates):
// written next to the result JSON with the Markdown one, self-contained, and opened in Debian's
// headless Chromium with no network at all, where every chart is there.
import t from 'tap';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromiumPath, dumpDom, screenshot } from '../../harness/endpoints/chromium/headless.js';
import { reportPathsFor } from '../../harness/results/write.js';
import { runScenarioCli } from '../fixtures/run-scenario.js';

const noChromium = await chromiumPath().then(
  () => null,
  (error: Error) => error.message,
);

t.test('a real run writes an HTML report that opens offline with its charts', async (t) => {
  const { run, document, resultPath } = await runScenarioCli(t, ['throughput', '--link', 'loopback', '--sizes', '100KB', '--samples', '3', '--warmup', '0', '--no-capture'], 120_000);
  const paths = reportPathsFor(resultPath);
  t.match(run.stdout, `reports: ${paths.html}, ${paths.md}`);
  const html = await readFile(paths.html, 'utf8');
  const markdown = await readFile(paths.md, 'utf8');
  t.match(markdown, /^# throughput: QUIC vs TCP\+TLS 1\.3\n/);
  t.match(markdown, /\| loopback \| 100KB \| quic-h3-100KB vs tcp-tls-h2-100KB \| goodputBitsPerSecond \|/);

  t.match(html, /^<!doctype html>/);
  t.match(html, `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`);
  t.notMatch(html, /<script|<link|<img|@import|url\((?!#)/, 'nothing that could fetch');
  t.same(html.match(/(?:src|href)="[^"#][^"]*"/g) ?? [], [], 'no external references');
  const metricsWithSamples = document.headline.filter((name) => document.cases.some((c) => c.samples.some((s) => s.metrics[name] !== undefined)));
  const heatmaps = metricsWithSamples.filter((name) => document.metrics.find((m) => m.name === name)?.better !== 'neither').length;
  const expectedCharts = heatmaps + 2 * metricsWithSamples.length + 1; // heatmaps, box + CDF per metric, one bytes-over-time
  t.equal((html.match(/<svg/g) ?? []).length, expectedCharts, `${expectedCharts} charts`);
  t.match(html, /100KB on loopback: body bytes over time/);

  if (noChromium) {
    t.comment(`skipped: opening it in Chromium: ${noChromium}`);
    return;
  }
  const dom = await dumpDom(paths.html);
  t.equal((dom.match(/<svg/g) ?? []).length, expectedCharts, 'Chromium, offline, has every chart');
  t.match(dom, /QUIC vs TCP\+TLS/);
  const dir = await mkdtemp(join(tmpdir(), 'qlab-html-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const shot = await screenshot(paths.html, join(dir, 'report.png'), { widthPx: 1280, heightPx: 2000 });
  t.same([shot.widthPx, shot.heightPx], [1280, 2000]);
  t.ok(shot.bytes > 50_000, `a screenshot with content (${shot.bytes} bytes)`);
});
