// A real `campaign schedule` process (test/fixtures/scheduler-main.ts: every second, a job that
// sleeps) stopped by SIGTERM while its job runs: the job is aborted and awaited, the process exits
// 0, and the log file holds the begin, start, end and stop records.
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectPath } from '../../harness/project-root.js';

t.test('SIGTERM during a run: job aborted and awaited, exit 0, every event logged', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'scheduler-process-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const logFile = join(dir, 'schedule.jsonl');
  const child = spawn(process.execPath, ['--import', 'tsx', projectPath('test/fixtures/scheduler-main.ts'), logFile], { cwd: projectPath(), stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => void child.kill('SIGKILL'));
  let stderr = '';
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  await new Promise<void>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`no job start within 10 s: ${stderr}`)), 10_000);
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      if (stderr.includes('job: running')) {
        clearTimeout(timer);
        done();
      }
    });
  });
  child.kill('SIGTERM');
  t.equal(await exited, 0, 'exit 0');
  const lines = stderr.trimEnd().split('\n');
  t.match(lines[0], /^schedule: \S+scheduler-main\.ts, every 1s, jitter up to 0 s; next starts \(before jitter\): \S+Z, \S+Z, \S+Z$/);
  t.match(stderr, /\nschedule: \S+Z start: slot \S+Z, jitter 0\.0 s\njob: running \S+scheduler-main\.ts \(quic-lab-scheduler, every 1s\)\n/);
  t.match(stderr, /\njob: aborted\nschedule: \S+Z end: slot \S+Z, started \S+Z, took \d+\.\d s, exit code 1\nschedule: \S+Z stopped: interrupted by SIGTERM\n$/);
  const records = (await readFile(logFile, 'utf8'))
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as { event: string; exitCode?: number; reason?: string });
  t.same(
    records.map((record) => record.event),
    ['begin', 'start', 'end', 'stop'],
  );
  t.match(records[2], { event: 'end', exitCode: 1 });
  t.match(records[3], { event: 'stop', reason: 'interrupted by SIGTERM' });
});
