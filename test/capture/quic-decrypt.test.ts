// The harness's own QUIC decryption on exact values: RFC 9001 Appendix A (keys, the server
// Initial, the Retry, the ChaCha20-Poly1305 short-header packet), RFC 9000 A.3, hand-built
// frame payloads, and the recorded GSO batch of tshark-fields.tsv with its key log.
import t from 'tap';
import { createHmac, hkdfSync } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseKeyLog } from '../../harness/capture/keylog.js';
import { decodePacketNumber, decryptShortHeader, hkdfExpandLabel, openShortHeaderPackets, quicFrames, quicPacketKeys, shortHeaderOffset, splitDatagrams } from '../../harness/capture/quic-decrypt.js';
import { parseTsharkFields } from '../../harness/capture/tshark.js';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const keysHex = (keys: ReturnType<typeof quicPacketKeys>): Record<string, string> => ({ aead: keys.aead, key: keys.key.toString('hex'), iv: keys.iv.toString('hex'), hp: keys.hp.toString('hex') });

/** RFC 9001 A.1: the initial secrets of DCID 8394c8f03e515708. */
const INITIAL_SALT = hex('38762cf7f55934b34d179ae6a4c80cadccbb7f0a');
const RFC_DCID = hex('8394c8f03e515708');
/** RFC 9001 A.3: the server's protected Initial packet (135 bytes). */
const SERVER_INITIAL = hex(`
  cf000000010008f067a5502a4262b5004075c0d95a482cd0991cd25b0aac406a
  5816b6394100f37a1c69797554780bb38cc5a99f5ede4cf73c3ec2493a1839b3
  dbcba3f6ea46c5b7684df3548e7ddeb9c3bf9c73cc3f3bded74b562bfb19fb84
  022f8ef4cdd93795d77d06edbb7aaf2f58891850abbdca3d20398c276456cbc4
  2158407dd074ee`);
/** RFC 9001 A.4: a Retry. */
const RETRY = hex('ff000000010008f067a5502a4262b5746f6b656e04a265ba2eff4d829058fb3f0f2496ba');
/** RFC 9001 A.5: the ChaCha20-Poly1305 short-header packet (empty DCID, packet number 654360564 in 3 bytes, a PING). */
const A5_SECRET = hex('9ac312a7f877468ebe69422748ad00a15443f18203a07d6060f688f30f21632b');
const A5_PACKET = hex('4cfe4189655e5cd55c41f69080575d7999c25a5bfb');
const A5_PACKET_NUMBER = 654360564;

t.test('RFC 9001 A.1: HKDF-Expand-Label and the Initial keys (AES-128-GCM)', async (t) => {
  const initialSecret = createHmac('sha256', INITIAL_SALT).update(RFC_DCID).digest(); // HKDF-Extract
  t.equal(initialSecret.toString('hex'), '7db5df06e7a69e432496adedb00851923595221596ae2ae9fb8115c1e9ed0a44');
  const client = hkdfExpandLabel('sha256', initialSecret, 'client in', 32);
  const server = hkdfExpandLabel('sha256', initialSecret, 'server in', 32);
  t.equal(client.toString('hex'), 'c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea');
  t.equal(server.toString('hex'), '3c199828fd139efd216c155ad844cc81fb82fa8d7446fa7d78be803acdda951b');
  t.strictSame(keysHex(quicPacketKeys(client, 0x1301)), { aead: 'aes-128-gcm', key: '1f369613dd76d5467730efcbe3b1a22d', iv: 'fa044b2f42a3fd3b46fb255c', hp: '9f50449e04a0e810283a1e9933adedd2' });
  t.strictSame(keysHex(quicPacketKeys(server, 0x1301)), { aead: 'aes-128-gcm', key: 'cf3a5331653c364c88f0f379b6067e37', iv: '0ac1493ca1905853b0bba03e', hp: 'c206b8d9b9f0f37644430b490eeaa314' });
  // Longer than one hash (HKDF-Expand's T(1) | T(2)), against node's HKDF (extract and expand)
  // with the HkdfLabel written out: length 40, "tls13 client in", empty context.
  const label40 = hex('0028 0f 746c73313320636c69656e7420696e 00');
  t.equal(hkdfExpandLabel('sha256', initialSecret, 'client in', 40).toString('hex'), Buffer.from(hkdfSync('sha256', RFC_DCID, INITIAL_SALT, label40, 40)).toString('hex'));
  t.not(hkdfExpandLabel('sha384', initialSecret, 'client in', 32).toString('hex'), client.toString('hex'), 'the hash matters');
  t.equal(quicPacketKeys(client, 0x1302).key.length, 32, 'AES-256-GCM: 32-byte keys (SHA-384)');
  t.equal(quicPacketKeys(client, 0x1302).hp.length, 32);
  t.throws(() => quicPacketKeys(client, 0x1304), /unsupported TLS cipher suite 0x1304/);
});

t.test('RFC 9001 A.5: the ChaCha20-Poly1305 short-header packet', async (t) => {
  const keys = quicPacketKeys(A5_SECRET, 0x1303);
  t.strictSame(keysHex(keys), {
    aead: 'chacha20-poly1305',
    key: 'c6d98ff3441c3fe1b2182094f69caa2ed4b716b65488960a7a984979fb23e1c8',
    iv: 'e0459b3474bdd0e44a41c144',
    hp: '25a282b9e82f06f21f488917a4fc8f1b73573685608597d0efcb076b0ab7a7a4',
  });
  t.equal(hkdfExpandLabel('sha256', A5_SECRET, 'quic ku', 32).toString('hex'), '1223504755036d556342ee9361d253421a826c9ecdf3c7148684b36b714881f9');
  const opened = decryptShortHeader(A5_PACKET, 0, 0, keys, A5_PACKET_NUMBER - 1);
  t.strictSame(opened && { packetNumber: opened.packetNumber, payload: opened.payload.toString('hex') }, { packetNumber: A5_PACKET_NUMBER, payload: '01' });
  t.strictSame(quicFrames(opened?.payload ?? Buffer.alloc(0)), [{ type: 0x01 }], 'a PING');
  t.equal(decryptShortHeader(A5_PACKET, 0, 0, keys), null, 'the 3-byte packet number decoded without the largest received: the wrong nonce fails the AEAD check');
  t.equal(decryptShortHeader(A5_PACKET, 0, 1, keys, A5_PACKET_NUMBER - 1), null, 'a wrong DCID length fails');
  const damaged = Buffer.from(A5_PACKET);
  damaged[4] = (damaged[4] as number) ^ 1;
  t.equal(decryptShortHeader(damaged, 0, 0, keys, A5_PACKET_NUMBER - 1), null, 'a damaged packet fails');
  t.equal(decryptShortHeader(A5_PACKET.subarray(0, 20), 0, 0, keys), null, 'too short for the header protection sample');
  t.equal(decryptShortHeader(SERVER_INITIAL, 0, 8, keys), null, 'not a short header');
});

t.test('RFC 9000 A.3: packet number decoding', async (t) => {
  t.equal(decodePacketNumber(0xa82f30ea, 0x9b32, 16), 0xa82f9b32);
  t.equal(decodePacketNumber(-1, 0, 8), 0, 'the first packet');
  t.equal(decodePacketNumber(-1, 5, 8), 5);
  t.equal(decodePacketNumber(250, 2, 8), 258, 'past a window boundary');
  t.equal(decodePacketNumber(258, 0xff, 8), 255, 'a late packet just before the boundary');
});

t.test('shortHeaderOffset skips coalesced long-header packets', async (t) => {
  t.equal(shortHeaderOffset(Buffer.concat([SERVER_INITIAL, A5_PACKET])), 135, 'Initial (with its Length) then a short header');
  t.equal(shortHeaderOffset(A5_PACKET), 0);
  t.equal(shortHeaderOffset(SERVER_INITIAL), null, 'long headers only');
  t.equal(shortHeaderOffset(RETRY), null, 'a Retry');
  t.equal(shortHeaderOffset(hex('80000000000808f067a5502a4262b50800000001')), null, 'version negotiation');
  t.equal(shortHeaderOffset(SERVER_INITIAL.subarray(0, 100)), null, 'cut short');
  t.equal(shortHeaderOffset(Buffer.alloc(0)), null);
  const coalesced = Buffer.concat([SERVER_INITIAL, A5_PACKET]);
  const opened = decryptShortHeader(coalesced, 135, 0, quicPacketKeys(A5_SECRET, 0x1303), A5_PACKET_NUMBER - 1);
  t.equal(opened?.payload.toString('hex'), '01', 'the short-header packet behind the Initial opens');
  t.strictSame(splitDatagrams(coalesced, Buffer.alloc(0)), [coalesced], 'an empty DCID cannot be searched for: no cut');
});

t.test('quicFrames: every RFC 9000 frame type, exact', async (t) => {
  const payload = hex(`
    000000 01 020a0001020103 030a0000020102 03 04040140 64 050802 060003aabbcc 0702eeee
    0e04404002 6869 0b000121 104400 110420 1210 1303 1420 150820 1610 1703
    18010004c1c2c3c4 000102030405060708090a0b0c0d0e0f 1901 1a0102030405060708 1b0102030405060708
    1c0a06026f6b 1d0000 1e 3102abcd 080c414243`);
  t.strictSame(quicFrames(payload), [
    { type: 0x00, length: 3 },
    { type: 0x01 },
    { type: 0x02 },
    { type: 0x03 },
    { type: 0x04, streamId: 4 },
    { type: 0x05, streamId: 8 },
    { type: 0x06, offset: 0, length: 3 },
    { type: 0x07 },
    { type: 0x0e, streamId: 4, offset: 64, length: 2, fin: false },
    { type: 0x0b, streamId: 0, offset: 0, length: 1, fin: true },
    { type: 0x10 },
    { type: 0x11, streamId: 4 },
    { type: 0x12 },
    { type: 0x13 },
    { type: 0x14 },
    { type: 0x15, streamId: 8 },
    { type: 0x16 },
    { type: 0x17 },
    { type: 0x18 },
    { type: 0x19 },
    { type: 0x1a },
    { type: 0x1b },
    { type: 0x1c },
    { type: 0x1d },
    { type: 0x1e },
    { type: 0x31 },
    { type: 0x08, streamId: 12, offset: 0, length: 3, fin: false }, // no Length: to the end
  ]);
  t.strictSame(quicFrames(hex('0d0005ffff')), [{ type: 0x0d, streamId: 0, offset: 5, length: 2, fin: true }], 'STREAM with offset and FIN, to the end');
  t.strictSame(quicFrames(hex('01 30dead')), [{ type: 0x01 }, { type: 0x30 }], 'DATAGRAM without length, to the end');
  t.strictSame(quicFrames(hex('4001')), [{ type: 0x01 }], 'a frame type in a 2-byte varint');
  t.strictSame(quicFrames(Buffer.alloc(0)), []);
  t.throws(() => quicFrames(hex('01 21')), /unknown QUIC frame type 0x21 at byte 1 of 2/);
  t.throws(() => quicFrames(hex('0603')), /cut short/, 'CRYPTO without its length');
  t.throws(() => quicFrames(hex('060005aa')), /cut short/, 'CRYPTO data shorter than its length');
  t.throws(() => quicFrames(hex('020a00')), /cut short/, 'ACK cut short');
});

t.test('the recorded GSO batch: cut into its datagrams and decrypted (AES-128-GCM)', async (t) => {
  const packets = parseTsharkFields(await readFile(join(import.meta.dirname, 'tshark-fields.tsv'), 'utf8'));
  const keylog = parseKeyLog(await readFile(join(import.meta.dirname, 'tshark-fields.keys.log'), 'utf8'));
  const client = packets.find((p) => p.frame === 15 && p.transport === 'udp');
  const batch = packets.find((p) => p.frame === 16 && p.transport === 'udp')?.quicUnread?.udpPayload;
  const secret = keylog.get(client?.tlsClientRandom ?? '')?.get('SERVER_TRAFFIC_SECRET_0');
  if (!client?.quicScid || !batch || !secret) return t.fail('fixture packets or secret missing');
  const dcid = hex(client.quicScid);
  t.strictSame(
    splitDatagrams(batch, dcid).map((d) => d.length),
    [1200, 385],
    'the kernel cut it at 1200 bytes',
  );
  t.equal(shortHeaderOffset(batch), 172 + 246, 'after the Initial and Handshake packets');
  const keys = quicPacketKeys(secret, 0x1301);
  t.equal(decryptShortHeader(batch, 418, dcid.length, keys), null, "to the batch's end, as tshark reads it: the AEAD check fails");
  const opened = openShortHeaderPackets(batch, dcid, keys);
  t.equal(opened.datagrams, 2);
  t.equal(opened.complete, true);
  t.strictSame(
    opened.packets.map((p) => ({ packetNumber: p.packetNumber, frames: quicFrames(p.payload) })),
    [
      {
        packetNumber: 0,
        frames: [
          { type: 0x0a, streamId: 3, offset: 0, length: 18, fin: false }, // HTTP/3 control stream
          { type: 0x0a, streamId: 11, offset: 0, length: 1, fin: false }, // QPACK streams
          { type: 0x0a, streamId: 7, offset: 0, length: 1, fin: false },
          { type: 0x0e, streamId: 7, offset: 1, length: 39, fin: false },
          { type: 0x0a, streamId: 0, offset: 0, length: 671, fin: false }, // the response
        ],
      },
      { packetNumber: 1, frames: [{ type: 0x0f, streamId: 0, offset: 671, length: 344, fin: true }] },
    ],
    'what the client qlog says it received',
  );
  const wrong = openShortHeaderPackets(batch, dcid, quicPacketKeys(Buffer.alloc(32), 0x1301));
  t.strictSame({ datagrams: wrong.datagrams, packets: wrong.packets.length, complete: wrong.complete }, { datagrams: 2, packets: 0, complete: false });
});

t.test('parseKeyLog', async (t) => {
  const a = 'aa'.repeat(32);
  const keylog = parseKeyLog(
    [
      '# a comment',
      '',
      `CLIENT_HANDSHAKE_TRAFFIC_SECRET ${a.toUpperCase()} 0102`,
      `SERVER_TRAFFIC_SECRET_0 ${a} 0a0b\r`,
      `SERVER_TRAFFIC_SECRET_0 ${'bb'.repeat(32)} 0c`,
      'not a key log line',
      `SERVER_TRAFFIC_SECRET_0 ${'cc'.repeat(32)} 0d0`, // half-written
      `CLIENT_TRAFFIC_SECRET_0 ${'dd'.repeat(31)} 0e`, // short random
    ].join('\n'),
  );
  t.strictSame(
    [...keylog].map(([random, secrets]) => [random, Object.fromEntries([...secrets].map(([label, secret]) => [label, secret.toString('hex')]))]),
    [
      [a, { CLIENT_HANDSHAKE_TRAFFIC_SECRET: '0102', SERVER_TRAFFIC_SECRET_0: '0a0b' }],
      ['bb'.repeat(32), { SERVER_TRAFFIC_SECRET_0: '0c' }],
    ],
  );
});
