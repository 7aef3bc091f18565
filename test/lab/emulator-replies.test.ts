// Replies matched to commands by id over a fake command stream: a late reply to a command that
// timed out is dropped instead of answering the next command (it used to, first in, first out).
import t from 'tap';
import { EmulatorReplies } from '../../harness/lab/emulator-replies.js';

/** The emulator's side of the pipe: what was written, and reply lines fed back as it would print them. */
function fakeEmulator(timeoutMs: number) {
  const replies = new EmulatorReplies(timeoutMs);
  const written: string[] = [];
  const feed = (line: string) => replies.reply(JSON.parse(line) as Record<string, unknown>, line);
  const send = (line: string, command: string) => replies.request(line, command, (text) => written.push(text));
  return { replies, written, feed, send };
}

t.test('each command goes out with its own id and gets the reply carrying it', async (t) => {
  const emu = fakeEmulator(1000);
  const stats = emu.send('stats', 'stats');
  const set = emu.send('set loss=0.1', 'set');
  t.same(emu.written, ['#1 stats\n', '#2 set loss=0.1\n']);
  // answered out of order: still each to its own
  emu.feed('{"event":"ok","command":"set","id":2}');
  emu.feed('{"event":"stats","command":"stats","id":1,"up":{}}');
  t.same(await set, { event: 'ok', command: 'set', id: 2 });
  t.same(await stats, { event: 'stats', command: 'stats', id: 1, up: {} });
  t.same(emu.replies.stale, []);
});

t.test('a reply that comes after its command timed out does not answer the next command', async (t) => {
  const emu = fakeEmulator(20);
  await t.rejects(emu.send('stats', 'stats'), new Error("link emulator: no reply to 'stats' within 20 ms"));
  const next = emu.send('set loss=0.1', 'set');
  emu.feed('{"event":"stats","command":"stats","id":1,"up":{}}'); // the late one
  t.same(emu.replies.stale, ['{"event":"stats","command":"stats","id":1,"up":{}}'], 'dropped as stale');
  emu.feed('{"event":"error","command":"set","id":2,"message":"bad value for loss: \'x\'"}');
  await t.rejects(next, new Error("link emulator rejected 'set': bad value for loss: 'x'"), 'the next command gets its own reply');
});

t.test('a reply without an id, or with an unknown one, is dropped; an exit rejects what waits', async (t) => {
  const emu = fakeEmulator(1000);
  const waiting = emu.send('stats-reset', 'stats-reset');
  emu.feed('{"event":"ok","command":"stats-reset"}');
  emu.feed('{"event":"ok","command":"stats-reset","id":99}');
  t.equal(emu.replies.stale.length, 2);
  emu.replies.rejectAll(new Error('link emulator exited (code null, signal SIGKILL)'));
  await t.rejects(waiting, new Error('link emulator exited (code null, signal SIGKILL)'));
});
