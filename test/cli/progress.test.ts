// Progress lines: the run's count and time left before the sample in hand.
import t from 'tap';
import { formatDuration, overallText, progressReporter, progressText } from '../../harness/cli/progress.js';

const sample = { kind: 'sample' as const, caseId: 'quic-h3', index: 2, samples: 10, warmup: false, status: 'ok' as const, done: 37, total: 120, elapsedMs: 55_500 };

t.test('durations read as seconds, minutes and seconds, hours and minutes', async (t) => {
  t.same([0, 400, 45_000, 59_600, 130_000, 3_600_000, 3_900_000].map(formatDuration), ['0s', '0s', '45s', '1m00s', '2m10s', '1h00m', '1h05m']);
});

t.test('the overall count and the time left at the pace so far', async (t) => {
  // 37 samples in 55.5 s: 1.5 s each, 83 left: 124.5 s.
  t.equal(overallText(37, 120, 55_500), '[37/120, ~2m05s left] ');
  t.equal(overallText(37, 120, undefined), '[37/120] ');
  t.equal(overallText(120, 120, 180_000), '[120/120] ', 'nothing left to estimate');
  t.equal(overallText(undefined, 120, 1000), '');
});

t.test('a sample line, with and without the run counts', async (t) => {
  t.equal(progressText({ ...sample, done: 37, total: 120, elapsedMs: 55_500 }), '[37/120, ~2m05s left] sample 3/10 quic-h3 ok');
  t.equal(progressText({ ...sample, warmup: true, index: 0, samples: 1, status: 'failed', error: 'timed out', done: 1, total: 120, elapsedMs: 900 }), '[1/120, ~1m47s left] warm-up 1/1 quic-h3 failed: timed out');
  t.equal(progressText({ kind: 'setup', message: 'starting the lab' }), 'starting the lab');
});

t.test('only on a terminal, each line over the last', async (t) => {
  const written: string[] = [];
  const terminal = { isTTY: true, write: (text: string) => written.push(text) } as unknown as NodeJS.WriteStream;
  const report = progressReporter(terminal);
  report?.({ ...sample, done: 3, total: 4, elapsedMs: 3000 });
  report?.({ kind: 'setup', message: 'done' });
  const first = '[3/4, ~1s left] sample 3/10 quic-h3 ok';
  t.same(written, [`\r${first}`, `\r${'done'.padEnd(first.length)}`], 'the shorter line covers the longer one');
  t.equal(progressReporter({ isTTY: false } as NodeJS.WriteStream), undefined);
});
