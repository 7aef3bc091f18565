// The Node message clients' framing and matching (endpoints/node/messages.ts): the bytes of a
// message, echoes told apart (delivered, duplicate, unknown, corrupt), one long stream cut back
// into messages, the spec's bounds, and the schedule against a session that echoes or dies.
import t from 'tap';
import { checkMessagesSpec, decodeMessage, encodeMessage, MessageLedger, runMessageSchedule, StreamFramer, type MessageSession } from '../../harness/endpoints/node/messages.js';

t.test('a message is its seq (8 bytes, big-endian) then (seq + i) % 251', async (t) => {
  t.same([...encodeMessage(1, 12)], [0, 0, 0, 0, 0, 0, 0, 1, 9, 10, 11, 12]);
  t.same([...encodeMessage(300, 10)], [0, 0, 0, 0, 0, 0, 1, 44, 57, 58]);
  t.same([...encodeMessage(250, 10)].slice(8), [(250 + 8) % 251, (250 + 9) % 251]);
  t.equal(decodeMessage(encodeMessage(123_456, 200), 200), 123_456);
  t.equal(decodeMessage(encodeMessage(0, 8), 8), 0);
});

t.test('an echo that is cut, merged, altered or beyond any seq is no message', async (t) => {
  t.throws(() => decodeMessage(encodeMessage(5, 100).subarray(0, 99), 100), /echo of 99 bytes, messages are 100/);
  t.throws(() => decodeMessage(Buffer.concat([encodeMessage(5, 100), encodeMessage(6, 100)]), 100), /echo of 200 bytes/);
  const altered = encodeMessage(5, 100);
  altered[40] = (altered[40] as number) ^ 1;
  t.throws(() => decodeMessage(altered, 100), /echo of message 5 differs at byte 40/);
  const huge = encodeMessage(0, 8);
  huge.writeBigUInt64BE(2n ** 60n);
  t.throws(() => decodeMessage(huge, 8), /sequence number 1152921504606846976, beyond any message/);
});

t.test('one long stream is cut back into messages whatever the chunks', async (t) => {
  const bytes = Buffer.concat([encodeMessage(0, 10), encodeMessage(1, 10), encodeMessage(2, 10)]);
  const framer = new StreamFramer(10);
  t.same(framer.push(bytes.subarray(0, 3)), []);
  t.equal(framer.pendingBytes, 3);
  const out = [...framer.push(bytes.subarray(3, 25)), ...framer.push(bytes.subarray(25))];
  t.same(
    out.map((m) => decodeMessage(m, 10)),
    [0, 1, 2],
  );
  t.equal(framer.pendingBytes, 0);
});

t.test('the ledger: first echo delivers, a second or an unknown seq is stray, a corrupt one an error, nothing after close', async (t) => {
  const ledger = new MessageLedger(3, 16, 1000);
  ledger.sent(0, 1010);
  ledger.sent(1, 1020);
  t.throws(() => ledger.sent(3, 1030), /message 3 sent out of order \(next is 2\)/);
  ledger.sent(2, 1030);
  ledger.echo(encodeMessage(1, 16), 1045.5);
  ledger.echo(encodeMessage(1, 16), 1046);
  ledger.echo(encodeMessage(7, 16), 1047);
  ledger.echo(encodeMessage(0, 15), 1048);
  ledger.echo(encodeMessage(0, 16), 1050.0004);
  let allIn = false;
  void ledger.allIn.then(() => (allIn = true));
  await Promise.resolve();
  t.notOk(allIn, 'one message is still out');
  t.notOk(ledger.complete);
  ledger.close();
  ledger.echo(encodeMessage(2, 16), 1100);
  ledger.error('after the deadline');
  t.same(ledger.timings(5, 6, 2030), {
    handshakeMs: 5,
    sessionMs: 6,
    messages: [
      { seq: 0, sentMs: 10, receivedMs: 50 },
      { seq: 1, sentMs: 20, receivedMs: 45.5 },
      { seq: 2, sentMs: 30, receivedMs: null },
    ],
    strayEchoes: 2,
    drainDeadlineMs: 2030,
    errors: ['echo of 15 bytes, messages are 16'],
  });
});

t.test('allIn resolves once every message came back; errors are kept to 20', async (t) => {
  const ledger = new MessageLedger(2, 8, 0);
  ledger.sent(0, 1);
  ledger.sent(1, 2);
  ledger.echo(encodeMessage(1, 8), 3);
  ledger.echo(encodeMessage(0, 8), 4);
  await ledger.allIn;
  t.ok(ledger.complete);
  for (let i = 0; i < 25; i++) ledger.error(`error ${i}\nsecond line`);
  const { errors } = ledger.timings(0, 0, 10);
  t.equal(errors.length, 21);
  t.equal(errors[0], 'error 0 second line');
  t.equal(errors[20], 'and 5 more errors');
});

t.test('bad specs are refused, naming every problem', async (t) => {
  const target = { host: '127.0.0.1', port: 1, serverName: 'x' };
  const good = { target, mode: 'long-stream' as const, count: 50, messageBytes: 200, ratePerSecond: 50, drainTimeoutMs: 2000, timeoutMs: 10_000 };
  t.doesNotThrow(() => checkMessagesSpec(good));
  t.throws(() => checkMessagesSpec({ ...good, count: 0, messageBytes: 7 }), /bad messages spec: count 0: 1 to 100000; messageBytes 7: 8 to 65536/);
  t.throws(() => checkMessagesSpec({ ...good, ratePerSecond: 0 }), /ratePerSecond 0: above 0, at most 10000/);
  t.throws(() => checkMessagesSpec({ ...good, count: 100_000, ratePerSecond: 100 }), /100000 messages at 100\/s take more than 600 s/);
  t.throws(() => checkMessagesSpec({ ...good, drainTimeoutMs: 60_001 }), /drainTimeoutMs 60001: 0 to 60000/);
  t.throws(() => checkMessagesSpec({ ...good, timeoutMs: 2980 }), /timeoutMs 2980 leaves no time to connect: sends take 980 ms and the drain 2000 ms/);
});

/** A session that echoes each message after `echoAfterMs` (0: at once), and ends by itself after `endAfterSends` sends. */
function fakeSession(ledger: MessageLedger, echoAfterMs: number, endAfterSends = Infinity): MessageSession & { sends: number } {
  let reason: string | null = null;
  let end: () => void = () => {};
  const fake = {
    sends: 0,
    ended: new Promise<void>((resolve) => (end = resolve)),
    endedReason: () => reason,
    send(_seq: number, message: Buffer) {
      fake.sends++;
      if (fake.sends >= endAfterSends) {
        reason = 'server went away';
        end();
        return;
      }
      if (echoAfterMs === 0) ledger.echo(message);
      else setTimeout(() => ledger.echo(message), echoAfterMs);
    },
  };
  return fake;
}

t.test('the schedule: message i at i / rate, every echo in, the deadline after the last send', async (t) => {
  const ledger = new MessageLedger(10, 20, performance.now());
  const session = fakeSession(ledger, 2);
  const startMs = performance.now();
  const deadline = await runMessageSchedule({ count: 10, messageBytes: 20, ratePerSecond: 200, drainTimeoutMs: 500 }, ledger, session, startMs);
  const { messages, errors, strayEchoes } = ledger.timings(0, 0, deadline);
  t.same(errors, []);
  t.equal(strayEchoes, 0);
  t.same(
    messages.map((m) => m.seq),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
  t.ok(
    messages.every((m, i) => m.sentMs >= ledger.since(startMs) + i * 5 - 0.001),
    'message i no earlier than i * 5 ms after the start (200/s)',
  );
  t.ok(
    messages.every((m) => m.receivedMs !== null && m.receivedMs > m.sentMs),
    'every echo in, after its send',
  );
  const lastSentMs = (messages[9] as { sentMs: number }).sentMs;
  t.ok(Math.abs(deadline - (lastSentMs + 500)) < 0.002, `the deadline (${deadline} ms): 500 ms after the last send (${lastSentMs} ms), to the µs each is rounded to`);
});

t.test('a session that ends mid-run: what was sent stays listed, unanswered, the end is an error', async (t) => {
  const ledger = new MessageLedger(20, 20, performance.now());
  const session = fakeSession(ledger, 0, 5);
  const deadline = await runMessageSchedule({ count: 20, messageBytes: 20, ratePerSecond: 200, drainTimeoutMs: 1000 }, ledger, session, performance.now());
  const { messages, errors } = ledger.timings(0, 0, deadline);
  t.equal(messages.length, 5, 'the five handed over');
  t.equal(messages[4]?.receivedMs, null, 'the one sent as the session died never came back');
  t.equal(messages.filter((m) => m.receivedMs !== null).length, 4);
  t.same(errors, ['session ended after 5 of 20 messages: server went away']);
  t.ok(deadline < (messages[4] as { sentMs: number }).sentMs + 500, `the observation ends with the session (${deadline} ms), not a drain later`);
});
