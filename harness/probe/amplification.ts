// Will the server's first flight fit in the anti-amplification budget (RFC 9000 section 8.1:
// before the client's address is validated a server sends at most 3 times the bytes it
// received, i.e. 3 x the client's first Initial datagram, 1200 bytes or more)? When it does
// not, the server stops and waits for the client's next datagram (an ACK): QUIC pays one more
// round trip. The first flight is the Initial (ServerHello) and the Handshake packets
// (EncryptedExtensions, Certificate, CertificateVerify, Finished); the certificate chain is
// nearly all of it. The constants below are estimates of the rest, stated so they can be
// checked against a capture.

/** ServerHello (with key_share x25519) in its Initial packet, with QUIC header and AEAD tag: about. */
export const SERVER_HELLO_PACKET_BYTES = 180;
/** EncryptedExtensions (ALPN, transport parameters) and Finished (SHA-256): about. */
export const OTHER_HANDSHAKE_MESSAGE_BYTES = 200;
/** QUIC long header + packet number + AEAD tag per Handshake packet: about. */
export const HANDSHAKE_PACKET_OVERHEAD_BYTES = 60;
/** Payload of one full server datagram (most stacks send 1200-1252 bytes before path MTU discovery). */
export const SERVER_DATAGRAM_BYTES = 1200;
export const AMPLIFICATION_FACTOR = 3;

export interface ChainCertificate {
  /** DER size. */
  derBytes: number;
}

export interface AmplificationPrediction {
  clientInitialBytes: number;
  limitBytes: number;
  /** TLS Certificate message: 4-byte header, context, list, and per certificate 3-byte length + DER + 2-byte extensions. */
  certificateMessageBytes: number;
  certificateVerifyBytes: number;
  firstFlightBytes: number;
  exceedsLimit: boolean;
  /** Round trips the handshake costs beyond the one it needs: 0, or more when the flight is several budgets long. */
  extraRoundTrips: number;
}

/** Signature size in CertificateVerify for the leaf's key (RSA: the modulus; ECDSA: DER, at most). */
export function signatureBytes(key: { keyType: string; keyBits: number | null; curve?: string }): number {
  if (key.keyType === 'RSA' || key.keyType === 'RSA-PSS') return Math.ceil((key.keyBits ?? 2048) / 8);
  if (key.keyType === 'ECDSA') return key.curve === 'P-384' ? 104 : key.curve === 'P-521' ? 139 : 72;
  if (key.keyType === 'Ed25519') return 64;
  if (key.keyType === 'Ed448') return 114;
  return 256;
}

export function predictAmplification(input: { chain: ChainCertificate[]; leafSignatureBytes: number; clientInitialBytes?: number }): AmplificationPrediction {
  const clientInitialBytes = Math.max(input.clientInitialBytes ?? 1200, 1200);
  const limitBytes = AMPLIFICATION_FACTOR * clientInitialBytes;
  const certificateMessageBytes = 4 + 1 + 3 + input.chain.reduce((sum, c) => sum + 3 + c.derBytes + 2, 0);
  const certificateVerifyBytes = 4 + 2 + 2 + input.leafSignatureBytes;
  const handshakeBytes = certificateMessageBytes + certificateVerifyBytes + OTHER_HANDSHAKE_MESSAGE_BYTES;
  const handshakePackets = Math.ceil(handshakeBytes / (SERVER_DATAGRAM_BYTES - HANDSHAKE_PACKET_OVERHEAD_BYTES));
  const firstFlightBytes = SERVER_HELLO_PACKET_BYTES + handshakeBytes + handshakePackets * HANDSHAKE_PACKET_OVERHEAD_BYTES;
  // Each client datagram (its Initial, then each ACK of about the same padded size) opens another budget.
  const extraRoundTrips = Math.max(0, Math.ceil(firstFlightBytes / limitBytes) - 1);
  return { clientInitialBytes, limitBytes, certificateMessageBytes, certificateVerifyBytes, firstFlightBytes, exceedsLimit: firstFlightBytes > limitBytes, extraRoundTrips };
}
