// Property-based tests of the parsers that read outside input: qlog files from ngtcp2, tshark's
// field output, SMB2 NEGOTIATE responses from a server. Whatever the bytes, each returns
// something sane or throws an Error of its own (message says what and where), never a
// TypeError/RangeError from deep inside; real inputs cut or altered at random stay handled.
import t from 'tap';
import { smbFixture } from '../fixtures/smb.js';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { clientTimings, parseQlog, receivedStreamTransfer, senderRecovery } from '../../harness/endpoints/ngtcp2/qlog.js';
import { TSHARK_FIELDS, parseTsharkLine, type WirePacket } from '../../harness/capture/tshark.js';
import { SmbProtocolError, parseNegotiateResponse } from '../../harness/smb/negotiate.js';

const RUNS = { numRuns: 200 };
const FIXTURES = resolve(import.meta.dirname, '../fixtures');

/** Runs `f`; an Error of the parser's own is fine, anything else (or a TypeError/RangeError) fails. */
function ownErrorOnly<T>(f: () => T, accepted: (error: Error) => boolean): T | null {
  try {
    return f();
  } catch (error) {
    if (error instanceof Error && !(error instanceof TypeError) && !(error instanceof RangeError) && accepted(error)) return null;
    throw new Error(`unexpected failure: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`, { cause: error });
  }
}

t.test('qlog: any text parses or fails with a message naming the record', async (t) => {
  const record = fc.oneof(
    fc.string(),
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc
      .record({ time: fc.oneof(fc.integer(), fc.double(), fc.string()), name: fc.constantFrom('transport:packet_sent', 'transport:packet_received', 'recovery:metrics_updated', 'x'), data: fc.jsonValue() })
      .map((v) => JSON.stringify(v)),
  );
  fc.assert(
    fc.property(fc.array(record, { maxLength: 8 }), (records) => {
      const trace = ownErrorOnly(
        () => parseQlog(records.map((r) => `\x1e${r}\n`).join('')),
        (e) => /^qlog record \d+ is not JSON/.test(e.message),
      );
      if (trace === null) return true;
      // Whatever came in, the events have finite times and the analyses run on them.
      ownErrorOnly(
        () => clientTimings(trace),
        () => true,
      );
      ownErrorOnly(
        () => receivedStreamTransfer(trace),
        () => true,
      );
      ownErrorOnly(
        () => senderRecovery(trace),
        () => true,
      );
      return trace.events.every((e) => Number.isFinite(e.timeMs));
    }),
    RUNS,
  );
  t.pass('no counterexample');
});

t.test('qlog: a file cut anywhere (a process killed mid-write) gives a prefix of the whole trace', async (t) => {
  const text = readFileSync(resolve(FIXTURES, 'ngtcp2-client.qlog'), 'utf8');
  const whole = parseQlog(text);
  t.ok(whole.events.length > 50, 'the fixture has events');
  fc.assert(
    fc.property(fc.integer({ min: 0, max: text.length }), (cut) => {
      const part = parseQlog(text.slice(0, cut));
      return isDeepStrictEqual(part.events, whole.events.slice(0, part.events.length));
    }),
    { numRuns: 100 },
  );
});

const recordedLines = readFileSync(resolve(import.meta.dirname, '../capture/tshark-fields.tsv'), 'utf8')
  .split('\n')
  .filter((l) => l !== '');

/** What a WirePacket must be whatever tshark printed. */
function sane(p: WirePacket): boolean {
  const port = (n: number) => Number.isInteger(n) && n >= 0 && n <= 65535;
  const count = (n: number) => Number.isSafeInteger(n) && n >= 0;
  return (
    count(p.frame) &&
    Number.isFinite(p.timeEpochMs) &&
    port(p.src.port) &&
    port(p.dst.port) &&
    count(p.ipBytes) &&
    count(p.payloadBytes) &&
    p.quicStreamRanges.every((r) => count(r.streamId) && count(r.offset) && (r.length === null || count(r.length))) &&
    (p.tcpSeq === null || count(p.tcpSeq))
  );
}

t.test('tshark: recorded lines with columns replaced at random parse sanely or fail with "tshark output:"', async (t) => {
  t.ok(
    recordedLines.every((l) => {
      const p = parseTsharkLine(l);
      return p === null || sane(p);
    }),
    'the recorded lines are sane',
  );
  const column = fc.oneof(fc.string(), fc.stringMatching(/^-?(0x)?[0-9a-f]{0,20}(,-?[0-9a-f.e]{0,8}){0,3}$/), fc.constantFrom('', '-1', '1e3', '0x', '99999999999999999999', 'NaN', '1.5', 'eth:ip:udp', 'eth:ipv6:tcp'));
  fc.assert(
    fc.property(fc.constantFrom(...recordedLines), fc.array(fc.tuple(fc.nat(TSHARK_FIELDS.length - 1), column), { minLength: 1, maxLength: 4 }), (line, replacements) => {
      const columns = line.split('\t');
      for (const [i, value] of replacements) columns[i] = value.replace(/[\t\n]/g, ' ');
      const packet = ownErrorOnly(
        () => parseTsharkLine(columns.join('\t')),
        (e) => e.message.startsWith('tshark output:') && !e.message.includes('\n'),
      );
      return packet === null || sane(packet);
    }),
    RUNS,
  );
  fc.assert(
    fc.property(
      fc.string({ unit: 'binary' }),
      (line) =>
        ownErrorOnly(
          () => parseTsharkLine(line),
          (e) => e.message.startsWith('tshark output:'),
        ) === null || true,
    ),
    RUNS,
  );
  t.pass('no counterexample');
});

t.test('SMB2 NEGOTIATE: random, cut and altered responses parse or fail with an SmbProtocolError', async (t) => {
  const responses = ['smbd-4.17-negotiate-response-311.hex', 'smbd-4.17-negotiate-response-30.hex'].map(smbFixture);
  const isOwn = (e: Error) => e instanceof SmbProtocolError && e.message.length > 0;
  const check = (data: Buffer, framed: boolean) => {
    const r = ownErrorOnly(() => parseNegotiateResponse(data, { framed }), isOwn);
    // What is returned lies within the message it was read from.
    return r === null || (r.securityBuffer.length <= data.length && r.contexts.every((c) => c.offset + 4 + c.data.length <= data.length));
  };
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, framed) => check(Buffer.from(bytes), framed)),
    RUNS,
  );
  fc.assert(
    fc.property(fc.constantFrom(...responses), fc.array(fc.tuple(fc.nat(400), fc.nat(255)), { maxLength: 6 }), fc.option(fc.nat(400)), (good, changes, cut) => {
      const data = Buffer.from(good);
      for (const [at, value] of changes) data[at % data.length] = value;
      return check(cut === null ? data : data.subarray(0, cut), true);
    }),
    RUNS,
  );
  // The unaltered responses still parse (so the altered ones were tested against a working parser).
  for (const r of responses) t.ok(parseNegotiateResponse(r).dialectName.startsWith('3.'), 'fixture parses');
});
