// The ngtcp2 qlog parser, on a qlog captured from a real gtlsclient run (GET /16000 on
// loopback, ngtcp2 0.12.1, default initial RTT) and on small hand-written traces.
import t from 'tap';
import { readFile } from 'node:fs/promises';
import { clientTimings, describeCloseCode, parseQlog } from '../../harness/measure/ngtcp2-qlog.js';

const fixture = await readFile(new URL('../fixtures/ngtcp2-client.qlog', import.meta.url), 'utf8');

/** A JSON-SEQ qlog from records. */
function qlog(...records: object[]): string {
  const header = { qlog_format: 'JSON-SEQ', trace: { vantage_point: { name: 'ngtcp2', type: 'client' } } };
  return [header, ...records].map((r) => `\x1e${JSON.stringify(r)}\n`).join('');
}

function packet(time: number, name: 'sent' | 'received', type: string, frames: object[]): object {
  return { time, name: `transport:packet_${name}`, data: { frames, header: { packet_type: type, packet_number: 0 }, raw: { length: 100 } } };
}

t.test('the captured fixture parses into typed events', async (t) => {
  const trace = parseQlog(fixture);
  t.equal(trace.vantagePoint, 'client');
  t.equal(trace.events.length, 70);
  t.equal(trace.events.filter((e) => e.kind !== 'other').length, 34);
  const first = trace.events.find((e) => e.kind === 'packet_sent');
  t.match(first, { kind: 'packet_sent', timeMs: 0, packetType: 'initial', packetNumber: 0, sizeBytes: 1200 });
  t.match(first?.kind === 'packet_sent' ? first.frames[0] : undefined, { frameType: 'crypto', offset: 0, length: 369 });
});

t.test('timings of the captured exchange', async (t) => {
  t.same(clientTimings(parseQlog(fixture)), {
    // The server's Handshake flight is complete at 3 ms; the client's Finished leaves at
    // 23 ms because ngtcp2 0.12 paces it with the 333 ms initial RTT.
    handshakeMs: 3,
    clientFinishedSentMs: 23,
    handshakeConfirmedMs: 36,
    ttfbMs: 36,
    totalMs: 39,
    // 16000 body bytes plus HTTP/3 HEADERS and DATA framing.
    responseStreamBytes: 16016,
    packetsSent: 12,
    zeroRttPacketsSent: 0,
    packetsReceived: 22,
    packetsLost: 0,
    close: { by: 'local', timeMs: 39, errorSpace: 'application', errorCode: 256, reason: 'no error' },
  });
});

t.test('times count from the first Initial sent, not from the qlog start', async (t) => {
  const text = qlog(
    packet(5, 'sent', 'initial', [{ frame_type: 'crypto', offset: 0, length: 300 }]),
    packet(9, 'received', 'handshake', [{ frame_type: 'crypto', offset: 0, length: 900 }]),
    packet(10, 'sent', 'handshake', [{ frame_type: 'ack' }, { frame_type: 'crypto', offset: 0, length: 36 }]),
    packet(14, 'received', '1RTT', [{ frame_type: 'handshake_done' }, { frame_type: 'stream', stream_id: 0, offset: 0, length: 50 }]),
    packet(15, 'received', '1RTT', [{ frame_type: 'stream', stream_id: 0, offset: 50, length: 50, fin: true }]),
  );
  t.match(clientTimings(parseQlog(text)), { handshakeMs: 4, clientFinishedSentMs: 5, handshakeConfirmedMs: 9, ttfbMs: 9, totalMs: 10, responseStreamBytes: 100 });
});

t.test('the response ends when all its bytes are in, not when the FIN arrives', async (t) => {
  const text = qlog(
    packet(0, 'sent', 'initial', []),
    packet(2, 'sent', 'handshake', [{ frame_type: 'crypto', offset: 0, length: 36 }]),
    packet(3, 'received', '1RTT', [{ frame_type: 'stream', stream_id: 3, offset: 0, length: 18 }]),
    packet(4, 'received', '1RTT', [{ frame_type: 'stream', stream_id: 0, offset: 0, length: 100 }]),
    packet(5, 'received', '1RTT', [{ frame_type: 'stream', stream_id: 0, offset: 200, length: 50, fin: true }]),
    packet(9, 'received', '1RTT', [{ frame_type: 'stream', stream_id: 0, offset: 100, length: 100 }]),
  );
  t.match(clientTimings(parseQlog(text)), { ttfbMs: 4, totalMs: 9, responseStreamBytes: 250 });
});

t.test('a handshake refused for the certificate has no timings and names the alert', async (t) => {
  const text = qlog(
    packet(0, 'sent', 'initial', [{ frame_type: 'crypto', offset: 0, length: 300 }]),
    packet(2, 'received', 'handshake', [{ frame_type: 'crypto', offset: 0, length: 967 }]),
    packet(2, 'sent', 'handshake', [{ frame_type: 'connection_close', error_space: 'transport', error_code: 298, raw_error_code: 298 }]),
  );
  const timings = clientTimings(parseQlog(text));
  t.equal(timings.handshakeMs, null);
  t.equal(timings.ttfbMs, null);
  t.equal(timings.totalMs, null);
  t.same(timings.close, { by: 'local', timeMs: 2, errorSpace: 'transport', errorCode: 298, reason: 'TLS alert 42 (bad_certificate)' });
});

t.test('close codes are named', async (t) => {
  t.equal(describeCloseCode('transport', 0x130), 'TLS alert 48 (unknown_ca)');
  t.equal(describeCloseCode('transport', 0xa), 'transport error 0xa (PROTOCOL_VIOLATION)');
  t.equal(describeCloseCode('application', 0x10c), 'application error 0x10c');
});

t.test('no Initial sent: nothing to time', async (t) => {
  t.match(clientTimings(parseQlog('')), { handshakeMs: null, ttfbMs: null, totalMs: null, packetsSent: 0 });
});

t.test('a truncated last record is dropped; a broken record elsewhere is an error', async (t) => {
  const whole = qlog(packet(0, 'sent', 'initial', []));
  t.equal(parseQlog(whole + '\x1e{"time":3,"na').events.length, 1);
  t.throws(() => parseQlog('\x1e{"time":3,"na\n' + whole), /qlog record 1 is not JSON/);
});

t.test('a 0-RTT exchange (captured: GET /1000 resumed with early data, loopback): the request left as 0-RTT and the response came with the handshake', async (t) => {
  const zeroRtt = await readFile(new URL('../fixtures/ngtcp2-client-0rtt.qlog', import.meta.url), 'utf8');
  t.match(clientTimings(parseQlog(zeroRtt)), { zeroRttPacketsSent: 1, handshakeMs: 1, ttfbMs: 1, totalMs: 1, clientFinishedSentMs: 23 });
  t.equal(clientTimings(parseQlog(fixture)).zeroRttPacketsSent, 0, 'a cold exchange sends none');
});
