// Our own QUIC v1 packet decryption (RFC 9001), for the 1-RTT packets tshark 4.0 reports as
// "Decryption (checktag) failed": those in a captured UDP GSO batch (see ./tshark.ts), such as
// the server's 0.5-RTT packet of a 0-RTT connection, which carries the HTTP/3 response. Pure,
// node:crypto only, and deliberately small: short-header packets with a traffic secret from
// the key log, no key updates, no long-header decryption (tshark reads those).
import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';

export type QuicHash = 'sha256' | 'sha384';
export type QuicAead = 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';

export interface QuicPacketKeys {
  aead: QuicAead;
  key: Buffer;
  iv: Buffer;
  /** Header protection key. */
  hp: Buffer;
}

/** A frame of a decrypted payload; stream fields are set for STREAM frames (and streamId for the other per-stream frames). */
export interface QuicFrame {
  type: number;
  streamId?: number;
  offset?: number;
  length?: number;
  fin?: boolean;
}

/** The TLS 1.3 cipher suites QUIC v1 can use (RFC 9001 section 5.3; AES-128-CCM left out). */
const CIPHER_SUITES: Record<number, { aead: QuicAead; hash: QuicHash; keyLength: number }> = {
  0x1301: { aead: 'aes-128-gcm', hash: 'sha256', keyLength: 16 },
  0x1302: { aead: 'aes-256-gcm', hash: 'sha384', keyLength: 32 },
  0x1303: { aead: 'chacha20-poly1305', hash: 'sha256', keyLength: 32 },
};

const AEAD_TAG_LENGTH = 16;
const IV_LENGTH = 12;
const HP_SAMPLE_LENGTH = 16;
/** The header protection sample starts 4 bytes after the packet number's start, whatever its length (RFC 9001 5.4.2). */
const HP_SAMPLE_OFFSET = 4;

/** HKDF-Expand-Label of TLS 1.3 (RFC 8446 7.1) with an empty context: HkdfLabel = length, "tls13 " + label, "". */
export function hkdfExpandLabel(hash: QuicHash, secret: Buffer, label: string, length: number): Buffer {
  const fullLabel = Buffer.from(`tls13 ${label}`, 'ascii');
  const info = Buffer.concat([Buffer.of(length >> 8, length & 0xff, fullLabel.length), fullLabel, Buffer.of(0)]);
  // HKDF-Expand (RFC 5869 2.3): T(i) = HMAC(secret, T(i-1) | info | i), output the first `length` bytes.
  const blocks: Buffer[] = [];
  let previous = Buffer.alloc(0);
  for (let i = 1, have = 0; have < length; i++) {
    previous = createHmac(hash, secret).update(previous).update(info).update(Buffer.of(i)).digest();
    blocks.push(previous);
    have += previous.length;
  }
  return Buffer.concat(blocks).subarray(0, length);
}

/** The packet protection keys of a traffic secret (RFC 9001 5.1). Throws for a suite other than 0x1301-0x1303. */
export function quicPacketKeys(secret: Buffer, cipherSuite: number): QuicPacketKeys {
  const suite = CIPHER_SUITES[cipherSuite];
  if (suite === undefined) throw new Error(`unsupported TLS cipher suite 0x${cipherSuite.toString(16).padStart(4, '0')}`);
  return {
    aead: suite.aead,
    key: hkdfExpandLabel(suite.hash, secret, 'quic key', suite.keyLength),
    iv: hkdfExpandLabel(suite.hash, secret, 'quic iv', IV_LENGTH),
    hp: hkdfExpandLabel(suite.hash, secret, 'quic hp', suite.keyLength),
  };
}

/** A QUIC variable-length integer (RFC 9000 16) at `offset`: its value and size, or null past the end. */
function readVarint(data: Buffer, offset: number): { value: number; size: number } | null {
  const first = data[offset];
  if (first === undefined) return null;
  const size = 1 << (first >> 6);
  if (offset + size > data.length) return null;
  let value = first & 0x3f;
  // Multiplication, not shifts: values up to 2^62 do not fit JS's 32-bit bitwise operators (above 2^53 they lose precision, which nothing here reaches).
  for (let i = 1; i < size; i++) value = value * 256 + (data[offset + i] as number);
  return { value, size };
}

/**
 * Where the short-header (1-RTT) packet of a datagram starts: after any coalesced QUIC v1
 * long-header packets (RFC 9000 12.2, 17.2). Null when there is none, or the datagram holds a
 * Retry, a version negotiation or another version's packet, or is cut short.
 */
export function shortHeaderOffset(datagram: Buffer): number | null {
  let offset = 0;
  while (offset < datagram.length) {
    const first = datagram[offset] as number;
    if ((first & 0x80) === 0) return offset; // short header: always the last packet
    if (offset + 6 > datagram.length || datagram.readUInt32BE(offset + 1) !== 1) return null;
    const type = (first >> 4) & 0x03; // 0 Initial, 1 0-RTT, 2 Handshake, 3 Retry
    if (type === 3) return null;
    let position = offset + 5;
    position += 1 + (datagram[position] ?? 0); // DCID
    position += 1 + (datagram[position] ?? 0); // SCID
    if (type === 0) {
      const token = readVarint(datagram, position);
      if (token === null) return null;
      position += token.size + token.value;
    }
    const length = readVarint(datagram, position); // packet number + payload
    if (length === null) return null;
    position += length.size + length.value;
    if (position > datagram.length) return null;
    offset = position;
  }
  return null;
}

/** The 5-byte header protection mask of a 16-byte sample (RFC 9001 5.4.3, 5.4.4). */
function headerMask(keys: QuicPacketKeys, sample: Buffer): Buffer {
  if (keys.aead === 'chacha20-poly1305') {
    // OpenSSL's chacha20 takes a 16-byte IV: a 4-byte little-endian block counter, then the
    // 12-byte nonce. RFC 9001 takes both from the sample in exactly that layout.
    return createCipheriv('chacha20', keys.hp, sample).update(Buffer.alloc(5));
  }
  const ecb = createCipheriv(keys.hp.length === 32 ? 'aes-256-ecb' : 'aes-128-ecb', keys.hp, null).setAutoPadding(false);
  return ecb.update(sample).subarray(0, 5);
}

/** The full packet number from its truncated encoding (RFC 9000 appendix A.3). */
export function decodePacketNumber(largestReceived: number, truncated: number, bits: number): number {
  const expected = largestReceived + 1;
  const window = 2 ** bits;
  const halfWindow = window / 2;
  const candidate = expected - (expected % window) + truncated;
  if (candidate <= expected - halfWindow && candidate < 2 ** 62 - window) return candidate + window;
  if (candidate > expected + halfWindow && candidate >= window) return candidate - window;
  return candidate;
}

/**
 * Removes header protection from the short-header packet at `offset` (it runs to the
 * datagram's end) and opens its payload. `dcidLength` is the length of the connection ID the
 * packet is sent to (short headers do not say). Null when the datagram is too short or the
 * AEAD check fails (wrong keys, wrong DCID length, a key update, a damaged packet).
 */
export function decryptShortHeader(datagram: Buffer, offset: number, dcidLength: number, keys: QuicPacketKeys, largestReceivedPn = -1): { packetNumber: number; payload: Buffer } | null {
  const pnOffset = offset + 1 + dcidLength;
  const sampleOffset = pnOffset + HP_SAMPLE_OFFSET;
  const first = datagram[offset];
  if (first === undefined || (first & 0x80) !== 0 || sampleOffset + HP_SAMPLE_LENGTH > datagram.length) return null;
  const mask = headerMask(keys, datagram.subarray(sampleOffset, sampleOffset + HP_SAMPLE_LENGTH));

  const header = Buffer.from(datagram.subarray(offset, pnOffset + 4)); // a copy: the input stays as captured
  header[0] = (header[0] as number) ^ ((mask[0] as number) & 0x1f); // short header: 5 protected bits
  const pnLength = (header[0] & 0x03) + 1;
  let truncated = 0;
  for (let i = 0; i < pnLength; i++) {
    const at = 1 + dcidLength + i;
    header[at] = (header[at] as number) ^ (mask[1 + i] as number);
    truncated = truncated * 256 + header[at];
  }
  const aad = header.subarray(0, 1 + dcidLength + pnLength);
  const packetNumber = decodePacketNumber(largestReceivedPn, truncated, pnLength * 8);

  const payloadStart = pnOffset + pnLength;
  const tagStart = datagram.length - AEAD_TAG_LENGTH;
  if (tagStart < payloadStart) return null;
  const nonce = Buffer.from(keys.iv);
  nonce.writeBigUInt64BE(nonce.readBigUInt64BE(IV_LENGTH - 8) ^ BigInt(packetNumber), IV_LENGTH - 8); // iv XOR packet number (RFC 9001 5.3)
  try {
    const options = { authTagLength: AEAD_TAG_LENGTH };
    // Two calls: Node's typings choose the AEAD overload by the algorithm's literal type.
    const decipher = keys.aead === 'chacha20-poly1305' ? createDecipheriv(keys.aead, keys.key, nonce, options) : createDecipheriv(keys.aead, keys.key, nonce, options);
    const ciphertext = datagram.subarray(payloadStart, tagStart);
    decipher.setAAD(aad, { plaintextLength: ciphertext.length });
    decipher.setAuthTag(datagram.subarray(tagStart));
    const payload = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    return { packetNumber, payload };
  } catch {
    return null; // "Unsupported state or unable to authenticate data"
  }
}

/**
 * The frames of a decrypted payload (RFC 9000 19, and DATAGRAM of RFC 9221). A run of PADDING
 * bytes is one frame with its length (as tshark lists it once). Throws on an unknown frame type
 * or a frame cut short, since what follows can then not be read.
 */
export function quicFrames(payload: Buffer): QuicFrame[] {
  const frames: QuicFrame[] = [];
  let position = 0;
  const varint = (): number => {
    const read = readVarint(payload, position);
    if (read === null) throw new Error(`QUIC frame cut short at byte ${position} of ${payload.length}`);
    position += read.size;
    return read.value;
  };
  const skip = (bytes: number): void => {
    if (position + bytes > payload.length) throw new Error(`QUIC frame cut short at byte ${position} of ${payload.length}`);
    position += bytes;
  };
  const varints = (count: number): void => {
    for (let i = 0; i < count; i++) varint();
  };

  while (position < payload.length) {
    const start = position;
    const type = varint();
    if (type === 0x00) {
      while (payload[position] === 0x00) position++;
      frames.push({ type, length: position - start });
    } else if (type === 0x01 || type === 0x1e) {
      frames.push({ type }); // PING, HANDSHAKE_DONE
    } else if (type === 0x02 || type === 0x03) {
      varints(2); // largest acknowledged, ACK delay
      const ranges = varint();
      varint(); // first ACK range
      varints(2 * ranges); // gap, ACK range length
      if (type === 0x03) varints(3); // ECT0, ECT1, ECN-CE counts
      frames.push({ type });
    } else if (type === 0x04 || type === 0x05 || type === 0x11 || type === 0x15) {
      // RESET_STREAM (error code, final size), STOP_SENDING (error code), MAX_STREAM_DATA, STREAM_DATA_BLOCKED (a limit)
      const streamId = varint();
      varints(type === 0x04 ? 2 : 1);
      frames.push({ type, streamId });
    } else if (type === 0x06) {
      const offset = varint();
      const length = varint();
      skip(length);
      frames.push({ type, offset, length });
    } else if (type === 0x07) {
      skip(varint()); // NEW_TOKEN
      frames.push({ type });
    } else if (type >= 0x08 && type <= 0x0f) {
      const streamId = varint();
      const offset = type & 0x04 ? varint() : 0;
      const length = type & 0x02 ? varint() : payload.length - position; // no length: to the packet's end
      skip(length);
      frames.push({ type, streamId, offset, length, fin: (type & 0x01) === 1 });
    } else if (type === 0x10 || type === 0x12 || type === 0x13 || type === 0x14 || type === 0x16 || type === 0x17 || type === 0x19) {
      varint(); // MAX_DATA, MAX_STREAMS, DATA_BLOCKED, STREAMS_BLOCKED, RETIRE_CONNECTION_ID: one integer
      frames.push({ type });
    } else if (type === 0x18) {
      varints(2); // sequence number, retire prior to
      skip(1);
      skip((payload[position - 1] as number) + 16); // connection ID, stateless reset token
      frames.push({ type });
    } else if (type === 0x1a || type === 0x1b) {
      skip(8); // PATH_CHALLENGE, PATH_RESPONSE
      frames.push({ type });
    } else if (type === 0x1c || type === 0x1d) {
      varints(type === 0x1c ? 2 : 1); // error code (and frame type, for a transport error)
      skip(varint()); // reason phrase
      frames.push({ type });
    } else if (type === 0x30 || type === 0x31) {
      skip(type === 0x31 ? varint() : payload.length - position);
      frames.push({ type });
    } else {
      throw new Error(`unknown QUIC frame type 0x${type.toString(16)} at byte ${start} of ${payload.length}`);
    }
  }
  return frames;
}

/** Shortest DCID the search for the next datagram of a GSO batch relies on: shorter ones may turn up in ciphertext by chance. */
const MIN_SPLIT_DCID_LENGTH = 4;

/** Where the next QUIC packet sent to `dcid` starts at or after `from` (a short header, or a v1 long header), or null. */
function nextPacketTo(data: Buffer, dcid: Buffer, from: number): number | null {
  for (let at = data.indexOf(dcid, from); at !== -1; at = data.indexOf(dcid, at + 1)) {
    const short = at - 1;
    if (short >= from && ((data[short] as number) & 0x80) === 0) return short;
    const long = at - 6;
    if (long >= from && ((data[long] as number) & 0x80) !== 0 && data.readUInt32BE(long + 1) === 1 && data[long + 5] === dcid.length) return long;
  }
  return null;
}

/**
 * A captured UDP payload cut into the datagrams it holds: one, or several when the sender used
 * UDP GSO and the capture saw the batch before the kernel cut it (segments of a fixed size, the
 * last shorter). A short-header packet has no length, so it ends where the next packet to the
 * same DCID starts (a segment's first packet). Only such ends are cut: segments of long-header
 * packets stay together, as those carry their lengths.
 */
export function splitDatagrams(udpPayload: Buffer, dcid: Buffer): Buffer[] {
  if (dcid.length < MIN_SPLIT_DCID_LENGTH) return [udpPayload];
  const datagrams: Buffer[] = [];
  let start = 0;
  for (;;) {
    const offset = shortHeaderOffset(udpPayload.subarray(start));
    const next = offset === null ? null : nextPacketTo(udpPayload, dcid, start + offset + 1);
    if (next === null) break;
    datagrams.push(udpPayload.subarray(start, next));
    start = next;
  }
  datagrams.push(udpPayload.subarray(start));
  return datagrams;
}

export interface OpenedShortHeaders {
  /** Pieces splitDatagrams cut the payload into (more than one: a GSO batch). */
  datagrams: number;
  /** The 1-RTT packets from the first short header on, decrypted, in order. */
  packets: Array<{ packetNumber: number; payload: Buffer }>;
  /** Every packet from the first short header on was decrypted (none failed, no long-header packet among them). */
  complete: boolean;
}

/**
 * Decrypts the short-header packets of a captured UDP payload sent to `dcid`: what tshark
 * cannot read, since it takes the first short-header packet to run to the payload's end. The
 * long-header packets before that one are left alone (tshark read them).
 */
export function openShortHeaderPackets(udpPayload: Buffer, dcid: Buffer, keys: QuicPacketKeys, largestReceivedPn = -1): OpenedShortHeaders {
  const datagrams = splitDatagrams(udpPayload, dcid);
  const packets: OpenedShortHeaders['packets'] = [];
  let largest = largestReceivedPn;
  let seenShortHeader = false;
  let complete = true;
  for (const datagram of datagrams) {
    const offset = shortHeaderOffset(datagram);
    if (seenShortHeader && offset !== 0) complete = false; // long-header packets tshark did not reach
    if (offset === null) continue;
    seenShortHeader = true;
    const opened = decryptShortHeader(datagram, offset, dcid.length, keys, largest);
    if (opened === null) {
      complete = false;
      continue;
    }
    packets.push(opened);
    largest = Math.max(largest, opened.packetNumber);
  }
  return { datagrams: datagrams.length, packets, complete: complete && seenShortHeader };
}
