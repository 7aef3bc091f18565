// A packet capture file -> typed packets, through Debian's tshark 4.0 (`-T fields`). With a
// TLS key log (SSLKEYLOGFILE format) tshark decrypts TLS over TCP and QUIC, so the packets
// carry the TLS handshake messages, QUIC frames and HTTP/2 frames they hold.
//
// What tshark lists, and where (learned from tshark 4.0.17 on ngtcp2/GnuTLS and Node/OpenSSL
// captures):
// - tls.handshake.type appears in the packet that completes a handshake message (TCP segments
//   and QUIC CRYPTO frames are reassembled first). A retransmitted CRYPTO range is not listed
//   again ("reused stream offset").
// - A QUIC packet tshark cannot read either has no quic.packet_number (no keys at all: the
//   header protection could not be removed; after the first few such packets tshark does not
//   even warn) or shows quic.decryption_failed (keys, but the AEAD check failed).
// - The AEAD check fails on a "datagram" that is really a UDP GSO batch: ngtcp2 sends a
//   flight as one large buffer the kernel cuts into datagrams of a fixed size, and a capture
//   on loopback sees the buffer before the cut. tshark reads coalesced long-header packets
//   across the cuts (they carry their lengths) but takes a short-header packet to run to the
//   buffer's end. This is how the server's 0.5-RTT packet of a 0-RTT connection, coalesced
//   with its Initial and Handshake packets, is lost. Such datagrams keep their UDP payload
//   (quicUnread) so wire-analysis.ts can decrypt them itself (./quic-decrypt.ts).
// - A TLS-over-TCP record tshark cannot decrypt has a tls.record.length but no
//   tls.record.content_type (a decrypted TLS 1.3 record lists its inner content type).
// - http2.type and http2.streamid are listed once per HTTP/2 frame, in the same order.
import { constants } from 'node:fs';
import { access, chmod, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ownLikeDir, withLabUserDir } from '../files/lab-user-dir.js';
import { asUser, labUserIfRoot } from '../process/unprivileged.js';
import { runCommand, type RunResult } from '../process/managed-process.js';

export type QuicLongPacketType = 'initial' | '0rtt' | 'handshake' | 'retry';

export interface WireEndpoint {
  /** IPv4 dotted quad or IPv6 in its canonical compressed form. */
  ip: string;
  port: number;
}

export interface TcpFlags {
  syn: boolean;
  ack: boolean;
  fin: boolean;
  rst: boolean;
}

export interface Http2FrameInfo {
  /** HTTP/2 frame type (0 DATA, 1 HEADERS, 4 SETTINGS, ...). */
  type: number;
  streamId: number;
}

/** One captured IP packet carrying TCP or UDP. */
export interface WirePacket {
  /** tshark's frame number (1-based, in capture order). */
  frame: number;
  /** Capture time, ms since the epoch, microsecond precision. */
  timeEpochMs: number;
  transport: 'tcp' | 'udp';
  src: WireEndpoint;
  dst: WireEndpoint;
  /** Length of the IP packet: ip.len, or ipv6.plen + 40. */
  ipBytes: number;
  /** UDP payload (udp.length - 8) or TCP payload (tcp.len). */
  payloadBytes: number;
  /** TCP only. */
  tcpFlags: TcpFlags | null;
  /** Long-header QUIC packets in this datagram, in order. */
  quicLongPacketTypes: QuicLongPacketType[];
  /** The datagram holds a short-header (1-RTT) QUIC packet. */
  quicShortHeader: boolean;
  /** QUIC frame types (0x06 CRYPTO, 0x08-0x0f STREAM, 0x1e HANDSHAKE_DONE, ...) of the packets tshark could read. */
  quicFrameTypes: number[];
  /** Stream ids of the QUIC STREAM frames. */
  quicStreamIds: number[];
  /** The QUIC STREAM frames' ranges, in order (length null when the frame runs to the end of its packet). */
  quicStreamRanges: QuicStreamRange[];
  /** TCP only: the relative sequence number of the first payload byte. */
  tcpSeq: number | null;
  /** TCP only: the frames whose segments make up the PDUs (TLS records, HTTP messages) completed in this packet. */
  reassembledFrames: number[];
  /** An HTTP/1.1 request starts in this packet. */
  httpRequest: boolean;
  /** A decrypted TLS alert record (close_notify, ...) is in this packet. */
  tlsAlert: boolean;
  /** The Range header of an HTTP/2 request in this packet ("bytes=1048576-"). */
  http2Range?: string;
  /** TLS handshake messages completed in this packet (1 ClientHello, 2 ServerHello, 8 EncryptedExtensions, 11 Certificate, 15 CertificateVerify, 20 Finished, 4 NewSessionTicket). */
  tlsHandshakeTypes: number[];
  http2Frames: Http2FrameInfo[];
  /** An HTTP/1.1 response starts in this packet. */
  httpResponse: boolean;
  /** tshark could not decrypt (part of) this packet. */
  undecryptable: boolean;
  /** QUIC long-header packets: their Source Connection ID (hex). The client's is the DCID of the server's 1-RTT packets. */
  quicScid?: string;
  /** The random (hex) of a ClientHello completed in this packet: what the key log is indexed by. */
  tlsClientRandom?: string;
  /** The cipher suite of a ServerHello completed in this packet (0x1301 TLS_AES_128_GCM_SHA256, ...). */
  tlsCipherSuite?: number;
  /** ALPN protocols of a ClientHello (offered) or EncryptedExtensions (chosen) completed in this packet. */
  tlsAlpn?: string[];
  /** The version field of the QUIC long-header packets in this datagram (1 is QUIC v1). */
  quicVersion?: number;
  /**
   * A QUIC datagram tshark could not wholly read: its UDP payload and how tshark failed, for
   * the harness's own decryption. Absent on readable datagrams (the payload is only kept when needed).
   */
  quicUnread?: QuicUnread;
}

export interface QuicStreamRange {
  streamId: number;
  offset: number;
  length: number | null;
}

export interface QuicUnread {
  udpPayload: Buffer;
  /** quic.decryption_failed occurrences: packets whose AEAD check failed (tshark had keys). */
  decryptionFailures: number;
  /** Packets left without a packet number: tshark had no keys to remove their header protection. */
  packetsWithoutNumber: number;
}

/** The fields asked of tshark, in the order of its output columns. */
export const TSHARK_FIELDS = [
  'frame.number',
  'frame.time_epoch',
  'frame.protocols',
  'ip.src',
  'ip.dst',
  'ip.len',
  'ipv6.src',
  'ipv6.dst',
  'ipv6.plen',
  'tcp.srcport',
  'tcp.dstport',
  'tcp.len',
  'tcp.flags.syn',
  'tcp.flags.ack',
  'tcp.flags.fin',
  'tcp.flags.reset',
  'udp.srcport',
  'udp.dstport',
  'udp.length',
  'quic.header_form',
  'quic.long.packet_type',
  'quic.frame_type',
  'quic.stream.stream_id',
  'quic.decryption_failed',
  'quic.packet_number',
  'tls.handshake.type',
  'tls.record.length',
  'tls.record.content_type',
  'http2.type',
  'http2.streamid',
  'http.response',
  'quic.scid',
  'tls.handshake.random',
  'tls.handshake.ciphersuite',
  // Added for transfers (recorded fixtures from before have these columns empty).
  'tcp.seq',
  'tcp.segment',
  'http.request',
  'quic.stream.off',
  'quic.stream.len',
  'quic.stream.offset',
  'quic.stream.length',
  'quic.version',
  'tls.handshake.extensions_alpn_str',
  'http2.headers.range',
  'udp.payload', // last: the longest column
] as const;

type FieldName = (typeof TSHARK_FIELDS)[number];

/** Column separator of the -T fields output: tab. Multiple occurrences are joined by ','. */
const SEPARATOR = '\t';
const AGGREGATOR = ',';

const TLS_CLIENT_HELLO = 1;
const TLS_SERVER_HELLO = 2;
const TLS_ALERT_RECORD = 21;

const LONG_PACKET_TYPES: Record<string, QuicLongPacketType> = { '0': 'initial', '1': '0rtt', '2': 'handshake', '3': 'retry' };

/** tshark's command-line arguments for reading `pcapFile`. */
export function tsharkArguments(pcapFile: string, options: ReadPacketsOptions = {}): string[] {
  return [
    '-r',
    pcapFile,
    '-n', // no name resolution
    // A TCP segment lost on the link and repaired later must still be reassembled into its
    // TLS record (tshark 4.0 does not by default), and an HTTP/1.1 response is marked where
    // its headers end, not where its body does.
    '-o',
    'tcp.reassemble_out_of_order:TRUE',
    '-o',
    'http.desegment_body:FALSE',
    ...(options.keylogFile !== undefined ? ['-o', `tls.keylog_file:${options.keylogFile}`] : []),
    ...(options.quicPorts ?? []).flatMap((port) => ['-d', `udp.port==${port},quic`]),
    ...(options.tlsPorts ?? []).flatMap((port) => ['-d', `tcp.port==${port},tls`]),
    '-T',
    'fields',
    '-E',
    'separator=/t',
    '-E',
    'occurrence=a',
    '-E',
    `aggregator=${AGGREGATOR}`,
    '-E',
    'quote=n',
    '-E',
    'header=n',
    ...TSHARK_FIELDS.flatMap((field) => ['-e', field]),
  ];
}

function splitValues(text: string | undefined): string[] {
  return text === undefined || text === '' ? [] : text.split(AGGREGATOR);
}

function integer(text: string, field: string, line: string, max = Number.MAX_SAFE_INTEGER): number {
  // tshark prints integers in decimal, or 0x-prefixed hex for some fields in some versions;
  // every field read here is a count, a length, a number or an id: never negative.
  const value = /^0x[0-9a-f]+$/i.test(text) ? parseInt(text, 16) : /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value > max) throw new Error(`tshark output: ${field} is not an integer from 0 to ${max} ("${text}") in: ${line.slice(0, 200)}`);
  return value;
}

const MAX_PORT = 65535;
const UDP_HEADER_BYTES = 8;

function flag(text: string | undefined): boolean {
  const first = splitValues(text)[0];
  return first === '1' || first === 'True' || first === 'true';
}

/** frame.time_epoch ("1795690371.754918000") in ms since the epoch, rounded to the microsecond. */
export function epochMsFromTshark(text: string): number {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (match) {
    const micros = Number((match[2] ?? '').padEnd(6, '0').slice(0, 6));
    return Number(match[1]) * 1000 + micros / 1000;
  }
  const parsed = Date.parse(text); // newer tshark versions may print ISO 8601
  if (Number.isNaN(parsed)) throw new Error(`tshark output: cannot read frame.time_epoch "${text}"`);
  return parsed;
}

/** IPv6 addresses in one canonical (compressed, lowercase) form, so they compare as strings. */
export function canonicalIp(ip: string): string {
  if (!ip.includes(':')) return ip;
  try {
    return new URL(`http://[${ip.replace(/%.*$/, '')}]/`).hostname.slice(1, -1);
  } catch {
    return ip.toLowerCase();
  }
}

/**
 * One line of `tshark -T fields` output (the fields of TSHARK_FIELDS) as a WirePacket, or
 * null for a packet that is not TCP or UDP over IP (ICMP errors quoting a UDP header, ARP).
 */
export function parseTsharkLine(line: string): WirePacket | null {
  const columns = line.split(SEPARATOR);
  if (columns.length !== TSHARK_FIELDS.length) {
    throw new Error(`tshark output: expected ${TSHARK_FIELDS.length} columns, got ${columns.length} in: ${line.slice(0, 200)}`);
  }
  const raw = Object.fromEntries(TSHARK_FIELDS.map((name, i) => [name, columns[i] ?? ''])) as Record<FieldName, string>;
  const first = (name: FieldName): string | undefined => splitValues(raw[name])[0];
  const ints = (name: FieldName): number[] => splitValues(raw[name]).map((v) => integer(v, name, line));

  // The transport is the first of tcp/udp/icmp in the protocol stack: an ICMP error that
  // quotes a UDP header also lists udp fields, but it is not a UDP packet.
  const stack = raw['frame.protocols'].split(':');
  const transportLayer = stack.find((p) => p === 'tcp' || p === 'udp' || p === 'icmp' || p === 'icmpv6');
  if (transportLayer !== 'tcp' && transportLayer !== 'udp') return null;
  const transport = transportLayer;

  const ipv4 = stack.indexOf('ip');
  const ipv6 = stack.indexOf('ipv6');
  const isV6 = ipv6 !== -1 && (ipv4 === -1 || ipv6 < ipv4);
  const srcIp = isV6 ? first('ipv6.src') : first('ip.src');
  const dstIp = isV6 ? first('ipv6.dst') : first('ip.dst');
  const lengthText = isV6 ? first('ipv6.plen') : first('ip.len');
  const srcPort = first(transport === 'tcp' ? 'tcp.srcport' : 'udp.srcport');
  const dstPort = first(transport === 'tcp' ? 'tcp.dstport' : 'udp.dstport');
  if (srcIp === undefined || dstIp === undefined || lengthText === undefined || srcPort === undefined || dstPort === undefined) {
    throw new Error(`tshark output: missing addresses or ports in: ${line.slice(0, 200)}`);
  }
  const ipBytes = integer(lengthText, isV6 ? 'ipv6.plen' : 'ip.len', line) + (isV6 ? 40 : 0);

  let payloadBytes: number;
  if (transport === 'udp') {
    const udpLength = first('udp.length');
    payloadBytes = udpLength === undefined ? 0 : integer(udpLength, 'udp.length', line) - UDP_HEADER_BYTES;
    if (payloadBytes < 0) throw new Error(`tshark output: udp.length ${udpLength} is shorter than the UDP header in: ${line.slice(0, 200)}`);
  } else {
    const tcpLength = first('tcp.len');
    payloadBytes = tcpLength === undefined ? 0 : integer(tcpLength, 'tcp.len', line);
  }

  const headerForms = splitValues(raw['quic.header_form']);
  const longPacketTypes = splitValues(raw['quic.long.packet_type']).flatMap((v) => LONG_PACKET_TYPES[v] ?? []);
  // Every QUIC packet but a Retry has a packet number once its header protection is removed.
  const quicPacketsWithoutNumber = headerForms.length - longPacketTypes.filter((type) => type === 'retry').length - splitValues(raw['quic.packet_number']).length;
  const recordCount = splitValues(raw['tls.record.length']).length;
  const recordTypeCount = splitValues(raw['tls.record.content_type']).length;
  const http2Types = ints('http2.type');
  const http2Streams = ints('http2.streamid');
  const tlsHandshakeTypes = ints('tls.handshake.type');
  const decryptionFailures = splitValues(raw['quic.decryption_failed']).length;
  const undecryptable = decryptionFailures > 0 || quicPacketsWithoutNumber > 0 || recordCount > recordTypeCount;
  // A packet completes at most one of ClientHello and ServerHello: the random and cipher suite listed are its.
  const random = tlsHandshakeTypes.includes(TLS_CLIENT_HELLO) ? first('tls.handshake.random') : undefined;
  const cipherSuite = tlsHandshakeTypes.includes(TLS_SERVER_HELLO) && !tlsHandshakeTypes.includes(TLS_CLIENT_HELLO) ? first('tls.handshake.ciphersuite') : undefined;
  const scid = first('quic.scid');
  const udpPayload = first('udp.payload');
  const quicVersion = first('quic.version');
  const alpn = splitValues(raw['tls.handshake.extensions_alpn_str']);
  const range = first('http2.headers.range');
  const tcpSeq = transport === 'tcp' ? first('tcp.seq') : undefined;

  return {
    frame: integer(raw['frame.number'], 'frame.number', line),
    timeEpochMs: epochMsFromTshark(raw['frame.time_epoch']),
    transport,
    src: { ip: canonicalIp(srcIp), port: integer(srcPort, 'port', line, MAX_PORT) },
    dst: { ip: canonicalIp(dstIp), port: integer(dstPort, 'port', line, MAX_PORT) },
    ipBytes,
    payloadBytes,
    tcpFlags: transport === 'tcp' ? { syn: flag(raw['tcp.flags.syn']), ack: flag(raw['tcp.flags.ack']), fin: flag(raw['tcp.flags.fin']), rst: flag(raw['tcp.flags.reset']) } : null,
    quicLongPacketTypes: longPacketTypes,
    quicShortHeader: headerForms.some((v) => v === '0' || v === 'False' || v === 'false'),
    quicFrameTypes: ints('quic.frame_type'),
    quicStreamIds: ints('quic.stream.stream_id'),
    quicStreamRanges: streamRanges(ints('quic.stream.stream_id'), splitValues(raw['quic.stream.off']), splitValues(raw['quic.stream.len']), ints('quic.stream.offset'), ints('quic.stream.length')),
    tcpSeq: tcpSeq === undefined ? null : integer(tcpSeq, 'tcp.seq', line),
    reassembledFrames: transport === 'tcp' ? ints('tcp.segment') : [],
    httpRequest: flag(raw['http.request']),
    tlsAlert: ints('tls.record.content_type').includes(TLS_ALERT_RECORD),
    tlsHandshakeTypes,
    http2Frames: http2Types.map((type, i) => ({ type, streamId: http2Streams[i] ?? -1 })),
    httpResponse: flag(raw['http.response']),
    undecryptable,
    ...(scid !== undefined ? { quicScid: scid.replace(/:/g, '').toLowerCase() } : {}),
    ...(random !== undefined ? { tlsClientRandom: random.replace(/:/g, '').toLowerCase() } : {}),
    ...(cipherSuite !== undefined ? { tlsCipherSuite: integer(cipherSuite, 'tls.handshake.ciphersuite', line) } : {}),
    ...(alpn.length > 0 ? { tlsAlpn: alpn } : {}),
    ...(range !== undefined ? { http2Range: range } : {}),
    ...(quicVersion !== undefined ? { quicVersion: integer(quicVersion, 'quic.version', line) } : {}),
    ...(headerForms.length > 0 && undecryptable && udpPayload !== undefined
      ? { quicUnread: { udpPayload: Buffer.from(udpPayload.replace(/:/g, ''), 'hex'), decryptionFailures, packetsWithoutNumber: Math.max(0, quicPacketsWithoutNumber) } }
      : {}),
  };
}

/**
 * STREAM frames' ranges from tshark's per-frame lists: every frame lists its id and its OFF
 * and LEN bits, but only frames with the bit set list an offset or a length, so those are
 * dealt out in order (no OFF bit: offset 0; no LEN bit: to the end of the packet).
 */
export function streamRanges(ids: readonly number[], offBits: readonly string[], lenBits: readonly string[], offsets: readonly number[], lengths: readonly number[]): QuicStreamRange[] {
  let nextOffset = 0;
  let nextLength = 0;
  const set = (bit: string | undefined): boolean => bit === '1' || bit === 'True' || bit === 'true';
  return ids.map((streamId, i) => {
    const offset = set(offBits[i]) ? (offsets[nextOffset++] ?? 0) : 0;
    const length = set(lenBits[i]) ? (lengths[nextLength++] ?? null) : null;
    return { streamId, offset, length };
  });
}

/** One line of `tshark -T fields` output as a packet; null for a blank line or a non-TCP/UDP packet. */
function packetOfLine(line: string): WirePacket | null {
  return line.trim() === '' ? null : parseTsharkLine(line);
}

/** The whole `tshark -T fields` output as packets (non-TCP/UDP packets left out). */
export function parseTsharkFields(text: string): WirePacket[] {
  return text.split('\n').flatMap((line) => packetOfLine(line) ?? []);
}

export interface ReadPacketsOptions {
  /** TLS key log (SSLKEYLOGFILE format): TLS and QUIC traffic is decrypted with it. */
  keylogFile?: string;
  /** Decode these UDP ports as QUIC (tshark's heuristics find QUIC on any port from its Initial packets anyway). */
  quicPorts?: number[];
  /** Decode these TCP ports as TLS. */
  tlsPorts?: number[];
  /** Default 60 s. */
  timeoutMs?: number;
  /** Executable; default tshark from PATH. */
  command?: string;
}

/** Lines tshark writes to stderr that say nothing about the capture. */
function meaningfulStderr(stderr: string): string[] {
  return stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^Running as user "[^"]*" and group "[^"]*"\. This could be dangerous\.$/.test(l));
}

/** Reads a capture file with tshark. Throws a one-line error when tshark is missing or fails. */
export async function readPackets(pcapFile: string, options: ReadPacketsOptions = {}): Promise<WirePacket[]> {
  await access(pcapFile).catch(() => {
    throw new Error(`tshark: cannot read the capture file ${pcapFile}`);
  });
  if (options.keylogFile !== undefined) {
    // tshark silently ignores a key log it cannot read, which would read as "not decryptable".
    await access(options.keylogFile).catch(() => {
      throw new Error(`tshark: cannot read the TLS key log ${options.keylogFile}`);
    });
  }
  const user = await labUserIfRoot();
  if (options.keylogFile === undefined || user === null) return await tsharkPackets(pcapFile, tsharkArguments(pcapFile, options), options);
  // tshark runs as the lab user, who may read the key log only for this read: a copy of it,
  // that user's and 0400, in a private directory of its own, removed right after.
  const keylog = options.keylogFile;
  return withLabUserDir('quic-lab-tshark-keys-', async (dir) => {
    const copy = join(dir, 'keys.log');
    await copyFile(keylog, copy, constants.COPYFILE_EXCL);
    await chmod(copy, 0o400);
    await ownLikeDir(dir, [copy]);
    return await tsharkPackets(pcapFile, tsharkArguments(pcapFile, { ...options, keylogFile: copy }), options);
  });
}

/** The most of tshark's output held as text (field lines are parsed as they come, see tsharkPackets): under V8's 512 MiB string limit. */
export const TSHARK_OUTPUT_LIMIT_CHARS = 256 * 1024 * 1024;

/**
 * Runs tshark with `args` on `pcapFile` and returns its output; throws a one-line error when tshark is missing or fails.
 * As root, tshark runs as the lab's unprivileged user (its dissectors parse what came off the wire): the capture must be
 * readable by that user (files/lab-user-dir.ts).
 */
export async function runTshark(pcapFile: string, args: string[], options: Pick<ReadPacketsOptions, 'timeoutMs' | 'command'> = {}): Promise<string> {
  return (await tshark(pcapFile, args, options)).stdout;
}

/** The packets of tshark's field lines, parsed as they come: a capture of any size is read without holding its text. */
async function tsharkPackets(pcapFile: string, args: string[], options: Pick<ReadPacketsOptions, 'timeoutMs' | 'command'>): Promise<WirePacket[]> {
  const packets: WirePacket[] = [];
  await tshark(pcapFile, args, options, (line) => {
    const packet = packetOfLine(line);
    if (packet !== null) packets.push(packet);
  });
  return packets;
}

async function tshark(pcapFile: string, args: string[], options: Pick<ReadPacketsOptions, 'timeoutMs' | 'command'>, onLine?: (line: string) => void): Promise<RunResult> {
  const command = options.command ?? 'tshark';
  const user = await labUserIfRoot();
  const run = await runCommand({
    name: 'tshark',
    ...(user === null ? { command, args } : asUser(user, command, args)),
    timeoutMs: options.timeoutMs ?? 60_000,
    outputLimitChars: TSHARK_OUTPUT_LIMIT_CHARS,
    ...(onLine ? { onStdoutLine: onLine } : {}),
  });
  // Missing: Node cannot spawn it, or setpriv cannot execute it.
  if (/spawn failed: .*ENOENT|setpriv: failed to execute .*: No such file or directory/.test(run.stderr)) {
    throw new Error('tshark is not installed (Debian package tshark); run `npm run setup`');
  }
  if (run.droppedOutputChars !== undefined) {
    throw new Error(`tshark: its fields for ${pcapFile} exceed ${TSHARK_OUTPUT_LIMIT_CHARS / 1024 / 1024} MiB: too large to hold in memory; run such transfers with --no-capture`);
  }
  if (run.timedOut) throw new Error(`tshark: killed after ${options.timeoutMs ?? 60_000} ms reading ${pcapFile}`);
  const problems = meaningfulStderr(run.stderr);
  // A capture stopped mid-write ends in a partial packet: tshark reads all whole packets,
  // then complains and exits 2. Those packets are good.
  const cutShort = problems.length > 0 && problems.every((l) => /cut short in the middle of a packet|^tshark: The file ".*" appears to have been cut short/.test(l));
  if (run.code !== 0 && !cutShort) {
    throw new Error(`tshark failed on ${pcapFile} (exit ${run.code ?? run.signal}): ${problems.slice(-3).join(' | ') || 'no message'}`);
  }
  return run;
}
