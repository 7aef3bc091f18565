import t from 'tap';
import { processesNaming, tempEntries } from '../fixtures/leftovers.js';
import { mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM_DIR_PREFIX, chromiumPath, chromiumVersion, dumpDom, offlineChromiumCommand, screenshot } from '../../harness/endpoints/chromium/headless.js';
import { labUser } from '../../harness/process/unprivileged.js';

const missing = await chromiumPath().then(
  () => null,
  (error: Error) => error.message,
);

function runDirs(): Promise<string[]> {
  return tempEntries(CHROMIUM_DIR_PREFIX);
}
function runProcesses(): Promise<string[]> {
  return processesNaming(CHROMIUM_DIR_PREFIX);
}

const SVG_PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>chart</title></head>
<body style="margin:0"><svg xmlns="http://www.w3.org/2000/svg" width="200" height="100"><rect id="bar" width="120" height="40" fill="steelblue"/><text x="10" y="80">handshake (ms)</text></svg></body></html>
`;

// Images from an address that routes nowhere and from a server of the test's on the host's
// loopback, and a script that reports how its fetch ended.
const networkPage = (port: number): string => `<!doctype html>
<html><body><img src="http://198.18.0.1/x.png"><img src="http://127.0.0.1:${port}/local.png"><p id="fetch">pending</p>
<script>fetch('http://198.18.0.1/data.json').then(() => { document.getElementById('fetch').textContent = 'fetched'; }, (error) => { document.getElementById('fetch').textContent = 'failed: ' + error.name; });</script>
</body></html>
`;

t.test('headless chromium, offline', { skip: missing ? `${missing}` : false }, async (t) => {
  const before = await runDirs();
  const dir = await mkdtemp(join(tmpdir(), 'quic-lab-report-test-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const svgPage = join(dir, 'svg.html');
  const networkHtml = join(dir, 'network.html');
  await writeFile(svgPage, SVG_PAGE);
  const requests: string[] = [];
  const server = createServer((request, response) => {
    requests.push(request.url ?? '');
    response.end();
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  t.teardown(() => new Promise<void>((closed) => server.close(() => closed())));
  await writeFile(networkHtml, networkPage((server.address() as AddressInfo).port));

  t.test('version', async (t) => {
    const version = await chromiumVersion();
    t.comment(version);
    t.match(version, /^Chromium \d+\.\d+\.\d+\.\d+/);
  });

  t.test('dumpDom: the inline SVG is in the DOM', async (t) => {
    const started = performance.now();
    const dom = await dumpDom(svgPage);
    t.comment(`dumpDom: ${(performance.now() - started).toFixed(0)} ms`);
    t.match(dom, /<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="200" height="100"><rect id="bar" width="120" height="40" fill="steelblue"><\/rect>/);
    t.match(dom, /<text x="10" y="80">handshake \(ms\)<\/text>/);
  });

  t.test('screenshot: a PNG of the window size asked for', async (t) => {
    const started = performance.now();
    const png = join(dir, 'svg.png');
    const shot = await screenshot(svgPage, png, { widthPx: 320, heightPx: 240 });
    t.comment(`screenshot: ${(performance.now() - started).toFixed(0)} ms, ${shot.bytes} bytes`);
    t.equal(shot.widthPx, 320);
    t.equal(shot.heightPx, 240);
    t.equal(shot.bytes, (await readFile(png)).length);
  });

  t.test('no network: a remote image and a fetch fail at once, the page still loads', async (t) => {
    const started = performance.now();
    const dom = await dumpDom(networkHtml, { timeoutMs: 10_000, virtualTimeBudgetMs: 2000 });
    const elapsedMs = performance.now() - started;
    t.comment(`dumpDom with remote resources: ${elapsedMs.toFixed(0)} ms`);
    t.match(dom, /<img src="http:\/\/198\.18\.0\.1\/x\.png"><img src="http:\/\/127\.0\.0\.1:\d+\/local\.png">/);
    t.match(dom, /<p id="fetch">failed: TypeError<\/p>/);
    t.same(requests, [], 'the server on the host loopback saw no request');
    t.ok(elapsedMs < 5000, 'no waiting for the network');
  });

  t.test('errors: a missing file, a run out of time', async (t) => {
    await t.rejects(dumpDom(join(dir, 'absent.html')), /chromium: no such file: .*absent\.html/);
    await t.rejects(dumpDom(svgPage, { timeoutMs: 200 }), /chromium: dump-dom .*svg\.html did not finish within 200 ms/);
  });

  t.test('nothing left behind', async (t) => {
    t.same(await runProcesses(), [], 'no chromium process of ours');
    t.same(await runDirs(), before, `no ${CHROMIUM_DIR_PREFIX}* directory in ${tmpdir()}`);
  });
});

t.test('started by root, the report check runs as the lab user with Chromium’s sandbox on', { skip: missing ? `${missing}` : process.getuid?.() !== 0 ? 'not root: nothing to drop' : false }, async (t) => {
  const user = await labUser();
  const line = offlineChromiumCommand('/usr/bin/chromium', '/tmp/d', ['--dump-dom', 'file:///tmp/d/page.html'], user);
  t.equal(line.command, 'unshare');
  t.same(line.args.slice(0, 3), ['--net', 'setpriv', `--reuid=${user.uid}`], 'the network namespace first, then the drop');
  t.notOk(line.args.includes('--no-sandbox'), 'the sandbox stays on');

  const dir = await mkdtemp(join(tmpdir(), 'qlab-sandbox-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const page = join(dir, 'busy.html');
  await writeFile(page, '<p id="done">done</p><script>const t0 = Date.now(); while (Date.now() - t0 < 2500);</script>');
  const myUserNs = await readlink('/proc/self/ns/user');
  const seenByPid = new Map<string, { uid: string; seccomp: string; userNs: string }>();
  const dom = dumpDom(page);
  // While the page's script runs, the renderers started for it are in the process table. A
  // renderer turns its seccomp filter on a moment after it starts (later on a busy machine): each
  // is read again until every one seen has it, or the page is done.
  const settled = () => seenByPid.size > 0 && [...seenByPid.values()].every((r) => r.seccomp === '2');
  for (let i = 0; i < 20 && !settled(); i++) {
    await sleep(150);
    for (const pid of await readdir('/proc').catch(() => [])) {
      if (!/^\d+$/.test(pid)) continue;
      const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
      if (!cmdline.includes('--type=renderer') || !cmdline.includes(CHROMIUM_DIR_PREFIX)) continue;
      const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
      if (status === '') continue;
      seenByPid.set(pid, { uid: /^Uid:\s+(\d+)/m.exec(status)?.[1] ?? '', seccomp: /^Seccomp:\s+(\d+)/m.exec(status)?.[1] ?? '', userNs: await readlink(`/proc/${pid}/ns/user`).catch(() => '') });
    }
  }
  const seen = [...seenByPid.values()];
  t.match(await dom, /<p id="done">done<\/p>/);
  t.ok(seen.length > 0, 'a renderer was seen');
  for (const r of seen) {
    t.equal(r.uid, String(user.uid), 'the renderer runs as the lab user');
    t.equal(r.seccomp, '2', 'under a seccomp filter');
    t.not(r.userNs, myUserNs, 'in a user namespace of its own (the namespace sandbox)');
  }
});
