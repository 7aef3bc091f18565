// SMB2 NEGOTIATE on the wire (MS-SMB2): the request a client opens an SMB 2/3 connection
// with (2.2.3, its negotiate contexts 2.2.3.1) and the server's response (2.2.4, 2.2.4.1),
// each framed for SMB over TCP port 445 by the 4-byte Direct TCP transport header (2.1: a
// zero byte, then the SMB2 message length as 3 bytes big-endian, the NetBIOS session-service
// framing without its session request).
//
// Integers in SMB2 messages are little-endian; only the transport length is big-endian.
// Offsets inside a message (NegotiateContextOffset, SecurityBufferOffset) count from the
// first byte of the SMB2 header, not of the transport frame.

/** Bytes of the Direct TCP transport header in front of every SMB2 message. */
export const TRANSPORT_HEADER_BYTES = 4;
/** The largest message the 3-byte length can frame. */
export const MAX_TRANSPORT_MESSAGE_BYTES = 0xff_ffff;
export const SMB2_HEADER_BYTES = 64;
const NEGOTIATE_REQUEST_FIXED_BYTES = 36;
const NEGOTIATE_RESPONSE_FIXED_BYTES = 64;
const CONTEXT_HEADER_BYTES = 8;
const SMB2_PROTOCOL_ID = 0x424d53fe; // 0xFE 'S' 'M' 'B' read as a little-endian u32
const SMB1_PROTOCOL_ID = 0x424d53ff; // 0xFF 'S' 'M' 'B'
const SMB2_TRANSFORM_PROTOCOL_ID = 0x424d53fd; // 0xFD 'S' 'M' 'B'
const SMB2_NEGOTIATE = 0x0000;
const SMB2_FLAGS_SERVER_TO_REDIR = 0x0000_0001;

/** Dialect revisions (2.2.3). 0x02FF is only ever an answer: the wildcard a server sends to an SMB1 multi-protocol negotiate. */
export const DIALECTS = {
  '2.0.2': 0x0202,
  '2.1': 0x0210,
  '3.0': 0x0300,
  '3.0.2': 0x0302,
  '3.1.1': 0x0311,
} as const;
export type DialectName = keyof typeof DIALECTS;
export const DEFAULT_DIALECTS: readonly DialectName[] = ['2.0.2', '2.1', '3.0', '3.0.2', '3.1.1'];
const WILDCARD_DIALECT = 0x02ff;

/** SecurityMode bits (2.2.3, 2.2.4). */
export const SECURITY_MODE = { SIGNING_ENABLED: 0x0001, SIGNING_REQUIRED: 0x0002 } as const;

/** Capabilities bits (2.2.3, 2.2.4), by their names in the spec without the SMB2_GLOBAL_CAP_ prefix. */
export const CAPABILITIES = {
  DFS: 0x0000_0001,
  LEASING: 0x0000_0002,
  LARGE_MTU: 0x0000_0004,
  MULTI_CHANNEL: 0x0000_0008,
  PERSISTENT_HANDLES: 0x0000_0010,
  DIRECTORY_LEASING: 0x0000_0020,
  ENCRYPTION: 0x0000_0040,
  NOTIFICATIONS: 0x0000_0080,
} as const;
export type CapabilityName = keyof typeof CAPABILITIES;
export const DEFAULT_CAPABILITIES: readonly CapabilityName[] = ['DFS', 'LEASING', 'LARGE_MTU', 'MULTI_CHANNEL', 'PERSISTENT_HANDLES', 'DIRECTORY_LEASING', 'ENCRYPTION'];

/** Negotiate context types (2.2.3.1). 0x0100 is Samba's SMB3 POSIX extensions context (not in MS-SMB2). */
export const CONTEXT_TYPES = {
  PREAUTH_INTEGRITY_CAPABILITIES: 0x0001,
  ENCRYPTION_CAPABILITIES: 0x0002,
  COMPRESSION_CAPABILITIES: 0x0003,
  NETNAME_NEGOTIATE_CONTEXT_ID: 0x0005,
  TRANSPORT_CAPABILITIES: 0x0006,
  RDMA_TRANSFORM_CAPABILITIES: 0x0007,
  SIGNING_CAPABILITIES: 0x0008,
  POSIX_EXTENSIONS_AVAILABLE: 0x0100,
} as const;

/** HashAlgorithms of the preauth integrity context (2.2.3.1.1). */
export const HASH_ALGORITHMS = { 'SHA-512': 0x0001 } as const;
export type HashAlgorithmName = keyof typeof HASH_ALGORITHMS;
/** Ciphers of the encryption context (2.2.3.1.2); 0 in a response means "none in common". */
export const CIPHERS = { 'AES-128-CCM': 0x0001, 'AES-128-GCM': 0x0002, 'AES-256-CCM': 0x0003, 'AES-256-GCM': 0x0004 } as const;
export type CipherName = keyof typeof CIPHERS;
export const DEFAULT_CIPHERS: readonly CipherName[] = ['AES-128-GCM', 'AES-128-CCM', 'AES-256-GCM', 'AES-256-CCM'];
/** SigningAlgorithms of the signing context (2.2.3.1.7). */
export const SIGNING_ALGORITHMS = { 'HMAC-SHA256': 0x0000, 'AES-CMAC': 0x0001, 'AES-GMAC': 0x0002 } as const;
export type SigningAlgorithmName = keyof typeof SIGNING_ALGORITHMS;
export const DEFAULT_SIGNING_ALGORITHMS: readonly SigningAlgorithmName[] = ['AES-CMAC', 'AES-GMAC'];
export const DEFAULT_SALT_BYTES = 32;

/** NTSTATUS values a NEGOTIATE can end with, for readable errors (MS-ERREF 2.3). */
const NT_STATUS_NAMES: Readonly<Record<number, string>> = {
  0x0000_0000: 'STATUS_SUCCESS',
  0xc000_0002: 'STATUS_NOT_IMPLEMENTED',
  0xc000_000d: 'STATUS_INVALID_PARAMETER',
  0xc000_0016: 'STATUS_MORE_PROCESSING_REQUIRED',
  0xc000_0022: 'STATUS_ACCESS_DENIED',
  0xc000_009a: 'STATUS_INSUFFICIENT_RESOURCES',
  0xc000_00bb: 'STATUS_NOT_SUPPORTED',
  0xc000_00c3: 'STATUS_INVALID_NETWORK_RESPONSE',
  0xc000_00d0: 'STATUS_REQUEST_NOT_ACCEPTED',
};

export class SmbProtocolError extends Error {
  override readonly name = 'SmbProtocolError';
}

export interface NegotiateRequestOptions {
  /** Offered dialects, in this order. Default DEFAULT_DIALECTS. With 3.1.1 among them the request carries negotiate contexts. */
  dialects?: readonly (DialectName | number)[];
  /** SecurityMode: signing is always enabled; required only when asked. */
  signingRequired?: boolean;
  /** Default DEFAULT_CAPABILITIES. */
  capabilities?: readonly CapabilityName[];
  /** 16 bytes. */
  clientGuid: Buffer;
  /** Preauth integrity salt (3.1.1 only); 32 bytes is what Windows and Samba send. */
  salt?: Buffer;
  /** Encryption context (3.1.1 only), in order of preference. Default DEFAULT_CIPHERS. */
  ciphers?: readonly CipherName[];
  /** Signing context (3.1.1 only), in order of preference. Default DEFAULT_SIGNING_ALGORITHMS; empty leaves the context out. */
  signingAlgorithms?: readonly SigningAlgorithmName[];
  /** NETNAME_NEGOTIATE_CONTEXT_ID (3.1.1 only, after the others): the server name the client connects to, as smbclient sends it. Default: none. */
  netname?: string;
  /** Header MessageId; default 0 (the first message of a connection). */
  messageId?: bigint;
  /** Header CreditRequest; default 1. */
  creditRequest?: number;
}

export function dialectCode(dialect: DialectName | number): number {
  if (typeof dialect === 'number') {
    if (!Number.isInteger(dialect) || dialect < 0 || dialect > 0xffff) throw new RangeError(`SMB2 dialect must be a 16-bit code, got ${dialect}`);
    return dialect;
  }
  const code = DIALECTS[dialect];
  if (code === undefined) throw new RangeError(`unknown SMB2 dialect "${String(dialect)}" (known: ${Object.keys(DIALECTS).join(', ')})`);
  return code;
}

/** "3.1.1" for 0x0311; unknown codes as hex. */
export function dialectName(code: number): string {
  if (code === WILDCARD_DIALECT) return '2.??';
  for (const [name, value] of Object.entries(DIALECTS)) if (value === code) return name;
  return hex16(code);
}

/** The transport header for a message of `length` bytes. */
export function transportHeader(length: number): Buffer {
  if (!Number.isInteger(length) || length < 0 || length > MAX_TRANSPORT_MESSAGE_BYTES) throw new RangeError(`an SMB message over TCP is at most ${MAX_TRANSPORT_MESSAGE_BYTES} bytes, got ${length}`);
  const header = Buffer.alloc(TRANSPORT_HEADER_BYTES);
  header.writeUIntBE(length, 1, 3);
  return header;
}

/**
 * Bytes of the first framed message in `data`, transport header included, or null while its
 * header or body has not fully arrived. Throws on a frame that is not a session message.
 */
export function transportFrameLength(data: Buffer): number | null {
  if (data.length < TRANSPORT_HEADER_BYTES) return null;
  if (data[0] !== 0x00) throw new SmbProtocolError(`not an SMB-over-TCP frame: first byte 0x${hex8(data[0] ?? 0)} (a session message starts with 0x00)`);
  const total = TRANSPORT_HEADER_BYTES + data.readUIntBE(1, 3);
  return data.length >= total ? total : null;
}

/** The SMB2 NEGOTIATE request (2.2.3) with its transport header, ready to write to the socket. */
export function encodeNegotiateRequest(options: NegotiateRequestOptions): Buffer {
  const message = encodeNegotiateMessage(options);
  return Buffer.concat([transportHeader(message.length), message]);
}

/** The SMB2 message alone: header and NEGOTIATE request, no transport header. */
export function encodeNegotiateMessage(options: NegotiateRequestOptions): Buffer {
  const dialects = (options.dialects ?? DEFAULT_DIALECTS).map(dialectCode);
  if (dialects.length === 0) throw new RangeError('a NEGOTIATE request offers at least one dialect');
  if (new Set(dialects).size !== dialects.length) throw new RangeError('a NEGOTIATE request offers each dialect once');
  if (options.clientGuid.length !== 16) throw new RangeError(`ClientGuid must be 16 bytes, got ${options.clientGuid.length}`);
  const creditRequest = options.creditRequest ?? 1;
  if (!Number.isInteger(creditRequest) || creditRequest < 0 || creditRequest > 0xffff) throw new RangeError(`CreditRequest must be 0..65535, got ${creditRequest}`);
  const with311 = dialects.includes(DIALECTS['3.1.1']);

  const header = Buffer.alloc(SMB2_HEADER_BYTES); // 2.2.1.2, SYNC header
  header.writeUInt32LE(SMB2_PROTOCOL_ID, 0); // ProtocolId
  header.writeUInt16LE(SMB2_HEADER_BYTES, 4); // StructureSize
  // CreditCharge (6) 0, Status/ChannelSequence (8) 0
  header.writeUInt16LE(SMB2_NEGOTIATE, 12); // Command
  header.writeUInt16LE(creditRequest, 14); // CreditRequest
  // Flags (16) 0, NextCommand (20) 0
  header.writeBigUInt64LE(options.messageId ?? 0n, 24); // MessageId
  // Reserved (32) 0, TreeId (36) 0, SessionId (40) 0, Signature (48..63) 0

  const body = Buffer.alloc(NEGOTIATE_REQUEST_FIXED_BYTES + 2 * dialects.length);
  body.writeUInt16LE(NEGOTIATE_REQUEST_FIXED_BYTES, 0); // StructureSize (36, whatever the dialect count)
  body.writeUInt16LE(dialects.length, 2); // DialectCount
  body.writeUInt16LE(SECURITY_MODE.SIGNING_ENABLED | (options.signingRequired ? SECURITY_MODE.SIGNING_REQUIRED : 0), 4); // SecurityMode
  // Reserved (6) 0
  body.writeUInt32LE(capabilityBits(options.capabilities ?? DEFAULT_CAPABILITIES), 8); // Capabilities
  options.clientGuid.copy(body, 12); // ClientGuid
  dialects.forEach((code, i) => body.writeUInt16LE(code, NEGOTIATE_REQUEST_FIXED_BYTES + 2 * i)); // Dialects

  if (!with311) return Buffer.concat([header, body]); // ClientStartTime (28..35) stays 0

  const contexts = negotiateContexts(options);
  const unaligned = SMB2_HEADER_BYTES + body.length;
  const contextOffset = align8(unaligned);
  body.writeUInt32LE(contextOffset, 28); // NegotiateContextOffset
  body.writeUInt16LE(contexts.length, 32); // NegotiateContextCount
  // Reserved2 (34) 0
  const parts: Buffer[] = [header, body, Buffer.alloc(contextOffset - unaligned)];
  let position = contextOffset;
  contexts.forEach((context, i) => {
    parts.push(context);
    position += context.length;
    if (i < contexts.length - 1) {
      // every context starts 8-byte aligned; no padding after the last one
      const padding = align8(position) - position;
      parts.push(Buffer.alloc(padding));
      position += padding;
    }
  });
  return Buffer.concat(parts);
}

function negotiateContexts(options: NegotiateRequestOptions): Buffer[] {
  const salt = options.salt ?? Buffer.alloc(DEFAULT_SALT_BYTES);
  if (salt.length > 0xffff) throw new RangeError('preauth salt too long');
  const preauth = Buffer.alloc(6 + salt.length);
  preauth.writeUInt16LE(1, 0); // HashAlgorithmCount
  preauth.writeUInt16LE(salt.length, 2); // SaltLength
  preauth.writeUInt16LE(HASH_ALGORITHMS['SHA-512'], 4); // HashAlgorithms
  salt.copy(preauth, 6); // Salt
  const contexts = [negotiateContext(CONTEXT_TYPES.PREAUTH_INTEGRITY_CAPABILITIES, preauth)];

  const ciphers = options.ciphers ?? DEFAULT_CIPHERS;
  if (ciphers.length > 0) contexts.push(negotiateContext(CONTEXT_TYPES.ENCRYPTION_CAPABILITIES, countedList(ciphers.map((name) => known(CIPHERS, name, 'cipher')))));
  const signing = options.signingAlgorithms ?? DEFAULT_SIGNING_ALGORITHMS;
  if (signing.length > 0) contexts.push(negotiateContext(CONTEXT_TYPES.SIGNING_CAPABILITIES, countedList(signing.map((name) => known(SIGNING_ALGORITHMS, name, 'signing algorithm')))));
  if (options.netname !== undefined) contexts.push(negotiateContext(CONTEXT_TYPES.NETNAME_NEGOTIATE_CONTEXT_ID, Buffer.from(options.netname, 'utf16le'))); // no terminator
  return contexts;
}

/** A negotiate context (2.2.3.1): ContextType, DataLength, Reserved, Data. */
function negotiateContext(type: number, data: Buffer): Buffer {
  const context = Buffer.alloc(CONTEXT_HEADER_BYTES + data.length);
  context.writeUInt16LE(type, 0);
  context.writeUInt16LE(data.length, 2);
  data.copy(context, CONTEXT_HEADER_BYTES);
  return context;
}

/** A u16 count followed by that many u16 values. */
function countedList(values: number[]): Buffer {
  const list = Buffer.alloc(2 + 2 * values.length);
  list.writeUInt16LE(values.length, 0);
  values.forEach((value, i) => list.writeUInt16LE(value, 2 + 2 * i));
  return list;
}

function known<T extends Record<string, number>>(table: T, name: string, what: string): number {
  const value = table[name];
  if (value === undefined) throw new RangeError(`unknown ${what} "${name}" (known: ${Object.keys(table).join(', ')})`);
  return value;
}

export function capabilityBits(names: readonly CapabilityName[]): number {
  return names.reduce((bits, name) => (bits | known(CAPABILITIES, name, 'capability')) >>> 0, 0);
}

/** Capability names of the set bits; unknown bits as hex strings. */
export function capabilityNames(bits: number): string[] {
  const names: string[] = [];
  let rest = bits >>> 0;
  for (const [name, bit] of Object.entries(CAPABILITIES)) {
    if ((rest & bit) !== 0) {
      names.push(name);
      rest = (rest & ~bit) >>> 0;
    }
  }
  for (let bit = 0; bit < 32; bit++) if ((rest >>> bit) & 1) names.push(`0x${((1 << bit) >>> 0).toString(16).padStart(8, '0')}`);
  return names;
}

export interface NegotiateContextEntry {
  type: number;
  /** The type's name in CONTEXT_TYPES, or its hex code. */
  typeName: string;
  /** Offset of the context from the SMB2 header. */
  offset: number;
  data: Buffer;
}

export interface NegotiateResponse {
  /** Header MessageId (the request's). */
  messageId: bigint;
  /** Credits the server granted. */
  creditsGranted: number;
  dialect: number;
  dialectName: string;
  securityMode: number;
  signingEnabled: boolean;
  signingRequired: boolean;
  capabilitiesBits: number;
  capabilities: string[];
  maxTransactSize: number;
  maxReadSize: number;
  maxWriteSize: number;
  /** In the usual text form of a GUID (MS-DTYP 2.3.4: first three fields little-endian). */
  serverGuid: string;
  /** The server's clock (FILETIME) as ISO 8601; null when 0. */
  systemTime: string | null;
  /** Usually 0 (null): servers no longer say when they started. */
  serverStartTime: string | null;
  /** The GSS token (SPNEGO) the session setup starts from. */
  securityBuffer: Buffer;
  /** 3.1.1 only; empty otherwise. */
  contexts: NegotiateContextEntry[];
  /** 3.1.1: the preauth integrity context. */
  preauthIntegrity: { hashAlgorithms: string[]; saltLength: number } | null;
  /** 3.1.1: the chosen cipher, "none" when the server shares none of the offered ones; null without the context. */
  cipher: string | null;
  /** 3.1.1: the chosen signing algorithm; null without the context (then 3.x signs with AES-CMAC). */
  signingAlgorithm: string | null;
}

/**
 * Parses an SMB2 NEGOTIATE response (2.2.4). `data` starts with the transport header unless
 * `framed` is false. Anything malformed or truncated, a failure status, another command or an
 * SMB1 or encrypted message throws an SmbProtocolError saying what and where.
 */
export function parseNegotiateResponse(data: Buffer, options: { framed?: boolean } = {}): NegotiateResponse {
  let message = data;
  if (options.framed ?? true) {
    if (data.length < TRANSPORT_HEADER_BYTES) throw new SmbProtocolError(`truncated: ${data.length} bytes, not even the 4-byte transport header`);
    if (data[0] !== 0x00) throw new SmbProtocolError(`not an SMB-over-TCP frame: first byte 0x${hex8(data[0] ?? 0)} (a session message starts with 0x00)`);
    const length = data.readUIntBE(1, 3);
    const have = data.length - TRANSPORT_HEADER_BYTES;
    if (have < length) throw new SmbProtocolError(`truncated: the transport header announces ${length} bytes of message, ${have} arrived`);
    if (have > length) throw new SmbProtocolError(`${have - length} bytes after the ${length}-byte message the transport header announces`);
    message = data.subarray(TRANSPORT_HEADER_BYTES);
  }
  if (message.length >= 4) {
    const protocol = message.readUInt32LE(0);
    if (protocol === SMB1_PROTOCOL_ID) throw new SmbProtocolError('an SMB1 message (0xFF "SMB"), not SMB2: the server does not speak SMB 2/3');
    if (protocol === SMB2_TRANSFORM_PROTOCOL_ID) throw new SmbProtocolError('an encrypted SMB2 message (TRANSFORM_HEADER) where a NEGOTIATE response belongs');
    if (protocol !== SMB2_PROTOCOL_ID) throw new SmbProtocolError(`not an SMB2 message: ProtocolId ${message.subarray(0, 4).toString('hex')}`);
  }
  need(message, 0, SMB2_HEADER_BYTES, 'SMB2 header');
  const headerSize = message.readUInt16LE(4);
  if (headerSize !== SMB2_HEADER_BYTES) throw new SmbProtocolError(`SMB2 header StructureSize ${headerSize}, expected 64`);
  const command = message.readUInt16LE(12);
  if (command !== SMB2_NEGOTIATE) throw new SmbProtocolError(`command 0x${hex16(command)} where a NEGOTIATE (0x0000) response belongs`);
  const flags = message.readUInt32LE(16);
  if ((flags & SMB2_FLAGS_SERVER_TO_REDIR) === 0) throw new SmbProtocolError('a request, not a response: SMB2_FLAGS_SERVER_TO_REDIR is not set');
  const status = message.readUInt32LE(8);
  if (status !== 0) throw new SmbProtocolError(`the server refused the NEGOTIATE: status 0x${status.toString(16).padStart(8, '0')}${NT_STATUS_NAMES[status] ? ` (${NT_STATUS_NAMES[status]})` : ''}`);

  const b = SMB2_HEADER_BYTES;
  need(message, b, NEGOTIATE_RESPONSE_FIXED_BYTES, 'NEGOTIATE response');
  const structureSize = message.readUInt16LE(b);
  if (structureSize !== 65) throw new SmbProtocolError(`NEGOTIATE response StructureSize ${structureSize}, expected 65`);
  const securityMode = message.readUInt16LE(b + 2);
  const dialect = message.readUInt16LE(b + 4);
  const contextCount = message.readUInt16LE(b + 6);
  const serverGuid = formatGuid(message.subarray(b + 8, b + 24));
  const capabilitiesBits = message.readUInt32LE(b + 24);
  const maxTransactSize = message.readUInt32LE(b + 28);
  const maxReadSize = message.readUInt32LE(b + 32);
  const maxWriteSize = message.readUInt32LE(b + 36);
  const systemTime = filetimeToIso(message.readBigUInt64LE(b + 40));
  const serverStartTime = filetimeToIso(message.readBigUInt64LE(b + 48));
  const securityOffset = message.readUInt16LE(b + 56);
  const securityLength = message.readUInt16LE(b + 58);
  const contextOffset = message.readUInt32LE(b + 60);

  let securityBuffer = Buffer.alloc(0);
  if (securityLength > 0) {
    if (securityOffset < SMB2_HEADER_BYTES + NEGOTIATE_RESPONSE_FIXED_BYTES) throw new SmbProtocolError(`SecurityBufferOffset ${securityOffset} points into the fixed part of the response`);
    need(message, securityOffset, securityLength, 'security buffer');
    securityBuffer = Buffer.from(message.subarray(securityOffset, securityOffset + securityLength));
  }

  const contexts: NegotiateContextEntry[] = [];
  if (dialect === DIALECTS['3.1.1']) {
    if (contextCount === 0) throw new SmbProtocolError('a 3.1.1 NEGOTIATE response without negotiate contexts (the preauth integrity context is mandatory)');
    if (contextOffset % 8 !== 0) throw new SmbProtocolError(`NegotiateContextOffset ${contextOffset} is not 8-byte aligned`);
    if (contextOffset < SMB2_HEADER_BYTES + NEGOTIATE_RESPONSE_FIXED_BYTES) throw new SmbProtocolError(`NegotiateContextOffset ${contextOffset} points into the fixed part of the response`);
    let position = contextOffset;
    for (let i = 0; i < contextCount; i++) {
      if (i > 0) position = align8(position);
      need(message, position, CONTEXT_HEADER_BYTES, `negotiate context ${i + 1} of ${contextCount}`);
      const type = message.readUInt16LE(position);
      const length = message.readUInt16LE(position + 2);
      need(message, position + CONTEXT_HEADER_BYTES, length, `data of negotiate context ${i + 1} of ${contextCount} (${contextTypeName(type)})`);
      contexts.push({ type, typeName: contextTypeName(type), offset: position, data: Buffer.from(message.subarray(position + CONTEXT_HEADER_BYTES, position + CONTEXT_HEADER_BYTES + length)) });
      position += CONTEXT_HEADER_BYTES + length;
    }
  }

  let preauthIntegrity: NegotiateResponse['preauthIntegrity'] = null;
  let cipher: string | null = null;
  let signingAlgorithm: string | null = null;
  for (const context of contexts) {
    const d = context.data;
    switch (context.type) {
      case CONTEXT_TYPES.PREAUTH_INTEGRITY_CAPABILITIES: {
        needIn(d, 4, context);
        const count = d.readUInt16LE(0);
        const saltLength = d.readUInt16LE(2);
        needIn(d, 4 + 2 * count + saltLength, context);
        const hashAlgorithms = Array.from({ length: count }, (_, i) => nameOf(HASH_ALGORITHMS, d.readUInt16LE(4 + 2 * i)));
        if (count !== 1) throw new SmbProtocolError(`the server chose ${count} preauth hash algorithms; a response names exactly one`);
        preauthIntegrity = { hashAlgorithms, saltLength };
        break;
      }
      case CONTEXT_TYPES.ENCRYPTION_CAPABILITIES: {
        const [chosen] = countedValues(d, context);
        cipher = chosen === 0 ? 'none' : nameOf(CIPHERS, chosen ?? 0);
        break;
      }
      case CONTEXT_TYPES.SIGNING_CAPABILITIES: {
        const [chosen] = countedValues(d, context);
        signingAlgorithm = nameOf(SIGNING_ALGORITHMS, chosen ?? 0);
        break;
      }
      default:
        break; // kept raw in `contexts`
    }
  }
  if (dialect === DIALECTS['3.1.1'] && preauthIntegrity === null) throw new SmbProtocolError('a 3.1.1 NEGOTIATE response without the preauth integrity context');

  return {
    messageId: message.readBigUInt64LE(24),
    creditsGranted: message.readUInt16LE(14),
    dialect,
    dialectName: dialectName(dialect),
    securityMode,
    signingEnabled: (securityMode & SECURITY_MODE.SIGNING_ENABLED) !== 0,
    signingRequired: (securityMode & SECURITY_MODE.SIGNING_REQUIRED) !== 0,
    capabilitiesBits,
    capabilities: capabilityNames(capabilitiesBits),
    maxTransactSize,
    maxReadSize,
    maxWriteSize,
    serverGuid,
    systemTime,
    serverStartTime,
    securityBuffer,
    contexts,
    preauthIntegrity,
    cipher,
    signingAlgorithm,
  };
}

/** A response's one-value list (count u16 = 1, value u16). */
function countedValues(d: Buffer, context: NegotiateContextEntry): number[] {
  needIn(d, 2, context);
  const count = d.readUInt16LE(0);
  needIn(d, 2 + 2 * count, context);
  if (count !== 1) throw new SmbProtocolError(`${context.typeName} in a response lists ${count} values; the server chooses exactly one`);
  return Array.from({ length: count }, (_, i) => d.readUInt16LE(2 + 2 * i));
}

function need(message: Buffer, offset: number, length: number, what: string): void {
  if (offset + length > message.length) throw new SmbProtocolError(`truncated: the ${what} needs bytes ${offset}..${offset + length - 1} of the SMB2 message, which has ${message.length}`);
}

function needIn(data: Buffer, length: number, context: NegotiateContextEntry): void {
  if (length > data.length) throw new SmbProtocolError(`${context.typeName} context at offset ${context.offset}: its data needs ${length} bytes, DataLength is ${data.length}`);
}

function contextTypeName(type: number): string {
  return nameOf(CONTEXT_TYPES, type);
}

function nameOf(table: Record<string, number>, value: number): string {
  for (const [name, v] of Object.entries(table)) if (v === value) return name;
  return `0x${hex16(value)}`;
}

export function align8(n: number): number {
  return (n + 7) & ~7;
}

/** MS-DTYP 2.3.4.2: Data1 u32, Data2 u16, Data3 u16 little-endian, then Data4's 8 bytes as they are. */
export function formatGuid(bytes: Buffer): string {
  if (bytes.length !== 16) throw new RangeError(`a GUID is 16 bytes, got ${bytes.length}`);
  const d4 = bytes.subarray(8).toString('hex');
  return [bytes.readUInt32LE(0).toString(16).padStart(8, '0'), hex16(bytes.readUInt16LE(4)), hex16(bytes.readUInt16LE(6)), d4.slice(0, 4), d4.slice(4)].join('-');
}

/** FILETIME (100 ns ticks since 1601-01-01 UTC) as ISO 8601 with milliseconds; null for 0. */
export function filetimeToIso(ticks: bigint): string | null {
  if (ticks === 0n) return null;
  const UNIX_EPOCH_TICKS = 116_444_736_000_000_000n;
  const ms = Number((ticks - UNIX_EPOCH_TICKS) / 10_000n);
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

function hex16(n: number): string {
  return n.toString(16).padStart(4, '0');
}

function hex8(n: number): string {
  return n.toString(16).padStart(2, '0');
}
