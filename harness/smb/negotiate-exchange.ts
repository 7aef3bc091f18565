// One SMB2 NEGOTIATE exchange, whatever carries it: the request a probe sends, the bounded
// reassembly of the framed response, and what the response says in the probe's terms. TCP 445
// (tcp-probe.ts) and a QUIC stream (quic-probe.ts) use the same bytes both ways: SMB over QUIC
// frames every SMB2 message exactly as Direct TCP does (negotiate.ts: 0x00, a 24-bit length).
// MS-SMB2 2.1 lists QUIC as a transport of dialect 3.1.1 next to Direct TCP, and Wireshark
// hands QUIC streams with ALPN "smb" to its NetBIOS session service dissector, the one that
// reads that 4-byte header on TCP 445 (epan/dissectors/packet-nbt.c, proto_reg_handoff_nbt:
// `dissector_add_string("quic.proto", "smb", nbss_handle)`).
import { randomBytes } from 'node:crypto';
import { DEFAULT_DIALECTS, DIALECTS, encodeNegotiateRequest, parseNegotiateResponse, SmbProtocolError, transportFrameLength, type CipherName, type DialectName, type SigningAlgorithmName } from './negotiate.js';

/** A NEGOTIATE response is a few hundred bytes; anything past this is not one. */
export const MAX_NEGOTIATE_RESPONSE_BYTES = 64 * 1024;

export interface NegotiateRequestChoice {
  dialects?: readonly DialectName[];
  ciphers?: readonly CipherName[];
  signingAlgorithms?: readonly SigningAlgorithmName[];
  signingRequired?: boolean;
}

/** What a NEGOTIATE response says, as both probes report it. */
export interface NegotiateOutcome {
  /** What the server chose ("3.1.1"). */
  dialect: string;
  signingEnabled: boolean;
  signingRequired: boolean;
  /** SMB2_GLOBAL_CAP_ENCRYPTION (3.0, 3.0.2) or a cipher in the 3.1.1 encryption context. */
  encryptionSupported: boolean;
  /** 3.1.1: the cipher the server chose ("none": none of ours); null before 3.1.1. */
  cipher: string | null;
  /** 3.1.1: the signing algorithm the server chose; null before 3.1.1 or without the context. */
  signingAlgorithm: string | null;
  capabilities: string[];
  preauthHash: string | null;
  maxTransactSize: number;
  maxReadSize: number;
  maxWriteSize: number;
  serverGuid: string;
  serverSystemTime: string | null;
}

/** The framed request (fresh ClientGuid and salt) and the dialects it offers. */
export function negotiateRequest(choice: NegotiateRequestChoice): { request: Buffer; dialects: DialectName[] } {
  const dialects = [...(choice.dialects ?? DEFAULT_DIALECTS)];
  const request = encodeNegotiateRequest({
    dialects,
    clientGuid: randomBytes(16),
    salt: randomBytes(32),
    ...(choice.ciphers !== undefined ? { ciphers: choice.ciphers } : {}),
    ...(choice.signingAlgorithms !== undefined ? { signingAlgorithms: choice.signingAlgorithms } : {}),
    ...(choice.signingRequired !== undefined ? { signingRequired: choice.signingRequired } : {}),
  });
  return { request, dialects };
}

/**
 * Bytes of the complete first frame in `received`, or null while more must come. Throws an
 * SmbProtocolError for bytes that are not an SMB frame, or more than `maxBytes` without one.
 */
export function completeFrameLength(received: Buffer, maxBytes = MAX_NEGOTIATE_RESPONSE_BYTES): number | null {
  const length = transportFrameLength(received);
  if (length === null && received.length > maxBytes) throw new SmbProtocolError(`no complete SMB frame in the first ${received.length} bytes: not an SMB server`);
  return length;
}

/** Parses the framed response and checks the dialect was one offered. */
export function negotiateOutcome(frame: Buffer, offered: readonly DialectName[]): NegotiateOutcome {
  const response = parseNegotiateResponse(frame);
  if (!offered.map((d): number => DIALECTS[d]).includes(response.dialect)) throw new SmbProtocolError(`the server chose dialect ${response.dialectName}, which was not offered`);
  return {
    dialect: response.dialectName,
    signingEnabled: response.signingEnabled,
    signingRequired: response.signingRequired,
    encryptionSupported: response.capabilities.includes('ENCRYPTION') || (response.cipher !== null && response.cipher !== 'none'),
    cipher: response.cipher,
    signingAlgorithm: response.signingAlgorithm,
    capabilities: response.capabilities,
    preauthHash: response.preauthIntegrity?.hashAlgorithms[0] ?? null,
    maxTransactSize: response.maxTransactSize,
    maxReadSize: response.maxReadSize,
    maxWriteSize: response.maxWriteSize,
    serverGuid: response.serverGuid,
    serverSystemTime: response.systemTime,
  };
}
