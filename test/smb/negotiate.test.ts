// SMB2 NEGOTIATE encoding and parsing (harness/smb/negotiate.ts), without a network:
// - the request against bytes written out by hand from MS-SMB2's field layout (2.1 transport
//   header, 2.2.1.2 SYNC header, 2.2.3 NEGOTIATE request, 2.2.3.1.x negotiate contexts);
// - the request against smbclient 4.17's own NEGOTIATE, captured on the wire and dissected by
//   tshark (test/fixtures/smb/*.hex say how), re-encoded from the fields tshark showed;
// - smbd 4.17's recorded responses (3.1.1 with contexts, 3.0, and a refusal) parsed to the
//   values tshark showed;
// - malformed and truncated responses rejected with errors that say what is wrong.
import t from 'tap';
import { smbFixture } from '../fixtures/smb.js';
import {
  align8,
  capabilityNames,
  encodeNegotiateMessage,
  encodeNegotiateRequest,
  filetimeToIso,
  formatGuid,
  parseNegotiateResponse,
  SmbProtocolError,
  transportFrameLength,
  transportHeader,
} from '../../harness/smb/negotiate.js';

/** A fixture's bytes: '#' lines are provenance notes, the rest hex. */

/** Hex written field by field, with '//' notes: the notes and whitespace are dropped. */
function hex(annotated: string): Buffer {
  return Buffer.from(
    annotated
      .split('\n')
      .map((line) => line.replace(/\/\/.*$/, ''))
      .join('')
      .replace(/\s+/g, ''),
    'hex',
  );
}

const GUID = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
const SALT = Buffer.from(Array.from({ length: 32 }, (_, i) => 0x20 + i));

t.test('request offering every dialect, byte for byte from the spec', async (t) => {
  const expected = hex(`
    00 0000c6                  // transport: session message, length 198 (= 64 + 36 + 10 + 2 + 46 + 2 + 18 + 6 + 14)
    fe534d42                   // 2.2.1.2 ProtocolId 0xFE 'S' 'M' 'B'
    4000                       // StructureSize 64
    0000                       // CreditCharge
    00000000                   // Status (ChannelSequence/Reserved)
    0000                       // Command NEGOTIATE
    0100                       // CreditRequest 1
    00000000                   // Flags
    00000000                   // NextCommand
    0000000000000000           // MessageId 0
    00000000                   // Reserved (ProcessId)
    00000000                   // TreeId
    0000000000000000           // SessionId
    00000000000000000000000000000000 // Signature
    2400                       // 2.2.3 StructureSize 36
    0500                       // DialectCount 5
    0100                       // SecurityMode SIGNING_ENABLED
    0000                       // Reserved
    7f000000                   // Capabilities DFS|LEASING|LARGE_MTU|MULTI_CHANNEL|PERSISTENT_HANDLES|DIRECTORY_LEASING|ENCRYPTION
    000102030405060708090a0b0c0d0e0f // ClientGuid
    70000000                   // NegotiateContextOffset 112 (64 + 36 + 10 = 110, aligned to 8)
    0300                       // NegotiateContextCount 3
    0000                       // Reserved2
    0202 1002 0003 0203 1103   // Dialects 0x0202 0x0210 0x0300 0x0302 0x0311
    0000                       // padding to offset 112
    0100 2600 00000000         // 2.2.3.1.1 PREAUTH_INTEGRITY_CAPABILITIES, DataLength 38
    0100 2000 0100             //   HashAlgorithmCount 1, SaltLength 32, SHA-512
    202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f // Salt
    0000                       // padding: 112 + 46 = 158 -> 160
    0200 0a00 00000000         // 2.2.3.1.2 ENCRYPTION_CAPABILITIES, DataLength 10
    0400 0200 0100 0400 0300   //   CipherCount 4: AES-128-GCM, AES-128-CCM, AES-256-GCM, AES-256-CCM
    000000000000               // padding: 160 + 18 = 178 -> 184
    0800 0600 00000000         // 2.2.3.1.7 SIGNING_CAPABILITIES, DataLength 6
    0200 0100 0200             //   SigningAlgorithmCount 2: AES-CMAC, AES-GMAC (no padding after the last context)
  `);
  const encoded = encodeNegotiateRequest({ clientGuid: GUID, salt: SALT });
  t.equal(encoded.toString('hex'), expected.toString('hex'));
  t.equal(transportFrameLength(encoded), encoded.length, 'the frame length covers the whole request');
});

t.test('request without 3.1.1: no contexts, ClientStartTime 0, signing required when asked', async (t) => {
  const expected = hex(`
    00 00006a                  // transport: length 106 (64 + 36 + 6)
    fe534d42 4000 0000 00000000 0000 0100 00000000 00000000 0000000000000000 00000000 00000000 0000000000000000
    00000000000000000000000000000000
    2400 0300                  // StructureSize 36, DialectCount 3
    0300                       // SecurityMode SIGNING_ENABLED | SIGNING_REQUIRED
    0000
    05000000                   // Capabilities DFS | LARGE_MTU
    000102030405060708090a0b0c0d0e0f
    0000000000000000           // ClientStartTime 0 (no NegotiateContextOffset/Count without 3.1.1)
    0202 1002 0003             // Dialects 2.0.2, 2.1, 3.0
  `);
  const encoded = encodeNegotiateRequest({ dialects: ['2.0.2', '2.1', '3.0'], signingRequired: true, capabilities: ['DFS', 'LARGE_MTU'], clientGuid: GUID });
  t.equal(encoded.toString('hex'), expected.toString('hex'));
});

t.test("the same bytes as smbclient 4.17's own NEGOTIATE (captured, dissected by tshark)", async (t) => {
  // 3.1.1: the values tshark showed for the captured request (see the fixture's notes)
  const captured311 = smbFixture('smbclient-4.17-negotiate-request-311.hex');
  const ours311 = encodeNegotiateRequest({
    creditRequest: 31,
    signingRequired: true,
    clientGuid: Buffer.from('d7f043e6ec9c1d4287cfe80f7cfe3a73', 'hex'), // e643f0d7-9cec-421d-87cf-e80f7cfe3a73 in wire order
    salt: Buffer.from('c3650ed137745f5b6fd6ae5dd7c8d79340f78ac9c59a1a79e863ac173466f4fe', 'hex'),
    signingAlgorithms: ['AES-GMAC', 'AES-CMAC', 'HMAC-SHA256'],
    netname: '127.0.0.1',
  });
  t.equal(ours311.toString('hex'), captured311.toString('hex'), '3.1.1 request with four contexts');
  t.equal(formatGuid(captured311.subarray(4 + 64 + 12, 4 + 64 + 28)), 'e643f0d7-9cec-421d-87cf-e80f7cfe3a73', 'GUID text as tshark shows it');

  const captured30 = smbFixture('smbclient-4.17-negotiate-request-30.hex');
  const ours30 = encodeNegotiateRequest({
    dialects: ['2.0.2', '2.1', '3.0'],
    creditRequest: 31,
    signingRequired: true,
    clientGuid: Buffer.from('b14c90a50eb20248a92c373843aa3a61', 'hex'), // a5904cb1-b20e-4802-a92c-373843aa3a61
  });
  t.equal(ours30.toString('hex'), captured30.toString('hex'), 'request without 3.1.1');
});

t.test("smbd 4.17's 3.1.1 response", async (t) => {
  const r = parseNegotiateResponse(smbFixture('smbd-4.17-negotiate-response-311.hex'));
  t.equal(r.dialect, 0x0311);
  t.equal(r.dialectName, '3.1.1');
  t.equal(r.securityMode, 0x01);
  t.ok(r.signingEnabled);
  t.notOk(r.signingRequired);
  t.same(r.capabilities, ['LEASING', 'LARGE_MTU', 'MULTI_CHANNEL'], 'no ENCRYPTION capability in 3.1.1: the context says it');
  t.equal(r.maxTransactSize, 8388608);
  t.equal(r.maxReadSize, 8388608);
  t.equal(r.maxWriteSize, 8388608);
  t.equal(r.serverGuid, '62616c71-6d73-0062-0000-000000000000');
  t.equal(r.systemTime, '2026-11-26T14:20:07.473Z');
  t.equal(r.serverStartTime, null);
  t.equal(r.securityBuffer.length, 74, 'SPNEGO blob');
  t.equal(r.securityBuffer.subarray(0, 2).toString('hex'), '6048', 'GSS-API application tag');
  t.same(
    r.contexts.map((c) => [c.typeName, c.offset]),
    [
      ['PREAUTH_INTEGRITY_CAPABILITIES', 0xd0],
      ['ENCRYPTION_CAPABILITIES', 0x100],
      ['SIGNING_CAPABILITIES', 0x110],
    ],
  );
  t.same(r.preauthIntegrity, { hashAlgorithms: ['SHA-512'], saltLength: 32 });
  t.equal(r.cipher, 'AES-128-GCM');
  t.equal(r.signingAlgorithm, 'AES-GMAC');
  t.equal(r.creditsGranted, 1);
  t.equal(r.messageId, 0n);
});

t.test("smbd 4.17's 3.0 response", async (t) => {
  const r = parseNegotiateResponse(smbFixture('smbd-4.17-negotiate-response-30.hex'));
  t.equal(r.dialectName, '3.0');
  t.same(r.capabilities, ['LEASING', 'LARGE_MTU', 'MULTI_CHANNEL', 'ENCRYPTION']);
  t.same(r.contexts, []);
  t.equal(r.cipher, null);
  t.equal(r.signingAlgorithm, null);
  t.equal(r.preauthIntegrity, null);
  t.equal(r.systemTime, '2026-11-26T14:26:19.055Z');
});

t.test("smbd's refusal is an error naming the status", async (t) => {
  t.throws(() => parseNegotiateResponse(smbFixture('smbd-4.17-negotiate-not-supported.hex')), { name: 'SmbProtocolError', message: /status 0xc00000bb \(STATUS_NOT_SUPPORTED\)/ });
});

t.test('malformed and truncated responses', async (t) => {
  const good = smbFixture('smbd-4.17-negotiate-response-311.hex');
  const message = good.subarray(4);
  const framed = (m: Buffer): Buffer => Buffer.concat([transportHeader(m.length), m]);
  const patched = (offset: number, bytes: number[]): Buffer => {
    const copy = Buffer.from(message);
    Buffer.from(bytes).copy(copy, offset);
    return framed(copy);
  };
  const cases: Array<[string, Buffer, RegExp]> = [
    ['empty', Buffer.alloc(0), /truncated: 0 bytes, not even the 4-byte transport header/],
    ['not a session message', Buffer.from([0x85, 0, 0, 0]), /first byte 0x85/],
    ['cut inside the message', good.subarray(0, 100), /truncated: the transport header announces 284 bytes of message, 96 arrived/],
    ['cut inside the SMB2 header', framed(message.subarray(0, 40)), /truncated: the SMB2 header needs bytes 0\.\.63 of the SMB2 message, which has 40/],
    ['cut inside the fixed response', framed(message.subarray(0, 100)), /truncated: the NEGOTIATE response needs bytes 64\.\.127/],
    ['cut inside the contexts', framed(message.subarray(0, 0x110)), /truncated: the negotiate context 3 of 3 needs bytes 272\.\.279/],
    ['bytes after the frame', Buffer.concat([good, Buffer.alloc(3)]), /3 bytes after the 284-byte message/],
    ['SMB1', patched(0, [0xff]), /SMB1 message/],
    ['encrypted', patched(0, [0xfd]), /encrypted SMB2 message/],
    ['garbage protocol id', patched(0, [0x00, 0x01]), /not an SMB2 message: ProtocolId 00014d42/],
    ['header StructureSize', patched(4, [0x41]), /header StructureSize 65, expected 64/],
    ['another command', patched(12, [0x01]), /command 0x0001 where a NEGOTIATE \(0x0000\) response belongs/],
    ['a request', patched(16, [0x00]), /SMB2_FLAGS_SERVER_TO_REDIR is not set/],
    ['response StructureSize', patched(64, [0x40]), /StructureSize 64, expected 65/],
    ['security buffer past the end', patched(64 + 58, [0xff, 0x7f]), /truncated: the security buffer needs bytes 128\.\.32894/],
    ['security buffer inside the fixed part', patched(64 + 56, [0x40, 0x00]), /SecurityBufferOffset 64 points into the fixed part/],
    ['misaligned context offset', patched(64 + 60, [0xd4]), /NegotiateContextOffset 212 is not 8-byte aligned/],
    ['context longer than the message', patched(0x110 + 2, [0x40]), /data of negotiate context 3 of 3 \(SIGNING_CAPABILITIES\)/],
    ['no contexts in 3.1.1', patched(64 + 6, [0x00]), /3\.1\.1 NEGOTIATE response without negotiate contexts/],
    ['cipher list longer than its context', patched(0x100 + 8, [0x02]), /ENCRYPTION_CAPABILITIES context at offset 256: its data needs 6 bytes, DataLength is 4/],
    ['no preauth context', patched(0xd0, [0x07]), /without the preauth integrity context/],
  ];
  for (const [name, data, message] of cases) {
    t.throws(() => parseNegotiateResponse(data), { name: 'SmbProtocolError', message }, name);
  }
  t.ok(new SmbProtocolError('x') instanceof Error);
});

t.test('framing and field helpers', async (t) => {
  t.equal(transportFrameLength(Buffer.from([0, 0])), null, 'header incomplete');
  t.equal(transportFrameLength(Buffer.from([0, 0, 0, 4, 1, 2])), null, 'body incomplete');
  t.equal(transportFrameLength(Buffer.from([0, 0, 0, 2, 1, 2, 3])), 6, 'one frame and the start of the next');
  t.throws(() => transportFrameLength(Buffer.from([0x82, 0, 0, 0])), /first byte 0x82/);
  t.throws(() => transportHeader(0x1000000), /at most 16777215 bytes/);
  t.equal(align8(110), 112);
  t.equal(align8(112), 112);
  t.same(capabilityNames(0x0000_0141), ['DFS', 'ENCRYPTION', '0x00000100']);
  t.equal(filetimeToIso(0n), null);
  t.equal(filetimeToIso(116_444_736_000_000_000n), '1970-01-01T00:00:00.000Z');
  t.equal(encodeNegotiateMessage({ clientGuid: GUID }).length, 198);
  t.throws(() => encodeNegotiateRequest({ clientGuid: Buffer.alloc(15) }), /ClientGuid must be 16 bytes/);
  t.throws(() => encodeNegotiateRequest({ clientGuid: GUID, dialects: [] }), /at least one dialect/);
  t.throws(() => encodeNegotiateRequest({ clientGuid: GUID, dialects: ['3.0', '3.0'] }), /each dialect once/);
  t.throws(() => encodeNegotiateRequest({ clientGuid: GUID, dialects: ['9.9' as never] }), /unknown SMB2 dialect "9.9"/);
});
