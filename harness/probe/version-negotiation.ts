// A version negotiation probe (RFC 9000 sections 6 and 17.2.1): a long-header packet with a
// reserved version (0x?a?a?a?a, section 15), padded to a full Initial datagram (1200 bytes, so
// a server may answer it: section 14.1), makes a QUIC server answer with a Version
// Negotiation packet listing the versions it supports. Packets here are built and read by
// hand; only the version-invariant fields (RFC 8999) matter.

export const MIN_INITIAL_DATAGRAM_BYTES = 1200;

/** Reserved versions follow the pattern 0x?a?a?a?a (RFC 9000 section 15). */
export function isReservedVersion(version: number): boolean {
  return (version & 0x0f0f0f0f) === 0x0a0a0a0a;
}

export function reservedVersion(nibbles: number): number {
  return (((nibbles & 0xf) * 0x10101010) | 0x0a0a0a0a) >>> 0;
}

export interface VersionProbe {
  datagram: Buffer;
  version: number;
  destinationConnectionId: Buffer;
  sourceConnectionId: Buffer;
}

/** A long-header Initial-typed packet with a reserved version, padded to `datagramBytes`. */
export function buildVersionProbe(input: { version: number; destinationConnectionId: Buffer; sourceConnectionId: Buffer; datagramBytes?: number }): VersionProbe {
  const { version, destinationConnectionId: dcid, sourceConnectionId: scid } = input;
  if (!isReservedVersion(version)) throw new Error(`0x${version.toString(16)} is not a reserved version (0x?a?a?a?a)`);
  // RFC 9000 section 14.1: at least 8 bytes of destination connection ID in a client's first Initial.
  if (dcid.length < 8 || dcid.length > 20 || scid.length > 20) throw new Error('connection IDs: destination 8-20 bytes, source 0-20');
  const size = input.datagramBytes ?? MIN_INITIAL_DATAGRAM_BYTES;
  const header = Buffer.concat([Buffer.from([0xc0]), u32(version), Buffer.from([dcid.length]), dcid, Buffer.from([scid.length]), scid]);
  if (size < header.length + 3) throw new Error(`datagram of ${size} bytes too small`);
  const datagram = Buffer.alloc(size);
  header.copy(datagram);
  // Then as an Initial: token length 0 and a 2-byte varint length covering the rest (zeros).
  const rest = size - header.length - 3;
  datagram[header.length] = 0;
  datagram.writeUInt16BE(0x4000 | rest, header.length + 1);
  return { datagram, version, destinationConnectionId: dcid, sourceConnectionId: scid };
}

export interface VersionNegotiation {
  destinationConnectionId: Buffer;
  sourceConnectionId: Buffer;
  /** In the server's order. */
  versions: number[];
}

/**
 * Reads a Version Negotiation packet; null when the datagram is not one (another packet type,
 * or connection IDs that do not echo the probe's: RFC 9000 section 6.2 says to drop those).
 */
export function parseVersionNegotiation(datagram: Buffer, probe?: Pick<VersionProbe, 'destinationConnectionId' | 'sourceConnectionId'>): VersionNegotiation | null {
  if (datagram.length < 7 || ((datagram[0] as number) & 0x80) === 0 || datagram.readUInt32BE(1) !== 0) return null;
  let offset = 5;
  const dcidLength = datagram[offset++] as number;
  if (offset + dcidLength + 1 > datagram.length) return null;
  const dcid = datagram.subarray(offset, offset + dcidLength);
  offset += dcidLength;
  const scidLength = datagram[offset++] as number;
  if (offset + scidLength > datagram.length) return null;
  const scid = datagram.subarray(offset, offset + scidLength);
  offset += scidLength;
  if ((datagram.length - offset) % 4 !== 0 || datagram.length === offset) return null;
  const versions: number[] = [];
  for (; offset < datagram.length; offset += 4) versions.push(datagram.readUInt32BE(offset));
  // The server swaps them: its DCID is our SCID and its SCID our DCID.
  if (probe && (!dcid.equals(probe.sourceConnectionId) || !scid.equals(probe.destinationConnectionId))) return null;
  return { destinationConnectionId: Buffer.from(dcid), sourceConnectionId: Buffer.from(scid), versions };
}

const NAMES: Readonly<Record<number, string>> = { 0x00000001: 'QUIC v1', 0x6b3343cf: 'QUIC v2', 0xff00001d: 'draft-29', 0xff000020: 'draft-32', 0xff000022: 'draft-34' };

export function versionName(version: number): string {
  const hex = `0x${version.toString(16).padStart(8, '0')}`;
  if (isReservedVersion(version)) return `${hex} (reserved, greasing)`;
  const name = NAMES[version];
  return name ? `${hex} (${name})` : hex;
}

function u32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32BE(value >>> 0);
  return buffer;
}
