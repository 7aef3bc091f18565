// A bulk TCP flow on the wire: distinct payload over first to last payload packet.
import t from 'tap';
import type { TcpSegment } from '../../harness/capture/tcp-segments.js';
import { bulkFlowOnWire } from '../../harness/measure/wire-flow.js';

const SERVER = { ip: '198.18.0.2', port: 5201 };
const fromServer = (s: TcpSegment) => s.src.ip === SERVER.ip && s.src.port === SERVER.port;
const toServer = (s: TcpSegment) => s.dst.ip === SERVER.ip && s.dst.port === SERVER.port;

function segment(timeEpochMs: number, stream: number, seq: number, payloadBytes: number, options: { syn?: boolean; up?: boolean } = {}): TcpSegment {
  const client = { ip: '198.18.0.1', port: 40000 + stream };
  return { timeEpochMs, stream, seq, payloadBytes, syn: options.syn ?? false, ...(options.up ? { src: client, dst: SERVER } : { src: SERVER, dst: client }) };
}

t.test('download: the largest connection, a retransmission and a late hole filled count once', async (t) => {
  const isn = 1000;
  const segments = [
    segment(0, 0, 5, 0, { syn: true }), // control connection
    segment(1, 0, 6, 4),
    segment(10, 1, isn, 0, { syn: true }),
    segment(100, 1, isn + 1, 1000),
    segment(101, 1, isn + 1001, 1000), // then 2001-3001 is lost before the capture
    segment(102, 1, isn + 3001, 1000),
    segment(103, 1, isn + 3001, 1000), // a spurious retransmission
    segment(150, 1, isn + 2001, 1000), // the hole filled
    segment(200, 1, isn + 4001, 500),
    segment(300, 1, isn + 4501, 0), // a FIN without payload does not end the span
    segment(301, 0, 10, 20), // control again
  ];
  t.same(bulkFlowOnWire(segments, fromServer), { goodputBitsPerSecond: (4500 * 8) / 0.1, payloadBytes: 4500, firstToLastMs: 100, packets: 6, repeatedPackets: 1 });
});

t.test("upload: iperf3's cookie is not data, and its packet does not start the span", async (t) => {
  const segments = [segment(0, 1, 99, 0, { syn: true, up: true }), segment(1, 1, 100, 37, { up: true }), segment(50, 1, 137, 1448, { up: true }), segment(60, 1, 1585, 1448, { up: true })];
  t.same(bulkFlowOnWire(segments, toServer, 37), { goodputBitsPerSecond: (2896 * 8) / 0.01, payloadBytes: 2896, firstToLastMs: 10, packets: 2, repeatedPackets: 0 });
  // A segment that carries the cookie's end and data: the data part counts, from that packet on.
  const merged = [segment(0, 1, 99, 0, { syn: true, up: true }), segment(1, 1, 100, 1448, { up: true }), segment(11, 1, 1548, 1448, { up: true })];
  t.equal(bulkFlowOnWire(merged, toServer, 37)?.payloadBytes, 2896 - 37);
  t.equal(bulkFlowOnWire(merged, toServer, 37)?.firstToLastMs, 10);
});

t.test('sequence numbers that wrap past 2^32', async (t) => {
  const isn = 2 ** 32 - 1500;
  const segments = [segment(0, 1, isn, 0, { syn: true }), segment(10, 1, isn + 1, 1448), segment(20, 1, (isn + 1449) % 2 ** 32, 1448), segment(30, 1, (isn + 2897) % 2 ** 32, 1448)];
  t.equal(bulkFlowOnWire(segments, fromServer)?.payloadBytes, 3 * 1448);
});

t.test('without the SYN: offsets from the first payload', async (t) => {
  t.equal(bulkFlowOnWire([segment(10, 1, 500, 1000), segment(20, 1, 1500, 1000)], fromServer)?.payloadBytes, 2000);
});

t.test('nothing to measure', async (t) => {
  t.equal(bulkFlowOnWire([], fromServer), null);
  t.equal(bulkFlowOnWire([segment(10, 1, 1, 1000)], fromServer), null, 'one packet has no span');
  t.equal(bulkFlowOnWire([segment(10, 1, 1, 1000, { up: true }), segment(20, 1, 1001, 1000, { up: true })], fromServer), null, 'the other direction only');
});
