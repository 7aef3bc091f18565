// iperf3 3.12's text output, captured on the lab (40 ms, 20 Mbit/s; fixtures/iperf3, each line
// with its arrival in ms from the spawn): the parse, the test start on the harness's clock, the
// exchange's timings, and the refusals (errors, cut-short output, wrong figures, paths).
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseIperfText, printedToleranceBytes, type StampedLine } from '../../harness/endpoints/iperf3/text-output.js';
import { iperfTimeline, testStartOnClock } from '../../harness/endpoints/iperf3/timeline.js';
import { blockBytesFor, downloadBytesOf } from '../../harness/endpoints/iperf3/client.js';
import { parseIperf3Version } from '../../harness/endpoints/iperf3/version.js';

const fixture = (name: string): StampedLine[] => JSON.parse(readFileSync(join(import.meta.dirname, '../fixtures/iperf3', `${name}.json`), 'utf8')) as StampedLine[];

t.test('cubic, 2 MB: every line read, the figures as printed', async (t) => {
  const r = parseIperfText(fixture('cubic-2MB'));
  t.equal(r.controlConnectedMs, 86.396);
  t.equal(r.dataConnectedMs, 214.746);
  t.equal(r.startingTestMs, 267.874);
  t.equal(r.intervals.length, 10);
  t.same(r.intervals[0], { startSeconds: 0, endSeconds: 0.1, bytes: 82534, atMs: 372.289 }, '80.6 KBytes');
  t.same(r.intervals[1], { startSeconds: 0.1, endSeconds: 0.2, bytes: 189440, atMs: 468.209 }, '185 KBytes');
  t.same(r.intervals[9], { startSeconds: 0.9, endSeconds: 0.96, bytes: 59699, atMs: 1326.389 }, 'the last, short interval');
  t.same(r.sender, { seconds: 1, bytes: 2002780, retransmits: 2 }, '1.91 MBytes, Retr 2');
  t.same(r.receiver, { seconds: 0.96, bytes: 2002780, retransmits: null });
  t.equal(r.senderCongestion, 'cubic');
  t.equal(r.receiverCongestion, 'cubic');
  t.same(r.errors, []);
  t.equal(r.done, true);
});

t.test('cubic, 2 MB: the timings on the exchange clock', async (t) => {
  const timeline = iperfTimeline(parseIperfText(fixture('cubic-2MB')), 2_000_000, 'cubic', true);
  t.equal(timeline.startLineMs, 267.874, '"Starting Test:" arrived');
  t.equal(timeline.intervalsStartMs, 268.209, '468.209 - 200: the least over the timer-closed lines');
  t.equal(timeline.testStartMs, 267.874, 'the lesser');
  t.same(timeline.timings, {
    handshakeMs: 214.746,
    bodyStartMs: 267.874,
    bodyEndMs: 1227.874,
    totalMs: 1227.874,
    bodyBytes: 2_000_000,
    retransmittedPackets: 2,
    extraMs: { controlConnectedMs: 86.396, iperf3TestStartMs: 267.874 },
    progress: [
      [367.874, 82534],
      [467.874, 271974],
      [567.874, 512614],
      [667.874, 754278],
      [767.874, 997990],
      [867.874, 1217126],
      [967.874, 1458790],
      [1067.874, 1700454],
      [1167.874, 1941094],
      [1227.874, 2_000_000],
    ],
  });
  t.notOk(iperfTimeline(parseIperfText(fixture('cubic-2MB')), 2_000_000, 'cubic', false).timings.progress, 'no progress unless asked');
});

t.test('bbr, 2 MB: the sender used bbr, its retransmits, the test start', async (t) => {
  const timeline = iperfTimeline(parseIperfText(fixture('bbr-2MB')), 2_000_000, 'bbr', true);
  t.equal(timeline.timings.retransmittedPackets, 183);
  t.equal(timeline.startLineMs, 394.792);
  t.equal(timeline.intervalsStartMs, 394.826, '794.826 - 400');
  t.equal(timeline.timings.bodyEndMs, 1324.792, 'test start + 0.93 s');
  const progress = timeline.timings.progress ?? [];
  t.same(progress[progress.length - 1], [1324.792, 2_000_000]);
  t.ok(
    progress.every(([ms, bytes], i) => i === 0 || (ms > (progress[i - 1] as [number, number])[0] && bytes >= (progress[i - 1] as [number, number])[1])),
    'monotonic',
  );
  t.throws(() => iperfTimeline(parseIperfText(fixture('bbr-2MB')), 2_000_000, 'cubic', false), /sender used congestion control bbr, asked for cubic/);
});

t.test('a last interval printed with the same end as the one before ("0.90-0.90", seen with bbr): one point, at the total', async (t) => {
  const lines = fixture('cubic-2MB').map((l) => ({ ...l, line: l.line.replace('0.90-0.96   sec  58.3 KBytes', '0.90-0.90   sec  3.13 KBytes').replace('0.80-0.90   sec   235 KBytes', '0.80-0.90   sec   290 KBytes') }));
  const { timings } = iperfTimeline(parseIperfText(lines), 2_000_000, 'cubic', true);
  t.same((timings.progress ?? []).slice(-2), [
    [1067.874, 1700454],
    [1167.874, 2_000_000],
  ]);
  t.equal(timings.bodyEndMs, 1167.874);
});

t.test('a short transfer: one interval, printed after the results exchange, so only "Starting Test:" times it', async (t) => {
  const report = parseIperfText(fixture('short-20kB'));
  t.same(testStartOnClock(report), { testStartMs: 274.069, startLineMs: 274.069, intervalsStartMs: null });
  const { timings } = iperfTimeline(report, 20_000, 'cubic', true);
  t.same(timings, {
    handshakeMs: 233.81,
    bodyStartMs: 274.069,
    bodyEndMs: 314.069,
    totalMs: 314.069,
    bodyBytes: 20_000,
    retransmittedPackets: 0,
    extraMs: { controlConnectedMs: 58.414, iperf3TestStartMs: 274.069 },
    progress: [[314.069, 20_000]],
  });
});

t.test('the server is busy: the error, said as iperf3 says it', async (t) => {
  const report = parseIperfText(fixture('busy'));
  t.same(report.errors, ['the server is busy running a test. try again later']);
  t.throws(() => iperfTimeline(report, 1_000_000, 'cubic', false), { message: 'iperf3: the server is busy running a test. try again later' });
});

t.test('a controller the kernel does not have: the error says which and where the kernel lists them', async (t) => {
  // As iperf3 3.12 printed it for -C bbr2 (not in this kernel).
  const lines = ['Reverse mode, remote host 127.0.0.1 is sending', 'iperf3: error - unable to set TCP_CONGESTION: Supplied congestion control algorithm not supported on this host'].map((line, i) => ({ atMs: i, line }));
  t.throws(() => iperfTimeline(parseIperfText(lines), 100_000, 'bbr2', false), {
    message:
      'iperf3: unable to set TCP_CONGESTION: Supplied congestion control algorithm not supported on this host (-C bbr2: the kernel offers the controllers in net.ipv4.tcp_available_congestion_control; without CAP_NET_ADMIN one must also be in tcp_allowed_congestion_control)',
  });
});

t.test('output cut short, or figures that disagree with the download: clear errors', async (t) => {
  const lines = fixture('cubic-2MB');
  const cut = lines.slice(
    0,
    lines.findIndex((l) => l.line.startsWith('- - -')),
  );
  t.throws(() => iperfTimeline(parseIperfText(cut), 2_000_000, 'cubic', false), /output ends before the summary \(cut short\)/);
  t.throws(() => iperfTimeline(parseIperfText(lines.slice(0, 8)), 2_000_000, 'cubic', false), /no interval report/);
  t.throws(() => iperfTimeline(parseIperfText(lines), 3_000_000, 'cubic', false), /the receiver reports 2002780 bytes \(as printed\), expected 3000000/);
  const missingInterval = lines.filter((l) => !l.line.includes('0.30-0.40'));
  t.throws(() => iperfTimeline(parseIperfText(missingInterval), 2_000_000, 'cubic', false), /interval reports add up to 1759129 bytes \(as printed, ±3686\), expected 2000000/);
  t.throws(() => testStartOnClock({ intervals: parseIperfText(fixture('short-20kB')).intervals, startingTestMs: null }), /test start is unknown/);
  t.throws(() => parseIperfText([{ atMs: 1, line: '[  5]   0.00-0.10   sec  80.6 KBytes   772 KBytes/sec    0   sender' }]), /sender summary line before the summary/);
});

t.test('printed precision: three significant digits of adaptive units', async (t) => {
  t.equal(printedToleranceBytes(2_000_000), 5242.88, '1.91 MBytes: ±0.005 MiB');
  t.equal(printedToleranceBytes(240_000), 512, '234 KBytes: ±0.5 KiB');
  t.equal(printedToleranceBytes(82_534), 51.2, '80.6 KBytes: ±0.05 KiB');
  t.equal(printedToleranceBytes(500), 0.5);
});

t.test('the size from the path, and blocks that add up to it exactly', async (t) => {
  t.equal(downloadBytesOf('/25000000'), 25_000_000);
  t.equal(downloadBytesOf('/files/2000000'), 2_000_000);
  t.throws(() => downloadBytesOf('/index.html'), { message: 'iperf3 client: only paths ending in "/N" (bytes to download) are possible, got "/index.html"' });
  t.throws(() => downloadBytesOf('25000000'), /only paths ending in "\/N"/);
  t.equal(blockBytesFor(2_000_000), 125_000);
  t.equal(blockBytesFor(25_000_000), 125_000);
  t.equal(blockBytesFor(1_048_576), 131_072);
  t.equal(blockBytesFor(20_000), 20_000, 'at most 128 KiB: itself');
  t.throws(() => blockBytesFor(0), /at least 1/);
  t.throws(() => blockBytesFor(1_000_003), /no divisor between 1024 and 131072/);
});

t.test('the version line', async (t) => {
  t.equal(parseIperf3Version('iperf 3.12 (cJSON 1.7.15)\nLinux vm 6.1\n'), '3.12');
  t.throws(() => parseIperf3Version('iperf version 2.1.8'), /unexpected output "iperf version 2.1.8"/);
});
