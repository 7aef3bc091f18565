// Ctrl-C (SIGINT) and SIGTERM during a run on the lab: the run ends after the current
// sample, writes its result as "aborted", and removes every namespace and process it made.
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readResult } from '../../harness/results/read.js';

const ROOT = resolve(import.meta.dirname, '../..');

function leftovers(): string[] {
  const ps = spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout.split('\n');
  const netns = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\n');
  return [...ps.filter((l) => /gtlsserver|gtlsclient|link-emulator --client|client-worker-main|https-server-main|tcpdump|tshark/.test(l)), ...netns.filter((l) => /^qlab-\d/.test(l))];
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  t.test(`${signal} during a lab run`, async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'qlab-interrupt-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'harness/cli.ts'), 'scenario', 'handshake', '--variants', 'tcp-tls-h2,quic-h3', '--rtt', '40ms', '--samples', '1000', '--warmup', '0', '--results-dir', dir],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    // Wait until samples are being taken (a gtlsclient has run: lab, calibration, servers and
    // capture are up), bounded, then long enough for both cases to have samples.
    const deadline = Date.now() + 45_000;
    const sampling = (): boolean => spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout.includes('gtlsclient');
    while (Date.now() < deadline && !sampling()) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 3000));
    child.kill(signal);
    const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 20_000))]);
    if (code === 'hung') child.kill('SIGKILL');
    t.equal(code, 130, 'exit code 130');
    const files = (await readdir(dir)).filter((f) => f.endsWith('.json'));
    t.equal(files.length, 1, 'the result is written');
    const document = await readResult(join(dir, files[0] as string));
    t.equal(document.status, 'aborted');
    t.match(document.errors[0], new RegExp(`interrupted by ${signal}`));
    t.ok(
      document.cases.every((c) => c.samples.length > 0 && c.samples.length < 1000),
      'samples taken so far are kept',
    );
    t.match(stdout, /status aborted/);
    t.same(leftovers(), [], 'no namespace or process left');
    const captures = (await readdir(tmpdir())).filter((f) => f.startsWith('quic-lab-capture-') || f.startsWith('quic-lab-gtlsclient-'));
    t.same(captures, [], 'no capture, key log or client state left in the temporary directory');
  });
}
