// Packets as RFC 9000 draws them: section 17.2 (long header; Initial, 17.2.2) and 17.2.1
// (Version Negotiation), with the reserved versions of section 15.
import t from 'tap';
import { buildVersionProbe, isReservedVersion, parseVersionNegotiation, reservedVersion, versionName } from '../../harness/probe/version-negotiation.js';

const dcid = Buffer.from('0001020304050607', 'hex');
const scid = Buffer.from('a0a1a2a3', 'hex');

t.test('reserved versions: 0x?a?a?a?a', async (t) => {
  t.equal(reservedVersion(0), 0x0a0a0a0a);
  t.equal(reservedVersion(0x1), 0x1a1a1a1a);
  t.equal(reservedVersion(0xf), 0xfafafafa);
  t.ok(isReservedVersion(0x1a2a3a4a));
  t.notOk(isReservedVersion(0x00000001));
  t.notOk(isReservedVersion(0xff00001d));
});

t.test('the probe: long header, version, DCID, SCID, token length 0, a 2-byte length, padded to 1200', async (t) => {
  const probe = buildVersionProbe({ version: 0x1a2a3a4a, destinationConnectionId: dcid, sourceConnectionId: scid });
  const header = Buffer.from('c0' + '1a2a3a4a' + '08' + '0001020304050607' + '04' + 'a0a1a2a3' + '00' + '449a', 'hex');
  t.equal(probe.datagram.length, 1200);
  t.same(probe.datagram.subarray(0, header.length), header);
  t.equal(0x049a, 1200 - 19 - 3, 'the length covers the rest of the datagram');
  t.ok(probe.datagram.subarray(header.length).every((b) => b === 0));
  t.equal(buildVersionProbe({ version: 0x0a0a0a0a, destinationConnectionId: dcid, sourceConnectionId: scid, datagramBytes: 1252 }).datagram.length, 1252);
});

t.test('the probe refuses a real version and short connection IDs', async (t) => {
  t.throws(() => buildVersionProbe({ version: 1, destinationConnectionId: dcid, sourceConnectionId: scid }), /not a reserved version/);
  t.throws(() => buildVersionProbe({ version: 0x0a0a0a0a, destinationConnectionId: Buffer.alloc(7), sourceConnectionId: scid }), /destination 8-20/);
});

const vn = Buffer.from('ca' + '00000000' + '04' + 'a0a1a2a3' + '08' + '0001020304050607' + '00000001' + '6b3343cf' + 'ff00001d' + '3a3a3a3a', 'hex');

t.test('a Version Negotiation packet: the connection IDs echoed (swapped) and the versions', async (t) => {
  const answer = parseVersionNegotiation(vn, { destinationConnectionId: dcid, sourceConnectionId: scid });
  t.same(answer?.versions, [0x00000001, 0x6b3343cf, 0xff00001d, 0x3a3a3a3a]);
  t.same(answer?.destinationConnectionId, scid);
  t.same(answer?.sourceConnectionId, dcid);
  t.same(answer?.versions.map(versionName), ['0x00000001 (QUIC v1)', '0x6b3343cf (QUIC v2)', '0xff00001d (draft-29)', '0x3a3a3a3a (reserved, greasing)']);
});

t.test('what is not an answer to this probe is null', async (t) => {
  const probe = { destinationConnectionId: dcid, sourceConnectionId: scid };
  t.equal(parseVersionNegotiation(Buffer.from('c000000001', 'hex'), probe), null, 'another version');
  const v1 = Buffer.from(vn);
  v1.writeUInt32BE(1, 1);
  t.equal(parseVersionNegotiation(v1, probe), null, 'a version 1 long header');
  t.equal(parseVersionNegotiation(Buffer.from([0x4a, ...vn.subarray(1)]), probe), null, 'a short header');
  t.equal(parseVersionNegotiation(vn, { destinationConnectionId: scid, sourceConnectionId: dcid }), null, 'connection IDs not echoed');
  t.equal(parseVersionNegotiation(vn.subarray(0, vn.length - 2), probe), null, 'a version list not a multiple of 4');
  t.equal(parseVersionNegotiation(vn.subarray(0, 19), probe), null, 'no versions');
  t.equal(parseVersionNegotiation(Buffer.from('ca0000000030', 'hex'), probe), null, 'a DCID longer than the datagram');
});
