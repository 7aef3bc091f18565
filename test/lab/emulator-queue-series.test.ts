// The emulator's `record series` replies: validated page by page and joined into one series;
// a page overwritten in the ring before it was fetched counts as dropped samples.
import t from 'tap';
import { joinQueueSeriesPages, moreQueueSeriesPages, queueSeriesPageSchema, type QueueSeriesPage } from '../../harness/lab/emulator-queue-series.js';

/** A reply line as the emulator prints it (emit_series), for samples first..next-1 of `total`. */
function line(first: number, next: number, total: number, options: { dropped?: number; recording?: boolean } = {}): string {
  const idx = Array.from({ length: next - first }, (_, i) => first + i);
  const col = (f: (i: number) => number) => `[${idx.map(f).join(',')}]`;
  const dir = (k: number) => `{"queuePackets":${col((i) => i * k)},"queueBytes":${col((i) => i * k * 1500)},"queueOverflow":${col((i) => i)},"loss":${col(() => 0)},"burstLoss":${col(() => 0)},"outage":${col(() => 0)}}`;
  return (
    `{"event":"series","command":"record","id":7,"recording":${options.recording ?? false},"intervalMs":10.000,"capacity":100000,` +
    `"totalSamples":${total},"droppedSamples":${options.dropped ?? 0},"missedTicks":1,"firstIndex":${first},"nextIndex":${next},` +
    `"elapsedMs":${col((i) => 1000 + i * 10)},"up":${dir(0)},"down":${dir(2)}}`
  );
}

const page = (text: string): QueueSeriesPage => queueSeriesPageSchema.parse(JSON.parse(text));

t.test('one page is the whole series', async (t) => {
  const p = page(line(0, 3, 3));
  t.notOk(moreQueueSeriesPages(p));
  t.same(joinQueueSeriesPages([p]), {
    intervalMs: 10,
    recording: false,
    capacity: 100000,
    totalSamples: 3,
    droppedSamples: 0,
    missedTicks: 1,
    elapsedMs: [1000, 1010, 1020],
    up: { queuePackets: [0, 0, 0], queueBytes: [0, 0, 0], queueOverflow: [0, 1, 2], loss: [0, 0, 0], burstLoss: [0, 0, 0], outage: [0, 0, 0] },
    down: { queuePackets: [0, 2, 4], queueBytes: [0, 3000, 6000], queueOverflow: [0, 1, 2], loss: [0, 0, 0], burstLoss: [0, 0, 0], outage: [0, 0, 0] },
  });
});

t.test('pages joined in order; the ring overwriting samples between pages counts them as dropped', async (t) => {
  const first = page(line(0, 2, 5, { recording: true }));
  t.ok(moreQueueSeriesPages(first), 'more samples were taken than this page holds');
  // asked from 2, but 2 and 3 were overwritten meanwhile
  const second = page(line(4, 6, 6, { recording: true, dropped: 4 }));
  t.notOk(moreQueueSeriesPages(second));
  const series = joinQueueSeriesPages([first, second]);
  t.same(series.elapsedMs, [1000, 1010, 1040, 1050]);
  t.same(series.down.queuePackets, [0, 2, 8, 10]);
  t.equal(series.totalSamples, 6);
  t.equal(series.droppedSamples, 2);
  t.equal(series.recording, true);
});

t.test('before any recording: an empty series', async (t) => {
  const p = page(line(0, 0, 0).replace('"intervalMs":10.000', '"intervalMs":0.000'));
  t.notOk(moreQueueSeriesPages(p));
  const series = joinQueueSeriesPages([p]);
  t.same([series.intervalMs, series.totalSamples, series.elapsedMs], [0, 0, []]);
});

t.test('malformed pages are refused', async (t) => {
  t.throws(() => page(line(0, 3, 3).replace('"queueBytes":[0,0,0]', '"queueBytes":[0,0]')), /columns of lengths 3, 2/);
  t.throws(() => page(line(0, 3, 2)), /nextIndex 3 beyond totalSamples 2/);
  t.throws(() => page(line(0, 1, 1).replace('"outage":[0]}}', '"outage":[-1]}}')));
  t.throws(() => page(line(0, 1, 1).replace('"event":"series"', '"event":"stats"')));
  t.throws(() => joinQueueSeriesPages([page(line(2, 3, 3)), page(line(0, 1, 3))]), /starts at 0, before 3/);
  t.throws(() => joinQueueSeriesPages([]), /no series pages/);
});
