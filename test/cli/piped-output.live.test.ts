// Output larger than a pipe holds (64 KiB) arrives whole when the reader is slow: the CLI waits
// for stdout to drain before it exits (it used to exit with the rest still queued, exit 0).
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
const RESULT = join(ROOT, 'test/fixtures/results/handshake-v1.json');
/** Longer than the CLI takes to render the report, so a CLI that does not wait has exited by then. */
const READER_ASLEEP_MS = 3000;

/**
 * Runs the CLI into a real pipe (64 KiB, as a shell's `|` gives) whose reader sleeps first and
 * then reads it all; returns what came through and the CLI's exit code. (A Node parent's own
 * stdio is a socket pair with room for the whole report, and Node discards a paused child's
 * output once the child exits: neither is what a user's pipe does.)
 */
async function slowlyRead(entry: string[], args: string[]): Promise<{ stdout: Buffer; code: number | null }> {
  const quoted = [process.execPath, ...entry, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const script = `${quoted} | { sleep ${READER_ASLEEP_MS / 1000}; cat; }; echo "cli-exit=\${PIPESTATUS[0]}" >&2`;
  const child = spawn('bash', ['-c', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await once(child, 'close');
  const code = /cli-exit=(\d+)/.exec(stderr)?.[1];
  return { stdout: Buffer.concat(chunks), code: code === undefined ? null : Number(code) };
}

t.test('a report bigger than a pipe arrives whole through a slow reader, exit 0', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'qlab-piped-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const expected = join(dir, 'report.html');
  const written = spawnSync(process.execPath, ['bin/quic-lab.mjs', 'report', RESULT, '--out', expected], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  t.equal(written.status, 0, written.stderr);
  const whole = await readFile(expected);
  t.ok(whole.length > 64 * 1024, `the report (${whole.length} bytes) is bigger than a pipe holds`);
  const entries: Record<string, string[]> = { 'bin/quic-lab.mjs (npm run report)': ['bin/quic-lab.mjs'], 'harness/cli.ts (tsx)': ['--import', 'tsx', 'harness/cli.ts'] };
  await Promise.all(
    Object.entries(entries).map(async ([name, entry]) => {
      const run = await slowlyRead(entry, ['report', RESULT, '--format', 'html']);
      t.equal(run.code, 0, `${name}: exit code`);
      t.equal(run.stdout.length, whole.length, `${name}: every byte`);
      t.ok(run.stdout.equals(whole), `${name}: the same bytes as --out`);
    }),
  );
});
