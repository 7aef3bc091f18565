// TCP segments of a capture file, with their raw sequence numbers: what a bulk flow's bytes on
// the wire are counted from (a retransmission must count once). Only headers are read, so a
// capture with a small snaplen is enough; tshark takes tcp.len from the IP length, not from
// the bytes captured.
import { canonicalIp, epochMsFromTshark, runTshark, type WireEndpoint } from './tshark.js';

export interface TcpSegment {
  /** Capture time, ms since the epoch, microsecond precision. */
  timeEpochMs: number;
  src: WireEndpoint;
  dst: WireEndpoint;
  /** tshark's connection index (tcp.stream). */
  stream: number;
  /** The raw (absolute) sequence number. */
  seq: number;
  payloadBytes: number;
  syn: boolean;
}

const FIELDS = ['frame.time_epoch', 'ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst', 'tcp.srcport', 'tcp.dstport', 'tcp.stream', 'tcp.seq_raw', 'tcp.len', 'tcp.flags.syn'] as const;

export function tcpSegmentArguments(pcapFile: string): string[] {
  return [
    '-r',
    pcapFile,
    '-n',
    // Only the header fields are wanted: no sequence analysis, no reassembly, no payload dissection.
    '-o',
    'tcp.analyze_sequence_numbers:FALSE',
    '-o',
    'tcp.desegment_tcp_streams:FALSE',
    '-Y',
    'tcp',
    '-T',
    'fields',
    '-E',
    'separator=/t',
    '-E',
    'occurrence=f',
    ...FIELDS.flatMap((field) => ['-e', field]),
  ];
}

function number(text: string | undefined, field: string, line: string): number {
  const value = text !== undefined && /^0x[0-9a-f]+$/i.test(text) ? parseInt(text, 16) : Number(text);
  if (text === undefined || text === '' || !Number.isInteger(value)) throw new Error(`tshark output: ${field} is not an integer ("${text ?? ''}") in: ${line.slice(0, 200)}`);
  return value;
}

/** One line of the output of tcpSegmentArguments' tshark run. */
export function parseTcpSegmentLine(line: string): TcpSegment {
  const columns = line.split('\t');
  if (columns.length !== FIELDS.length) throw new Error(`tshark output: expected ${FIELDS.length} columns, got ${columns.length} in: ${line.slice(0, 200)}`);
  const [time, ipSrc, ipDst, ip6Src, ip6Dst, srcPort, dstPort, stream, seq, length, syn] = columns as [string, string, string, string, string, string, string, string, string, string, string];
  const src = ipSrc !== '' ? ipSrc : ip6Src;
  const dst = ipDst !== '' ? ipDst : ip6Dst;
  if (src === '' || dst === '') throw new Error(`tshark output: no addresses in: ${line.slice(0, 200)}`);
  return {
    timeEpochMs: epochMsFromTshark(time),
    src: { ip: canonicalIp(src), port: number(srcPort, 'tcp.srcport', line) },
    dst: { ip: canonicalIp(dst), port: number(dstPort, 'tcp.dstport', line) },
    stream: number(stream, 'tcp.stream', line),
    seq: number(seq, 'tcp.seq_raw', line),
    payloadBytes: number(length, 'tcp.len', line),
    syn: syn === '1' || syn === 'True' || syn === 'true',
  };
}

/** The TCP segments of `pcapFile`, in capture order. */
export async function readTcpSegments(pcapFile: string, options: { timeoutMs?: number } = {}): Promise<TcpSegment[]> {
  const text = await runTshark(pcapFile, tcpSegmentArguments(pcapFile), options);
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map(parseTcpSegmentLine);
}
