// tshark's TCP header fields -> segments (the lines as tshark 4.0.17 printed them for a
// capture with a 128-byte snaplen: tcp.len comes from the IP length, not the bytes kept).
import t from 'tap';
import { parseTcpSegmentLine, tcpSegmentArguments } from '../../harness/capture/tcp-segments.js';

t.test('IPv4 and IPv6 lines', async (t) => {
  t.same(parseTcpSegmentLine('1796458094.668381000\t198.18.0.2\t198.18.0.1\t\t\t5201\t40000\t3\t3677955014\t1448\t0'), {
    timeEpochMs: 1796458094668.381,
    src: { ip: '198.18.0.2', port: 5201 },
    dst: { ip: '198.18.0.1', port: 40000 },
    stream: 3,
    seq: 3677955014,
    payloadBytes: 1448,
    syn: false,
  });
  const v6 = parseTcpSegmentLine('1796458094.668302000\t\t\t2001:0002::1\t2001:2::2\t36626\t5999\t0\t3677955013\t0\t1');
  t.same([v6.src.ip, v6.dst.ip, v6.syn, v6.payloadBytes], ['2001:2::1', '2001:2::2', true, 0]);
});

t.test('a malformed line is an error naming the field', async (t) => {
  t.throws(() => parseTcpSegmentLine('1\t2'), /expected 11 columns, got 2/);
  t.throws(() => parseTcpSegmentLine('1796458094.668381000\t198.18.0.2\t198.18.0.1\t\t\t5201\t40000\t3\t\t1448\t0'), /tcp\.seq_raw is not an integer/);
  t.throws(() => parseTcpSegmentLine('1796458094.668381000\t\t\t\t\t5201\t40000\t3\t1\t1448\t0'), /no addresses/);
});

t.test('tshark is asked for headers only, one field occurrence each', async (t) => {
  const args = tcpSegmentArguments('/x/ref.pcap');
  t.strictSame(args.slice(0, 3), ['-r', '/x/ref.pcap', '-n']);
  t.ok(args.includes('tcp.analyze_sequence_numbers:FALSE'));
  t.ok(args.includes('occurrence=f'));
  t.equal(args.filter((a) => a === '-e').length, 11);
});
