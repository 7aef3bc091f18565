// The ngtcp2 qlog parser on qlogs of ngtcp2 1.11 (Debian 1.11.0-1~bpo12+1), captured on
// loopback with the harness's flags (gtlsclient -q --exit-on-all-streams-close --cc=cubic
// --initial-rtt=333ms, through the lab-trust shim; gtlsserver --max-dyn-length=0 serving files).
// 1.x still writes JSON-SEQ qlog 0.3 with whole-millisecond times and the same event and frame
// names as 0.12 (ngtcp2-qlog.test.ts has the 0.12 fixtures); what changed is around them:
// - ngtcp2-1x-client.qlog: GET /16000, cold. 1.x sends the client's Finished as soon as the
//   server's flight is in (0.12 paced it by the 333 ms initial RTT, 20 ms later), and probes the
//   path MTU (PING packets, then STREAM frames of 1365 and 1403 bytes where 0.12 kept 1156).
// - ngtcp2-1x-client-0rtt.qlog: GET /1000 resumed with early data (the priming run used
//   --wait-for-ticket): the request leaves in a 0-RTT packet beside the first Initial.
// - ngtcp2-1x-server-lossy-200k.qlog: gtlsserver --tx-loss=0.03, GET /200000: the sender's
//   side of a download with real recovery. Packet numbers start at random in 1.x. Trimmed of
//   its recovery:metrics_updated records (read by nothing here).
import t from 'tap';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { clientTimings, parseQlog, QlogTraceBuilder, senderRecovery, type QlogTrace } from '../../harness/endpoints/ngtcp2/qlog.js';
import { readQlogFile } from '../../harness/endpoints/ngtcp2/qlog-files.js';

async function fixtureTrace(name: string): Promise<QlogTrace> {
  return parseQlog(await readFile(new URL(`../fixtures/${name}`, import.meta.url), 'utf8'));
}

t.test('a 1.x client qlog parses: vantage point, packets, whole-millisecond times', async (t) => {
  const trace = await fixtureTrace('ngtcp2-1x-client.qlog');
  t.equal(trace.vantagePoint, 'client');
  t.equal(trace.events.length, 62);
  t.equal(trace.events.filter((e) => e.kind !== 'other').length, 30);
  t.ok(
    trace.events.every((e) => Number.isInteger(e.timeMs)),
    'times are whole ms (resolution 1 ms, as recorded)',
  );
  const first = trace.events.find((e) => e.kind === 'packet_sent');
  t.match(first, { kind: 'packet_sent', timeMs: 0, packetType: 'initial', packetNumber: 549299767, sizeBytes: 1200 });
  t.match(first?.kind === 'packet_sent' ? first.frames[0] : undefined, { frameType: 'crypto', offset: 0, length: 362 });
  t.same(await readQlogFile(new URL('../fixtures/ngtcp2-1x-client.qlog', import.meta.url).pathname), trace, 'streamed from the file, the same trace');
});

t.test('timings of a cold 1.x exchange: the Finished is not held back', async (t) => {
  t.same(clientTimings(await fixtureTrace('ngtcp2-1x-client.qlog')), {
    // The server's flight (two Handshake packets) arrives at 25 ms; the client's Finished
    // and the request leave at 26 ms, not an initial-RTT-paced 20 ms later as with 0.12.
    handshakeMs: 25,
    clientFinishedSentMs: 26,
    handshakeConfirmedMs: 26,
    ttfbMs: 26,
    totalMs: 30,
    // 16000 body bytes, one DATA frame header (3 bytes) and a 13-byte HEADERS frame.
    responseStreamBytes: 16016,
    packetsSent: 10,
    zeroRttPacketsSent: 0,
    packetsReceived: 20,
    packetsLost: 0,
    close: { by: 'local', timeMs: 30, errorSpace: 'application', errorCode: 256, reason: 'no error' },
  });
});

t.test('a 1.x 0-RTT exchange: the request in a 0-RTT packet, the answer before the client Finished', async (t) => {
  t.same(clientTimings(await fixtureTrace('ngtcp2-1x-client-0rtt.qlog')), {
    handshakeMs: 4,
    clientFinishedSentMs: 5,
    handshakeConfirmedMs: 5,
    ttfbMs: 4,
    totalMs: 5,
    responseStreamBytes: 1015,
    packetsSent: 7,
    zeroRttPacketsSent: 1,
    packetsReceived: 6,
    packetsLost: 0,
    close: { by: 'local', timeMs: 5, errorSpace: 'application', errorCode: 256, reason: 'no error' },
  });
});

t.test("a 1.x server's loss recovery: recovery:packet_lost and resent STREAM bytes", async (t) => {
  const trace = await fixtureTrace('ngtcp2-1x-server-lossy-200k.qlog');
  t.equal(trace.vantagePoint, 'server');
  // Cross-checked by a separate count over the JSON: 178 packet_sent, 22 packet_lost, and
  // 30826 STREAM bytes at offsets sent before, in 22 packets.
  t.same(senderRecovery(trace), {
    packetsSent: 178,
    packetsLost: 22,
    streamBytesSent: 200060,
    retransmittedStreamBytes: 30826,
    retransmittedStreamBytesByStream: { 0: 30826 },
    retransmittedPackets: 22,
  });
});

// ngtcp2 writes a packet that carries only PADDING without starting its record, so the record
// written is the previous packet's again, a newline, then the padding packet's frames, header
// and length. ngtcp2-1x-server-unstarted-padding.qlog: gtlsserver --tx-loss=0.2 --rx-loss=0.1
// serving 200 kB on loopback to a lossy gtlsclient (4 such records in 61 connections; in the lab
// 1 of 48 samples of a 1 MB download at 5% loss failed on it as "qlog record 24 is not JSON",
// and one in CI). Trimmed of its recovery:metrics_updated records.
t.test("a padding-only packet written without its start (ngtcp2's own qlog): rebuilt, the previous packet not doubled", async (t) => {
  const text = await readFile(new URL('../fixtures/ngtcp2-1x-server-unstarted-padding.qlog', import.meta.url), 'utf8');
  const builder = new QlogTraceBuilder();
  for (const record of text.split('\x1e')) builder.push(record);
  const trace = builder.finish();
  t.equal(builder.repairedRecords, 1);
  t.equal(trace.vantagePoint, 'server');
  const handshake = trace.events.findIndex((e) => e.kind === 'packet_sent' && e.packetType === 'handshake' && e.packetNumber === 2143217232);
  t.same(trace.events.slice(handshake, handshake + 2), [
    { kind: 'packet_sent', timeMs: 2001, packetType: 'handshake', packetNumber: 2143217232, sizeBytes: 559, frames: [{ frameType: 'crypto', offset: 954, length: 488 }] },
    { kind: 'packet_sent', timeMs: 2001, packetType: '1RTT', packetNumber: 2143217230, sizeBytes: 480, frames: [{ frameType: 'padding' }] },
  ]);
  t.equal(trace.events.filter((e) => e.kind === 'packet_sent' && e.packetType === 'handshake' && e.packetNumber === 2143217232).length, 1, 'the handshake packet once');
  t.same(await readQlogFile(fileURLToPath(new URL('../fixtures/ngtcp2-1x-server-unstarted-padding.qlog', import.meta.url))), trace, 'read from its file alike');
  t.ok(senderRecovery(trace).retransmittedPackets > 0, 'its recovery reads');
});

t.test('two padding-only packets in a row without their starts: each rebuilt', async (t) => {
  const initial =
    '{"time":5,"name":"transport:packet_sent","data":{"frames":[{"frame_type":"crypto","offset":0,"length":362},{"frame_type":"padding"}],"header":{"packet_type":"initial","packet_number":3},"raw":{"length":1200}}}';
  const tail = (pn: number) => `{"frame_type":"padding"}],"header":{"packet_type":"handshake","packet_number":${pn}},"raw":{"length":1150}}}`;
  const metrics = '{"time":6,"name":"recovery:metrics_updated","data":{"cwnd":12000}}';
  const broken = `${initial}\n${tail(7)}`;
  const builder = new QlogTraceBuilder();
  for (const record of [initial, metrics, broken, `${broken}\n${tail(8)}`, initial]) builder.push(`${record}\n`);
  const trace = builder.finish();
  t.equal(builder.repairedRecords, 2);
  const padding = (packetNumber: number) => ({ kind: 'packet_sent', timeMs: 6, packetType: 'handshake', packetNumber, sizeBytes: 1150, frames: [{ frameType: 'padding' }] });
  t.same(
    trace.events.map((e) => (e.kind === 'other' ? e.name : e.packetNumber)),
    [3, 'recovery:metrics_updated', 7, 8, 3],
  );
  t.same(trace.events.slice(2, 4), [padding(7), padding(8)], 'at the latest time before them, as sent');
});

t.test('a padding-only packet as the last record is rebuilt too, not dropped as truncated', async (t) => {
  const initial = '{"time":5,"name":"transport:packet_sent","data":{"frames":[{"frame_type":"ping"}],"header":{"packet_type":"initial","packet_number":3},"raw":{"length":1200}}}';
  const builder = new QlogTraceBuilder();
  builder.push(initial);
  builder.push(`${initial}\n{"frame_type":"padding"}],"header":{"packet_type":"1RTT","packet_number":4},"raw":{"length":480}}}\n`);
  const trace = builder.finish();
  t.equal(builder.repairedRecords, 1);
  t.same(
    trace.events.map((e) => (e.kind === 'other' ? e.name : [e.packetType, e.packetNumber])),
    [
      ['initial', 3],
      ['1RTT', 4],
    ],
  );
  const cut = new QlogTraceBuilder();
  cut.push(initial);
  cut.push('{"time":6,"name":"transport:packet_sent","data":{"fra');
  t.equal(cut.finish().events.length, 1, 'a truncated last record is still dropped');
});

t.test('a broken record of another shape is still refused, and the message shows it', async (t) => {
  const good = '{"time":1,"name":"transport:packet_sent","data":{"frames":[{"frame_type":"ping"}],"header":{"packet_type":"1RTT","packet_number":1},"raw":{"length":40}}}';
  t.throws(() => parseQlog(`\x1e${good}\n\x1e{"time":2,"name":"transport:packet_sent","data":{"frames":[}\n\x1e${good}\n`), /^qlog record 2 is not JSON: .+: \{"time":2,"name":"transport:packet_sent","data":\{"frames":\[\}$/);
  // The previous packet's text again, but followed by something other than frames.
  t.throws(() => parseQlog(`\x1e${good}\n\x1e${good}\n{"time":3}\n\x1e${good}\n`), /qlog record 2 is not JSON: Unexpected non-whitespace character after JSON at position \d+: \{"time":1,/);
});
