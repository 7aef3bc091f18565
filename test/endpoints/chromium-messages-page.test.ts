// The Chromium client's WebTransport page without a browser: its message framing against the
// webtransport-go peer's (peers/webtransport/message.go), the whole script in a context of its
// own (node:vm) against a fake WebTransport that echoes, and its answer's checks.
import t from 'tap';
import { runInNewContext } from 'node:vm';
import { PAGE_MESSAGE_FRAMING, messagesPageScript, pageMessagesProblem, pageMessagesTimings, parsePageMessages, type PageMessagesReport } from '../../harness/endpoints/chromium/messages-page.js';

interface Framing {
  encode(seq: number, size: number): Uint8Array;
  decode(bytes: Uint8Array, size: number): { seq?: number; error?: string };
}
const framing = runInNewContext(PAGE_MESSAGE_FRAMING) as Framing;

t.test("the page's framing is the peer's: 8-byte big-endian seq, then (seq + i) % 251", async (t) => {
  const message = framing.encode(258, 12);
  t.same([...message], [0, 0, 0, 0, 0, 0, 1, 2, (258 + 8) % 251, (258 + 9) % 251, (258 + 10) % 251, (258 + 11) % 251]);
  t.same(framing.decode(message, 12), { seq: 258 });
  t.same(framing.decode(framing.encode(0, 8), 8), { seq: 0 });
  t.same(framing.decode(message.subarray(0, 11), 12), { error: 'echo of 11 bytes, messages are 12' });
  const altered = Uint8Array.from(message);
  altered[10] = 0;
  t.same(framing.decode(altered, 12), { seq: 258, error: 'echo of message 258 differs at byte 10' });
  const huge = Uint8Array.from(message);
  huge[0] = 1;
  t.match(framing.decode(huge, 12).error, /^echo with sequence number 72057594037928194, beyond any message$/);
  // A view into a larger buffer (a long stream's echoes are cut from one).
  const two = new Uint8Array(24);
  two.set(framing.encode(1, 12));
  two.set(framing.encode(2, 12), 12);
  t.same(framing.decode(two.subarray(12), 12), { seq: 2 });
});

t.test('bad options are refused before a browser starts', async (t) => {
  const run = { mode: 'datagram' as const, count: 5, messageBytes: 200, ratePerSecond: 50, drainTimeoutMs: 2000, connectTimeoutMs: 1000 };
  t.equal(pageMessagesProblem(run), null);
  t.equal(pageMessagesProblem({ ...run, count: 0 }), 'count 0: 1 to 100000');
  t.equal(pageMessagesProblem({ ...run, messageBytes: 7 }), 'message size 7 bytes: 8 to 65536');
  t.equal(pageMessagesProblem({ ...run, ratePerSecond: 0 }), 'rate 0/s: above 0, at most 10000');
  t.equal(pageMessagesProblem({ ...run, count: 100_000, ratePerSecond: 1 }), '100000 messages at 1/s take more than 600 s');
  t.equal(pageMessagesProblem({ ...run, drainTimeoutMs: 60_001 }), 'drain timeout 60001 ms: 0 to 60000');
  t.throws(() => messagesPageScript({ ...run, url: 'https://x/echo', count: 0 }), /chromium: count 0/);
});

/**
 * A fake WebTransport in the page's context: datagrams and streams echoed after `delayMs`;
 * `duplicate` echoes datagram 1 twice, `drop` never echoes datagram 2, `refuse` never gets ready.
 * Its late echoes and closes go to streams the page may have cancelled already (it has what it
 * wanted): a real peer's would be dropped, so the fake's are too (\`quietly\`), not thrown from a timer.
 */
const FAKE = `const quietly = (f) => () => { try { f(); } catch {} };
class WebTransport {
  constructor(url) {
    const opts = globalThis.fakeOptions;
    this.url = url;
    this.ready = opts.refuse ? Promise.reject(new Error('Opening handshake failed.')) : new Promise((r) => setTimeout(r, 5));
    this.ready.catch(() => {});
    let close;
    this.closed = new Promise((r) => { close = r; });
    this.close = () => close({ closeCode: 0, reason: '' });
    let echo;
    const readable = new ReadableStream({ start(c) { echo = c; } });
    const later = (f) => setTimeout(f, opts.delayMs);
    this.datagrams = {
      maxDatagramSize: 1200,
      readable,
      writable: new WritableStream({ write(chunk) {
        const seq = chunk[7];
        if (opts.drop && seq === 2) return;
        const copy = Uint8Array.from(chunk);
        later(quietly(() => echo.enqueue(copy)));
        if (opts.duplicate && seq === 1) later(quietly(() => echo.enqueue(Uint8Array.from(copy))));
      } }),
    };
  }
  async createBidirectionalStream() {
    const delayMs = globalThis.fakeOptions.delayMs;
    let out;
    // The stream ends after its last echo, whatever the timers' order under load.
    let echoed = Promise.resolve();
    const readable = new ReadableStream({ start(c) { out = c; } });
    const writable = new WritableStream({
      write(chunk) {
        const copy = Uint8Array.from(chunk);
        const previous = echoed;
        echoed = new Promise((done) => setTimeout(done, delayMs)).then(() => previous).then(quietly(() => out.enqueue(copy)));
      },
      close() { void echoed.then(quietly(() => out.close())); },
    });
    return { readable, writable };
  }
}`;

async function runPage(mode: 'datagram' | 'stream-per-message' | 'long-stream', options: { delayMs?: number; duplicate?: boolean; drop?: boolean; refuse?: boolean } = {}): Promise<PageMessagesReport> {
  const script = messagesPageScript({ url: 'https://server.lab.example:4433/echo', mode, count: 5, messageBytes: 32, ratePerSecond: 200, drainTimeoutMs: 1000, connectTimeoutMs: 1000 });
  const context = { fakeOptions: { delayMs: 10, ...options }, performance, setTimeout, clearTimeout, ReadableStream, WritableStream, Uint8Array, DataView, BigInt, Number, Promise, String, Error, Math };
  return parsePageMessages(await (runInNewContext(`${FAKE}; ${script}`, context) as Promise<unknown>));
}

t.test('the page in a vm against an echoing fake: every mode, every message once', async (t) => {
  for (const mode of ['datagram', 'stream-per-message', 'long-stream'] as const) {
    const report = await runPage(mode);
    t.equal(report.error, undefined, mode);
    t.same(
      report.messages.map((m) => m.seq),
      [0, 1, 2, 3, 4],
    );
    // The fake's timer may fire up to a millisecond early; the page's schedule never is (late is a busy host).
    const session = report.sessionMs ?? NaN;
    t.ok(
      report.messages.every((m, i) => m.receivedMs !== null && m.receivedMs - m.sentMs >= 8 && m.sentMs >= session + i * 5 - 0.01),
      `${mode}: echoes ~10 ms after their sends, message i sent no earlier than i x 5 ms after the session: ${JSON.stringify(report.messages)}, session ${session} ms`,
    );
    t.same(report.strayEchoes, []);
    t.same(report.errors, []);
    t.ok((report.sessionMs ?? 0) >= 4, `${mode}: session ${report.sessionMs} ms`);
    t.ok(report.endMs < (report.drainDeadlineMs ?? 0), `${mode}: stops once all echoes are in`);
    t.equal(report.facts.maxDatagramBytes, 1200);
  }
});

t.test('a duplicate echo is a stray one, a lost datagram waits to the deadline, a refused session is the error', async (t) => {
  const duplicated = await runPage('datagram', { duplicate: true });
  t.same(
    duplicated.strayEchoes.map((s) => [s.seq, s.reason]),
    [[1, 'duplicate']],
  );
  t.equal(duplicated.messages.filter((m) => m.receivedMs !== null).length, 5);
  const dropped = await runPage('datagram', { drop: true });
  t.equal(dropped.messages[2]?.receivedMs, null);
  t.ok(dropped.endMs >= (dropped.drainDeadlineMs ?? Infinity), 'waited until the drain deadline');
  const timings = pageMessagesTimings(dropped, 5, () => 1);
  t.equal(timings.drainDeadlineMs, dropped.drainDeadlineMs);
  const refused = await runPage('datagram', { refuse: true });
  t.equal(refused.error, 'WebTransport session not established: Opening handshake failed.');
  t.same(refused.messages, []);
  t.throws(() => pageMessagesTimings(refused, 5, () => 1), /chromium: WebTransport session not established: Opening handshake failed\. \(0 of 5 messages sent, 0 echoed\)/);
});

const REPORT: PageMessagesReport = {
  facts: { reliability: null, congestionControl: null, protocol: '', maxDatagramBytes: 1215, getStats: false },
  sessionMs: 90,
  lastSendMs: 110,
  drainDeadlineMs: 2110,
  endMs: 160,
  messages: [
    { seq: 0, sentMs: 90, receivedMs: 131 },
    { seq: 1, sentMs: 110, receivedMs: null },
  ],
  strayEchoes: [{ seq: 0, receivedMs: 140, reason: 'duplicate' }],
  errors: ['datagram 1: x'],
  errorCount: 3,
};

t.test("the page's answer as MessagesTimings, strictly", async (t) => {
  t.same(
    pageMessagesTimings(REPORT, 2, () => 50),
    {
      handshakeMs: 50,
      sessionMs: 90,
      messages: REPORT.messages,
      strayEchoes: 1,
      drainDeadlineMs: 160,
      errors: ['datagram 1: x', 'and 2 more error(s)'],
    },
  );
  t.throws(() => pageMessagesTimings(REPORT, 3, () => 1), /2 messages reported, 3 asked for/);
  t.throws(() => pageMessagesTimings({ ...REPORT, messages: [...REPORT.messages].reverse() }, 2, () => 1), /message 0 reported as seq 1/);
  t.throws(() => pageMessagesTimings({ ...REPORT, sessionMs: undefined }, 2, () => 1), /chromium: no handshake or session time in a successful run/);
  t.throws(() => parsePageMessages({ ...REPORT, extra: 1 }), /unexpected JSON: : Unrecognized key/);
  t.throws(() => parsePageMessages({ ...REPORT, messages: [{ seq: -1, sentMs: 0, receivedMs: null }] }), /messages\.0\.seq/);
  t.throws(() => parsePageMessages(undefined), /unexpected JSON/);
});
