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

/** Runs the CLI, reads nothing until it has exited or READER_ASLEEP_MS passed, then reads it all in small slow steps. */
async function slowlyRead(entry: string[], args: string[]): Promise<{ stdout: Buffer; code: number | null; exitedWhileAsleep: boolean }> {
  const child = spawn(process.execPath, [...entry, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] });
  const exited = once(child, 'exit') as Promise<[number | null]>;
  const stdout = child.stdout;
  stdout.pause();
  const exitedWhileAsleep = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), READER_ASLEEP_MS))]);
  const chunks: Buffer[] = [];
  for await (const chunk of stdout) {
    chunks.push(chunk as Buffer);
    await new Promise((r) => setTimeout(r, 1));
  }
  const [code] = await exited;
  return { stdout: Buffer.concat(chunks), code, exitedWhileAsleep };
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
      t.equal(run.exitedWhileAsleep, false, `${name}: still waiting for its reader`);
      t.equal(run.stdout.length, whole.length, `${name}: every byte`);
      t.ok(run.stdout.equals(whole), `${name}: the same bytes as --out`);
    }),
  );
});
