// negotiate-exchange.ts: the framed request both transports send (0x00, a 24-bit length, the
// SMB2 message: Direct TCP framing, which SMB over QUIC keeps), the bounded reassembly of a
// response that arrives in pieces as a QUIC stream or a TCP socket delivers it, and the outcome
// read from smbd 4.17's captured responses (test/fixtures/smb).
import t from 'tap';
import { smbFixture } from '../fixtures/smb.js';
import { MAX_NEGOTIATE_RESPONSE_BYTES, completeFrameLength, negotiateOutcome, negotiateRequest } from '../../harness/smb/negotiate-exchange.js';

const RESPONSE_311 = smbFixture('smbd-4.17-negotiate-response-311.hex');
const RESPONSE_30 = smbFixture('smbd-4.17-negotiate-response-30.hex');

t.test('the request: a 4-byte transport header (zero, 24-bit big-endian length), then the SMB2 message', async (t) => {
  const { request, dialects } = negotiateRequest({});
  t.same(dialects, ['2.0.2', '2.1', '3.0', '3.0.2', '3.1.1']);
  t.equal(request[0], 0x00);
  t.equal(request.readUIntBE(1, 3), request.length - 4);
  t.equal(request.subarray(4, 8).toString('hex'), 'fe534d42', 'ProtocolId 0xFE "SMB"');
  t.equal(completeFrameLength(request), request.length, 'one whole frame');
  const again = negotiateRequest({ dialects: ['3.0'] });
  t.same(again.dialects, ['3.0']);
  t.equal(again.request.readUIntBE(1, 3), 64 + 36 + 2, 'header, fixed body, one dialect, no contexts');
  t.not(
    again.request.subarray(4 + 64 + 12, 4 + 64 + 28).toString('hex'),
    negotiateRequest({ dialects: ['3.0'] })
      .request.subarray(4 + 64 + 12, 4 + 64 + 28)
      .toString('hex'),
    'a fresh ClientGuid each time',
  );
});

t.test('a response arriving in pieces: no frame until its last byte, then exactly the frame', async (t) => {
  const trailing = Buffer.concat([RESPONSE_311, Buffer.from([0x00, 0x00])]);
  const lengths: Array<number | null> = [];
  for (const cut of [0, 3, 4, 70, RESPONSE_311.length - 1, RESPONSE_311.length, trailing.length]) lengths.push(completeFrameLength(trailing.subarray(0, cut)));
  t.same(lengths, [null, null, null, null, null, RESPONSE_311.length, RESPONSE_311.length]);
});

t.test('bytes that are not an SMB frame, or too many without one', async (t) => {
  t.throws(() => completeFrameLength(Buffer.from('HTTP/1.1 400')), { name: 'SmbProtocolError', message: 'not an SMB-over-TCP frame: first byte 0x48 (a session message starts with 0x00)' });
  const huge = Buffer.alloc(MAX_NEGOTIATE_RESPONSE_BYTES + 1);
  huge.writeUIntBE(0xff_ffff, 1, 3);
  t.throws(() => completeFrameLength(huge), { name: 'SmbProtocolError', message: `no complete SMB frame in the first ${MAX_NEGOTIATE_RESPONSE_BYTES + 1} bytes: not an SMB server` });
  t.equal(completeFrameLength(huge.subarray(0, MAX_NEGOTIATE_RESPONSE_BYTES)), null, 'up to the bound it waits');
});

t.test("the outcome of smbd's 3.1.1 and 3.0 answers", async (t) => {
  t.same(negotiateOutcome(RESPONSE_311, ['3.0', '3.1.1']), {
    dialect: '3.1.1',
    signingEnabled: true,
    signingRequired: false,
    encryptionSupported: true,
    cipher: 'AES-128-GCM',
    signingAlgorithm: 'AES-GMAC',
    capabilities: ['LEASING', 'LARGE_MTU', 'MULTI_CHANNEL'],
    preauthHash: 'SHA-512',
    maxTransactSize: 8388608,
    maxReadSize: 8388608,
    maxWriteSize: 8388608,
    serverGuid: '62616c71-6d73-0062-0000-000000000000',
    serverSystemTime: '2026-11-26T14:20:07.473Z',
  });
  t.match(negotiateOutcome(RESPONSE_30, ['3.0']), { dialect: '3.0', cipher: null, signingAlgorithm: null, preauthHash: null });
  t.throws(() => negotiateOutcome(RESPONSE_311, ['3.0']), { name: 'SmbProtocolError', message: 'the server chose dialect 3.1.1, which was not offered' });
});
