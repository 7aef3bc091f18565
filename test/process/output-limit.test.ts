// A command's output is kept up to a limit: a chatty program (tshark on a gigabyte capture)
// cannot exhaust the harness's memory or V8's string limit, and the caller learns how much
// was dropped.
import t from 'tap';
import { runCommand } from '../../harness/process/managed-process.js';

t.test('output past the limit is dropped and counted; the head is kept', async (t) => {
  const run = await runCommand({ name: 'printer', command: 'bash', args: ['-c', 'printf "head%.0s" 1; head -c 99996 /dev/zero | tr "\\0" a'], timeoutMs: 10_000, outputLimitChars: 1000 });
  t.equal(run.code, 0);
  t.equal(run.stdout.length, 1000);
  t.ok(run.stdout.startsWith('headaaa'));
  t.equal(run.droppedOutputChars, 99_000);
});

t.test('output within the limit is whole and nothing is said dropped', async (t) => {
  const run = await runCommand({ name: 'printer', command: 'bash', args: ['-c', 'echo hello; echo oops >&2'], timeoutMs: 10_000, outputLimitChars: 1000 });
  t.equal(run.stdout, 'hello\n');
  t.equal(run.stderr, 'oops\n');
  t.equal(run.droppedOutputChars, undefined);
});

t.test('stdout as lines: every line, split across chunks or not, the last one without a newline too, and nothing held', async (t) => {
  const lines: string[] = [];
  const run = await runCommand({
    name: 'lines',
    command: 'bash',
    args: ['-c', 'for i in $(seq 1 20000); do echo "line $i"; done; printf tail'],
    timeoutMs: 10_000,
    outputLimitChars: 10,
    onStdoutLine: (line) => lines.push(line),
  });
  t.equal(run.code, 0);
  t.equal(run.stdout, '');
  t.equal(run.droppedOutputChars, undefined, 'the limit is for held output');
  t.equal(lines.length, 20_001);
  t.equal(lines[0], 'line 1');
  t.equal(lines[19_999], 'line 20000');
  t.equal(lines[20_000], 'tail');
});
