// multiplexing on the lab, short: 30 objects at once on a 40 ms link with 1% loss, over
// HTTP/1.1 (six connections), HTTP/2 and HTTP/3. One sample a case: what is checked (every
// object's completion kept, the median before all done, all done after the handshake, the
// connections) holds for each sample on its own; building the lab is most of the time.
import t from 'tap';
import { runScenarioCli } from '../fixtures/run-scenario.js';

t.test('multiplexing: per-object completion and all done', async (t) => {
  const { document } = await runScenarioCli(t, ['multiplexing', '--rtt', '40ms', '--rate', '20mbit', '--loss', '1%', '--objects', '30x10KB', '--samples', '1', '--warmup', '0'], 240_000);
  t.same(
    document.cases.map((c) => c.id),
    ['tcp-tls-h1x6-30x10KB', 'tcp-tls-h2-30x10KB', 'quic-h3-30x10KB'],
  );
  for (const c of document.cases) {
    t.equal(c.samples.filter((s) => s.status === 'ok').length, 1, `${c.id}: the sample ok ${c.samples.map((s) => s.error ?? '').join(' ')}`);
    for (const s of c.samples) {
      const completions = s.series?.objectCompletionMs ?? [];
      t.equal(completions.length, 30, `${c.id} #${s.index}: every object's completion kept`);
      t.ok((s.metrics.objectMedianMs ?? Infinity) <= (s.metrics.allDoneMs ?? 0), 'median before all done');
      t.ok((s.metrics.allDoneMs ?? 0) > (s.metrics.handshakeMs ?? Infinity), 'all done after the handshake');
    }
    t.equal(c.summary.connections?.median, c.id.includes('h1x6') ? 6 : 1, `${c.id}: connections`);
  }
});
