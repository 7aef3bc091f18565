// The most payload a transport can carry over the lab link, and the check that no goodput
// exceeds it. An upper bound, not an estimate: every packet is taken to be MTU-sized and to
// carry only the headers every packet of the transport must have (no ACKs, no options beyond
// TCP's timestamps, no QUIC frame or HTTP framing), and the rate limiter to serialize nothing
// but those packets (plus the framing it counts).
import type { PayloadCapacity, TcpReference, TransportCapacity } from '../results/link.js';

export type { PayloadCapacity } from '../results/link.js';

export interface CapacityInputs {
  upBitsPerSecond: number | null;
  downBitsPerSecond: number | null;
  mtuBytes: number;
  ipVersion: 4 | 6;
  /** Bytes the rate limiter counts per packet besides the IP packet. */
  rateFramingBytes: number;
  /** TCP carries the timestamp option (10 bytes, padded to 12). */
  tcpTimestamps: boolean;
}

const IP_HEADER_BYTES = { 4: 20, 6: 40 } as const;
const TCP_HEADER_BYTES = 20;
const TCP_TIMESTAMP_OPTION_BYTES = 12;
const UDP_HEADER_BYTES = 8;
/** RFC 9000 17.3.1: the first byte, a zero-length connection ID and a 1-byte packet number. */
const QUIC_SMALLEST_SHORT_HEADER_BYTES = 2;
/** Every QUIC v1 AEAD (AES-GCM, ChaCha20-Poly1305, AES-CCM) appends a 16-byte tag (RFC 9001 5.3). */
const QUIC_AEAD_TAG_BYTES = 16;

function transportCapacity(inputs: CapacityInputs, overheadBytes: Record<string, number>): TransportCapacity {
  const payloadBytesPerPacket = inputs.mtuBytes - Object.values(overheadBytes).reduce((a, b) => a + b, 0);
  const perSecond = (rate: number | null) => (rate === null ? null : (rate * payloadBytesPerPacket) / (inputs.mtuBytes + inputs.rateFramingBytes));
  return { overheadBytes, payloadBytesPerPacket, upBitsPerSecond: perSecond(inputs.upBitsPerSecond), downBitsPerSecond: perSecond(inputs.downBitsPerSecond) };
}

/** TCP and QUIC payload capacity of each direction (20 Mbit/s, MTU 1500, IPv4, TCP timestamps: 1448 of 1500 bytes, 19 306 666.7 bit/s). */
export function payloadCapacity(inputs: CapacityInputs): PayloadCapacity {
  const ip = { [`ipv${inputs.ipVersion}`]: IP_HEADER_BYTES[inputs.ipVersion] };
  return {
    mtuBytes: inputs.mtuBytes,
    ipVersion: inputs.ipVersion,
    rateFramingBytes: inputs.rateFramingBytes,
    tcpTimestamps: inputs.tcpTimestamps,
    tcp: transportCapacity(inputs, { ...ip, tcp: TCP_HEADER_BYTES, ...(inputs.tcpTimestamps ? { tcpTimestampOption: TCP_TIMESTAMP_OPTION_BYTES } : {}) }),
    quic: transportCapacity(inputs, { ...ip, udp: UDP_HEADER_BYTES, quicShortHeader: QUIC_SMALLEST_SHORT_HEADER_BYTES, aeadTag: QUIC_AEAD_TAG_BYTES }),
  };
}

/** Timestamps are used only when both ends offer them (net.ipv4.tcp_timestamps 1 or 2); unknown counts as off, the larger bound. */
export function tcpTimestampsOn(settings: Readonly<Record<string, string | null>>, sides: readonly string[] = ['client', 'server']): boolean {
  return sides.every((side) => {
    const value = settings[`${side}.net.ipv4.tcp_timestamps`];
    return value !== null && value !== undefined && value !== '0';
  });
}

/** Metrics that are goodputs: goodputBitsPerSecond and its kin (wireGoodputBitsPerSecond, ...). */
const GOODPUT_METRIC = /^(?:g|[a-z][A-Za-z]*G)oodputBitsPerSecond$/;

export function isGoodputMetric(name: string): boolean {
  return GOODPUT_METRIC.test(name);
}

function mbit(bitsPerSecond: number): string {
  return (bitsPerSecond / 1e6).toFixed(3);
}

/** A flag for each of `goodputs` (name -> bits/s) above the transport's capacity in `direction`; none where no rate is set. */
export function capacityFlags(goodputs: Readonly<Record<string, number>>, capacity: PayloadCapacity, transport: 'tcp' | 'quic', direction: 'up' | 'down'): string[] {
  const limit = capacity[transport][direction === 'up' ? 'upBitsPerSecond' : 'downBitsPerSecond'];
  if (limit === null) return [];
  return Object.entries(goodputs)
    .filter(([, value]) => value > limit)
    .map(([name, value]) => `${name} ${mbit(value)} Mbit/s exceeds the link's ${transport === 'tcp' ? 'TCP' : 'QUIC'} payload capacity ${mbit(limit)} Mbit/s (${direction}) by ${((value / limit - 1) * 100).toFixed(2)}%`);
}

/** The capacity check of one sample: each goodput metric it has against its transport's capacity in its direction. */
export function sampleCapacityFlags(metrics: Readonly<Record<string, number>>, protocol: 'quic' | 'tcp-tls' | 'tcp', direction: 'up' | 'down', capacity: PayloadCapacity): string[] {
  const goodputs = Object.fromEntries(Object.entries(metrics).filter(([name]) => isGoodputMetric(name)));
  return capacityFlags(goodputs, capacity, protocol === 'quic' ? 'quic' : 'tcp', direction);
}

/** The TCP reference's figures (iperf3's own, and the wire's) against the TCP capacity of its direction. */
export function referenceCapacityFlags(reference: TcpReference, capacity: PayloadCapacity): string[] {
  const goodputs = { "iperf3's own figure": reference.goodputBitsPerSecond, ...(reference.wire ? { 'the wire figure': reference.wire.goodputBitsPerSecond } : {}) };
  return capacityFlags(goodputs, capacity, 'tcp', reference.direction);
}
