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
import { clientTimings, parseQlog, senderRecovery, type QlogTrace } from '../../harness/endpoints/ngtcp2/qlog.js';
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
