// The ngtcp2 qlog parser, on qlogs captured from real runs on loopback (ngtcp2 0.12.1, the
// harness's flags) and on small hand-written traces. Captured fixtures:
// - ngtcp2-client.qlog: gtlsclient, GET /16000.
// - ngtcp2-client-0rtt.qlog: gtlsclient, GET /1000 resumed with early data.
// - ngtcp2-client-download-1m.qlog: gtlsclient, GET /1000000.
// - ngtcp2-client-upload-1m.qlog: gtlsclient, POST of a 1,000,000-byte body to /0.
// - ngtcp2-server-lossy-200k.qlog: gtlsserver run with --tx-loss=0.03 (it drops 3% of what it
//   sends), GET /200000: the sender's side of a download with real recovery.
// The last three are trimmed of their recovery:metrics_updated records (half the records,
// read by nothing here) to keep them under 200 KB.
import t from 'tap';
import { readFile } from 'node:fs/promises';
import { QlogTraceBuilder, RangeSet, clientTimings, describeCloseCode, parseQlog, receivedStreamTransfer, senderRecovery, sentStreamTransfer, type QlogTrace } from '../../harness/endpoints/ngtcp2/qlog.js';

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

async function fixtureTrace(name: string): Promise<QlogTrace> {
  return parseQlog(await readFile(new URL(`../fixtures/${name}`, import.meta.url), 'utf8'));
}

/** Every point later than the one before, bytes growing. */
function strictlyIncreasing(series: ReadonlyArray<readonly [number, number]>): boolean {
  return series.every(([ms, bytes], i) => i === 0 || (ms > (series[i - 1] as [number, number])[0] && bytes > (series[i - 1] as [number, number])[1]));
}

t.test('records fed one at a time build the same trace; other records skip JSON.parse but keep time and name', async (t) => {
  const builder = new QlogTraceBuilder();
  for (const record of fixture.split('\x1e')) builder.push(record);
  t.same(builder.finish(), parseQlog(fixture));
  const metrics = parseQlog(qlog({ time: 7, name: 'recovery:metrics_updated', data: { smoothed_rtt: 2 } }));
  t.same(metrics.events, [{ kind: 'other', timeMs: 7, name: 'recovery:metrics_updated' }]);
});

t.test('RangeSet: merged ranges, overlap, contiguous prefix', async (t) => {
  const set = new RangeSet();
  set.add(100, 200);
  set.add(300, 400);
  t.equal(set.contiguousEnd, 0, 'nothing from 0 yet');
  t.equal(set.overlap(150, 350), 100, '50 bytes of each range');
  set.add(0, 100);
  t.equal(set.contiguousEnd, 200, 'adjacent ranges merge');
  set.add(150, 320);
  t.equal(set.contiguousEnd, 400, 'a range bridging the gap merges all');
  t.equal(set.overlap(0, 1000), 400);
  t.equal(set.overlap(400, 500), 0);
  set.add(50, 50);
  t.equal(set.overlap(0, 1000), 400, 'an empty range adds nothing');
});

t.test('a 1 MB download (captured): the response stream arriving, in-order bytes per ms', async (t) => {
  const trace = await fixtureTrace('ngtcp2-client-download-1m.qlog');
  const download = receivedStreamTransfer(trace, { progress: true });
  t.match(download, { startMs: 36, endMs: 48, streamBytes: 1_000_322 });
  t.equal(download.endMs, clientTimings(trace).totalMs, 'the end is the response complete');
  const progress = download.progress ?? [];
  t.ok(strictlyIncreasing(progress), 'one point per ms at most, each with new bytes');
  t.same(progress[0], [36, 14_486], 'first point: what was in order by the end of the first ms');
  t.same(progress[progress.length - 1], [48, 1_000_322], 'last point: the whole stream, framing included');
  t.equal(progress.length, 10);
  t.equal(receivedStreamTransfer(trace).progress, undefined, 'no series unless asked for');
});

t.test('received transfer: the start can skip the HEADERS frame; progress counts in-order bytes only', async (t) => {
  const text = qlog(
    packet(0, 'sent', 'initial', []),
    packet(10, 'received', '1RTT', [{ frame_type: 'stream', stream_id: 0, offset: 0, length: 13 }]),
    packet(11, 'received', '1RTT', [{ frame_type: 'stream', stream_id: 0, offset: 113, length: 100 }]),
    packet(11, 'received', '1RTT', [{ frame_type: 'stream', stream_id: 4, offset: 0, length: 100 }]),
    packet(12, 'received', '1RTT', [{ frame_type: 'stream', stream_id: 0, offset: 213, length: 50, fin: true }]),
    packet(15, 'received', '1RTT', [{ frame_type: 'stream', stream_id: 0, offset: 13, length: 100 }]),
  );
  t.same(receivedStreamTransfer(parseQlog(text), { fromOffset: 18, progress: true }), {
    startMs: 11,
    endMs: 15,
    streamBytes: 263,
    // Nothing new in order at 11 and 12 (a hole at 13-113): no points there.
    progress: [
      [10, 13],
      [15, 263],
    ],
  });
  t.match(receivedStreamTransfer(parseQlog(text)), { startMs: 10 }, 'from offset 0: the first stream packet');
  t.match(receivedStreamTransfer(parseQlog(text), { streamId: 4 }), { startMs: 11, endMs: null, streamBytes: null }, 'a stream without FIN never completes');
});

t.test('a 1 MB upload (captured): the request stream leaving, then the response', async (t) => {
  const trace = await fixtureTrace('ngtcp2-client-upload-1m.qlog');
  const upload = sentStreamTransfer(trace, { progress: true });
  t.match(upload, { startMs: 22, endMs: 43, streamBytes: 1_000_024 });
  t.equal(upload.endMs, clientTimings(trace).ttfbMs, 'the end is the first response packet');
  const progress = upload.progress ?? [];
  t.ok(strictlyIncreasing(progress), 'one point per ms at most, each with new bytes');
  t.same(progress[progress.length - 1], [42, 1_000_024]);
  // gtlsserver's initial window for a client's stream is 256 KiB: the sender stops there
  // until the server's MAX_STREAM_DATA arrives (windowsForBdp lifts it).
  const stall = progress.findIndex(([, bytes]) => bytes === 262_144);
  t.ok(stall > 0 && (progress[stall + 1]?.[0] ?? 0) - (progress[stall]?.[0] ?? 0) >= 5, 'the stall at the 256 KiB window shows');
});

t.test('sent transfer on a hand-written trace: retransmissions do not move progress back', async (t) => {
  const text = qlog(
    packet(0, 'sent', 'initial', []),
    packet(5, 'sent', '1RTT', [{ frame_type: 'stream', stream_id: 0, offset: 0, length: 20 }]),
    packet(6, 'sent', '1RTT', [{ frame_type: 'stream', stream_id: 0, offset: 20, length: 1000 }]),
    packet(6, 'sent', '1RTT', [{ frame_type: 'stream', stream_id: 0, offset: 1020, length: 1000, fin: true }]),
    packet(9, 'sent', '1RTT', [{ frame_type: 'stream', stream_id: 0, offset: 20, length: 1000 }]),
    packet(12, 'received', '1RTT', [{ frame_type: 'stream', stream_id: 0, offset: 0, length: 8, fin: true }]),
  );
  t.same(sentStreamTransfer(parseQlog(text), { fromOffset: 25, progress: true }), {
    startMs: 6,
    endMs: 12,
    streamBytes: 2020,
    progress: [
      [5, 20],
      [6, 2020],
    ],
  });
});

t.test('sender recovery of a lossy download (captured, the server side)', async (t) => {
  const trace = await fixtureTrace('ngtcp2-server-lossy-200k.qlog');
  t.equal(trace.vantagePoint, 'server');
  const recovery = senderRecovery(trace);
  t.same(recovery, {
    packetsSent: 185,
    packetsLost: 30,
    streamBytesSent: 200_136,
    retransmittedStreamBytes: 42_030,
    retransmittedStreamBytesByStream: { 0: 42_030 },
    retransmittedPackets: 31,
  });
  // Cross-check: the server sends stream data in order and all of it, so what it sent twice
  // is every STREAM byte sent minus each stream's final size.
  let sentTotal = 0;
  const finalSizes = new Map<number, number>();
  for (const event of trace.events) {
    if (event.kind !== 'packet_sent') continue;
    for (const f of event.frames) {
      if (f.frameType !== 'stream' || f.streamId === undefined) continue;
      sentTotal += f.length ?? 0;
      finalSizes.set(f.streamId, Math.max(finalSizes.get(f.streamId) ?? 0, (f.offset ?? 0) + (f.length ?? 0)));
    }
  }
  const distinct = [...finalSizes.values()].reduce((a, b) => a + b, 0);
  t.equal(recovery.streamBytesSent, distinct);
  t.equal(recovery.retransmittedStreamBytes, sentTotal - distinct);
});

t.test('sender recovery of a clean upload (captured, the client side): nothing lost or resent', async (t) => {
  t.match(senderRecovery(await fixtureTrace('ngtcp2-client-upload-1m.qlog')), { packetsSent: 729, packetsLost: 0, retransmittedStreamBytes: 0, retransmittedPackets: 0 });
});

t.test('sender recovery counts partly resent frames by the bytes sent before, per stream', async (t) => {
  const text = qlog(
    packet(0, 'sent', '1RTT', [{ frame_type: 'stream', stream_id: 0, offset: 0, length: 100 }]),
    packet(1, 'sent', '1RTT', [{ frame_type: 'stream', stream_id: 4, offset: 0, length: 100 }]),
    { time: 5, name: 'recovery:packet_lost', data: { header: { packet_type: '1RTT', packet_number: 0 } } },
    // Resent split across two packets, the second with new data behind it.
    packet(5, 'sent', '1RTT', [{ frame_type: 'stream', stream_id: 0, offset: 0, length: 60 }]),
    packet(6, 'sent', '1RTT', [{ frame_type: 'ack' }, { frame_type: 'stream', stream_id: 0, offset: 60, length: 90 }]),
    packet(7, 'received', '1RTT', [{ frame_type: 'stream', stream_id: 0, offset: 0, length: 100 }]),
  );
  t.same(senderRecovery(parseQlog(text)), {
    packetsSent: 4,
    packetsLost: 1,
    streamBytesSent: 250,
    retransmittedStreamBytes: 100,
    retransmittedStreamBytesByStream: { 0: 100 },
    retransmittedPackets: 2,
  });
});
