// Body bytes from HTTP/3 stream offsets (how gtlsserver and gtlsclient frame their messages)
// and the transfer fields of an exchange, on the captured 1 MB qlogs (see
// test/endpoints/ngtcp2-qlog.test.ts for the fixtures).
import t from 'tap';
import { readFile } from 'node:fs/promises';
import { clientTimings, parseQlog, type QlogTrace } from '../../harness/endpoints/ngtcp2/qlog.js';
import { GTLSSERVER_DATA_PAYLOAD_BYTES, bodyOnStream, bodyProgress, dataFramingBytes, varintBytes } from '../../harness/endpoints/ngtcp2/h3-framing.js';
import { downloadTransfer, uploadTransfer } from '../../harness/endpoints/ngtcp2/transfer.js';

async function fixtureTrace(name: string): Promise<QlogTrace> {
  return parseQlog(await readFile(new URL(`../fixtures/${name}`, import.meta.url), 'utf8'));
}

t.test('QUIC varints and DATA framing', async (t) => {
  t.same([0, 63, 64, 16_383, 16_384, 2 ** 30 - 1, 2 ** 30].map(varintBytes), [1, 1, 2, 2, 4, 4, 8]);
  // 61 frames of 16384 (5 bytes of framing each: 16384 needs a 4-byte varint), one of 576.
  t.equal(dataFramingBytes(1_000_000, GTLSSERVER_DATA_PAYLOAD_BYTES), 61 * 5 + 3);
  t.equal(dataFramingBytes(32_768, GTLSSERVER_DATA_PAYLOAD_BYTES), 10, 'no empty last frame');
  t.equal(dataFramingBytes(3_000_000, 3_000_000), 5, "gtlsclient's upload: one frame");
});

t.test("gtlsserver's 1 MB response: a 14-byte HEADERS frame, then 16 KiB DATA frames", async (t) => {
  const body = bodyOnStream(1_000_322, 1_000_000, GTLSSERVER_DATA_PAYLOAD_BYTES);
  t.equal(body.exact, true);
  t.equal(body.firstBodyOffset, 14 + 5);
  t.equal(body.bodyBytesWithin(19), 0, 'framing only');
  t.equal(body.bodyBytesWithin(20), 1);
  t.equal(body.bodyBytesWithin(19 + 16_384), 16_384, 'the first frame complete');
  t.equal(body.bodyBytesWithin(19 + 16_384 + 5), 16_384, 'the next frame header adds no body');
  t.equal(body.bodyBytesWithin(19 + 16_384 + 5 + 1), 16_385);
  t.equal(body.bodyBytesWithin(1_000_322 - 576), 1_000_000 - 576, 'up to the last frame payload');
  t.equal(body.bodyBytesWithin(1_000_322), 1_000_000);
  t.equal(body.bodyBytesWithin(2_000_000), 1_000_000, 'never more than the body');
});

t.test('a layout that does not fit falls back to spreading the framing evenly from offset 0', async (t) => {
  const body = bodyOnStream(1_100_000, 1_000_000, GTLSSERVER_DATA_PAYLOAD_BYTES);
  t.equal(body.exact, false, 'a 100 KB HEADERS frame is not believed');
  t.equal(body.firstBodyOffset, 0);
  t.equal(body.bodyBytesWithin(550_000), 500_000);
  t.equal(body.bodyBytesWithin(1_100_000), 1_000_000);
  const short = bodyOnStream(300, 1000, GTLSSERVER_DATA_PAYLOAD_BYTES);
  t.equal(short.exact, false, 'a stream shorter than its body');
  t.equal(short.bodyBytesWithin(300), 300, 'carries no more body than its own bytes');
});

t.test('progress in body bytes drops points that add none', async (t) => {
  const body = bodyOnStream(1_000_322, 1_000_000, GTLSSERVER_DATA_PAYLOAD_BYTES);
  t.same(
    bodyProgress(
      [
        [10, 14],
        [11, 19],
        [12, 500],
        [13, 19 + 16_384 + 3],
        [14, 1_000_322],
      ],
      body,
    ),
    [
      [12, 481],
      [13, 16_384],
      [14, 1_000_000],
    ],
  );
});

t.test('a 1 MB download (captured): body start, end and progress in body bytes', async (t) => {
  const trace = await fixtureTrace('ngtcp2-client-download-1m.qlog');
  const timings = clientTimings(trace);
  const transfer = downloadTransfer(trace, { bodyBytes: 1_000_000, responseStreamBytes: timings.responseStreamBytes, progress: true });
  t.match(transfer, { bodyStartMs: 36, bodyEndMs: 48 });
  t.equal(transfer.bodyEndMs, timings.totalMs);
  t.same(transfer.progress?.[0], [36, 14_486 - 19], 'the first ms: its in-order stream bytes less the framing');
  t.same(transfer.progress?.at(-1), [48, 1_000_000], 'ends at the body, framing excluded');
  t.equal(transfer.uploadedBytes, undefined);
  t.equal(transfer.retransmittedPackets, undefined, "a download's sender is the server");
  t.same(downloadTransfer(trace, { bodyBytes: 0, responseStreamBytes: 8, progress: true }), {}, 'no body, no body timings');
  t.notOk('progress' in downloadTransfer(trace, { bodyBytes: 1_000_000, responseStreamBytes: timings.responseStreamBytes, progress: false }));
});

t.test('a 1 MB upload (captured): body start and end, bytes sent, retransmissions', async (t) => {
  const trace = await fixtureTrace('ngtcp2-client-upload-1m.qlog');
  const transfer = uploadTransfer(trace, { bodyBytes: 1_000_000, progress: true });
  t.match(transfer, { bodyStartMs: 22, bodyEndMs: 43, uploadedBytes: 1_000_000, retransmittedPackets: 0, retransmittedBytes: 0 });
  t.same(transfer.progress?.at(-1), [42, 1_000_000]);
  t.ok((transfer.progress ?? []).every(([, bytes]) => bytes > 0 && bytes <= 1_000_000));
  // Asked for more than the stream carried: the layout does not fit, and the fallback never
  // claims more body than stream bytes sent, so the client's check (uploadedBytes = asked) fails.
  t.equal(uploadTransfer(trace, { bodyBytes: 2_000_000, progress: false }).uploadedBytes, 1_000_024, 'the qlog, not the request, says what was sent');
});
