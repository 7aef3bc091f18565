// The path probe: loss and median from connect outcomes (exact), and real connects on loopback.
import t from 'tap';
import { createServer, type AddressInfo } from 'node:net';
import { LOST_AFTER_MS, measurePath, summarizeConnects } from '../../harness/measure/path-probe.js';

t.test('summary: failed and retransmitted connects are lost, the rest give the median', async (t) => {
  t.strictSame(summarizeConnects('192.0.2.1', 443, [12, null, 10, 1500, 11, LOST_AFTER_MS]), {
    method: 'tcp-connect',
    address: '192.0.2.1',
    port: 443,
    attempts: 6,
    samplesMs: [12, 10, 11],
    rttMedianMs: 11,
    lossFraction: 0.5,
  });
  t.strictSame(summarizeConnects('192.0.2.1', 443, [10, 20, 30, 999]), {
    method: 'tcp-connect',
    address: '192.0.2.1',
    port: 443,
    attempts: 4,
    samplesMs: [10, 20, 30, 999],
    rttMedianMs: 25,
    lossFraction: 0,
  });
  t.strictSame(summarizeConnects('192.0.2.1', 80, [null, null]), { method: 'tcp-connect', address: '192.0.2.1', port: 80, attempts: 2, samplesMs: [], rttMedianMs: null, lossFraction: 1 });
});

t.test('loopback: every connect to a listener succeeds; a closed port loses them all', async (t) => {
  let accepted = 0;
  const server = createServer((socket) => {
    accepted++;
    socket.destroy();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  t.teardown(() => void server.close());
  const { port } = server.address() as AddressInfo;
  const open = await measurePath({ address: '127.0.0.1', port, count: 5, timeoutMs: 2000 });
  t.equal(open.attempts, 5);
  t.equal(open.samplesMs.length, 5);
  t.equal(open.lossFraction, 0);
  t.ok(open.rttMedianMs !== null && open.rttMedianMs > 0 && open.rttMedianMs < 100, `loopback round trip ${open.rttMedianMs} ms`);
  await new Promise((done) => setTimeout(done, 50));
  t.equal(accepted, 5, 'one connection per attempt, each closed');

  await new Promise<void>((done) => server.close(() => done()));
  const closed = await measurePath({ address: '127.0.0.1', port, count: 3, timeoutMs: 2000 });
  t.strictSame({ ...closed, samplesMs: closed.samplesMs.length }, { method: 'tcp-connect', address: '127.0.0.1', port, attempts: 3, samplesMs: 0, rttMedianMs: null, lossFraction: 1 });
});

t.test('bounds: too many connects or too long a timeout is refused', async (t) => {
  await t.rejects(measurePath({ address: '127.0.0.1', port: 1, count: 101, timeoutMs: 100 }));
  await t.rejects(measurePath({ address: '127.0.0.1', port: 1, count: 1, timeoutMs: 60_000 }));
});
