// The link emulator built with gcc's AddressSanitizer and UndefinedBehaviorSanitizer
// (`make -C native/link-emulator sanitize`): the fuzz corpus replayed through the
// configuration parser and the packet path (NAT rewriting), and the emulator itself loading a
// config and failing cleanly, all without a sanitizer report. Needs no lab: no namespace is
// created (the emulator stops at opening its first namespace).
import t from 'tap';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EMULATOR_SOURCE_DIR } from '../../harness/lab/emulator-process.js';

const run = promisify(execFile);
const ASAN_DIR = join(EMULATOR_SOURCE_DIR, 'build', 'asan');
const SANITIZER_REPORT = /AddressSanitizer|LeakSanitizer|runtime error:/;

/** Runs a sanitizer build; its exit code and output whether it failed or not. */
async function runBuilt(binary: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(join(ASAN_DIR, binary), args, { timeout: 60_000, maxBuffer: 16 << 20 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

await run('make', ['-s', '-C', EMULATOR_SOURCE_DIR, 'sanitize'], { timeout: 120_000 });

t.test('the fuzz corpus replays under ASan and UBSan', async (t) => {
  for (const target of ['config', 'packet']) {
    const corpus = join(EMULATOR_SOURCE_DIR, 'fuzz', 'corpus', target);
    const files = (await readdir(corpus)).map((name) => join(corpus, name));
    t.ok(files.length >= 5, `${target}: a corpus to replay`);
    const result = await runBuilt(`replay-${target}`, files);
    t.equal(result.code, 0, `${target}: exit 0 (${result.stderr.slice(0, 500)})`);
    t.equal(result.stdout.trim(), `replayed ${files.length} inputs`);
    t.notMatch(result.stderr, SANITIZER_REPORT, `${target}: no sanitizer report`);
  }
});

t.test('the emulator under ASan and UBSan: a config is loaded, a bad one refused, both end cleanly', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'qlab-asan-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const config = join(dir, 'link.conf');
  const args = ['--client-netns', join(dir, 'no-such-netns-c'), '--client-dev', 'qlabasan0', '--server-netns', join(dir, 'no-such-netns-s'), '--server-dev', 'qlabasan1', '--config', config, '--pool-packets', '1024'];

  await writeFile(config, 'seed=7\nup.delay_us=15000\ndown.rate_bps=10000000\ndown.queue_bytes=64000\nup.ge_p=0.01\nup.ge_r=0.3\noutage=1000,100\nrebind=500,port\nrebind_address=198.18.0.5\n');
  const good = await runBuilt('link-emulator', args);
  // The config and the pool are set up; opening the first namespace fails (the namespace does not exist).
  t.equal(good.code, 1, 'stops at the missing namespace');
  t.match(good.stdout + good.stderr, /open namespace .*no-such-netns-c: No such file/);
  t.notMatch(good.stderr, SANITIZER_REPORT, 'no sanitizer report');

  await writeFile(config, 'seed=7\nup.loss=1.5\n');
  const bad = await runBuilt('link-emulator', args);
  t.equal(bad.code, 2, 'a bad config is a usage error');
  t.match(bad.stdout + bad.stderr, /link\.conf:2: bad value for loss: '1\.5'/);
  t.notMatch(bad.stderr, SANITIZER_REPORT, 'no sanitizer report');
});
