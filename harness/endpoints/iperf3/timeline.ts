// One iperf3 download's report put on the exchange's own clock, and checked.
//
// The origin is the instant exchange() was called (performance.now() before anything else):
// every figure is milliseconds from it, so flows started at different moments can be lined up
// by when each exchange was called.
//
// iperf3 counts its intervals from its test start, which comes several round trips after the
// spawn (control connection, parameters, data connection, TEST_START): on a 40 ms link 200 ms
// and more. Two things put it on the harness's clock, each the test start plus the print and
// pipe latency (and whatever held up the harness's event loop), never less:
//   - the "Starting Test:" line, printed just after the client set its test start;
//   - each interval line closed by iperf3's 0.1 s timer, printed the moment it closes: its
//     arrival minus its printed end (the timer's ticks fall within a millisecond of the 0.1 s
//     marks, so the two decimals cost nothing there).
// The smallest of these is the estimate. The last interval line is not used: it is printed
// only after the results exchange that follows the test (a round trip and more later). On the
// lab (40 ms, 20 Mbit/s) the interval lines' estimate and the "Starting Test:" line agreed within
// 0.6 ms (fixtures cubic-2MB, bbr-2MB; live runs), and against a capture in the client namespace
// the first data packet came 0.4-0.7 ms after the test start so placed and the last one within
// 5 ms of the body end, either side: its printed end has 10 ms resolution (iperf3.live.test.ts
// checks within 10 and 15 ms).
import type { ExchangeTimings } from '../types.js';
import { printedToleranceBytes, type IperfTextReport } from './text-output.js';

export interface IperfTimeline {
  timings: ExchangeTimings;
  /** iperf3's test start on the exchange's clock: the least of the estimates below. */
  testStartMs: number;
  /** The "Starting Test:" line's arrival (null when it did not come). */
  startLineMs: number | null;
  /** The least (arrival - printed end) over the interval lines closed by the timer (null when there are none). */
  intervalsStartMs: number | null;
}

/** The test start on the harness's clock (see above), and the two estimates it is the least of. */
export function testStartOnClock(report: Pick<IperfTextReport, 'intervals' | 'startingTestMs'>): { testStartMs: number; startLineMs: number | null; intervalsStartMs: number | null } {
  const timerClosed = report.intervals.slice(0, -1);
  const intervalsStartMs = timerClosed.length > 0 ? Math.min(...timerClosed.map((i) => i.atMs - i.endSeconds * 1000)) : null;
  const estimates = [report.startingTestMs, intervalsStartMs].filter((x): x is number => x !== null);
  if (estimates.length === 0) throw new Error('iperf3: no "Starting Test:" line and no interval line before the last: the test start is unknown');
  return { testStartMs: Math.min(...estimates), startLineMs: report.startingTestMs, intervalsStartMs };
}

/**
 * The exchange's timings from a finished download of `expectedBytes` whose sender was asked for
 * `congestionControl`; throws when iperf3 reported an error, its output is cut short, its
 * figures disagree with `expectedBytes`, or the sender used another controller.
 */
export function iperfTimeline(report: IperfTextReport, expectedBytes: number, congestionControl: string, recordProgress: boolean): IperfTimeline {
  if (report.errors.length > 0) throw new Error(iperfErrorMessage(report.errors, congestionControl));
  if (report.intervals.length === 0) throw new Error('iperf3 printed no interval report (its output is cut short)');
  if (report.receiver === null || !report.done) throw new Error('iperf3: its output ends before the summary (cut short)');
  if (Math.abs(report.receiver.bytes - expectedBytes) > printedToleranceBytes(expectedBytes)) {
    throw new Error(`iperf3: the receiver reports ${report.receiver.bytes} bytes (as printed), expected ${expectedBytes}`);
  }
  const printedSum = report.intervals.reduce((sum, i) => sum + i.bytes, 0);
  const sumTolerance = report.intervals.reduce((sum, i) => sum + printedToleranceBytes(i.bytes), 0);
  if (Math.abs(printedSum - expectedBytes) > sumTolerance) {
    throw new Error(`iperf3: the interval reports add up to ${printedSum} bytes (as printed, ±${Math.round(sumTolerance)}), expected ${expectedBytes}`);
  }
  if (report.senderCongestion !== congestionControl) {
    throw new Error(`iperf3: the sender used congestion control ${report.senderCongestion ?? '(not reported)'}, asked for ${congestionControl}`);
  }
  const start = testStartOnClock(report);
  const { testStartMs } = start;
  const last = report.intervals[report.intervals.length - 1] as IperfTextReport['intervals'][number];
  const bodyEndMs = microseconds(testStartMs + last.endSeconds * 1000);
  const timings: ExchangeTimings = {
    handshakeMs: report.dataConnectedMs ?? testStartMs,
    bodyStartMs: testStartMs,
    bodyEndMs,
    totalMs: bodyEndMs,
    // The client ends the test once it has received -n bytes, and the sender sends whole
    // blocks that add up to exactly that (client.ts): what it received is expectedBytes.
    bodyBytes: expectedBytes,
    ...(report.sender?.retransmits !== null && report.sender?.retransmits !== undefined ? { retransmittedPackets: report.sender.retransmits } : {}),
    extraMs: {
      ...(report.controlConnectedMs !== null ? { controlConnectedMs: report.controlConnectedMs } : {}),
      iperf3TestStartMs: testStartMs,
    },
  };
  if (recordProgress) timings.progress = progressOf(report.intervals, testStartMs, expectedBytes);
  return { timings, ...start };
}

/**
 * [ms from the origin, cumulative bytes] at each interval's end. The printed figures are
 * rounded, so their running sum is held to at most the total and the last point is the total;
 * the times rise strictly.
 */
function progressOf(intervals: IperfTextReport['intervals'], testStartMs: number, totalBytes: number): Array<[number, number]> {
  let cumulative = 0;
  const points: Array<[number, number]> = [];
  for (const [k, interval] of intervals.entries()) {
    cumulative += interval.bytes;
    const bytes = k === intervals.length - 1 ? totalBytes : Math.min(cumulative, totalBytes);
    const ms = microseconds(testStartMs + interval.endSeconds * 1000);
    // A last interval of a few ms prints the same end as the one before ("0.90-0.90"): one point.
    const previous = points[points.length - 1];
    if (previous !== undefined && previous[0] >= ms) previous[1] = bytes;
    else points.push([ms, bytes]);
  }
  return points;
}

/** Milliseconds kept to the microsecond (sums of seconds and milliseconds pick up float noise). */
function microseconds(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** iperf3's errors in one message; a controller it could not set says which and where the kernel lists them. */
export function iperfErrorMessage(errors: readonly string[], congestionControl: string): string {
  const controller = errors.some((e) => e.includes('TCP_CONGESTION'))
    ? ` (-C ${congestionControl}: the kernel offers the controllers in net.ipv4.tcp_available_congestion_control; without CAP_NET_ADMIN one must also be in tcp_allowed_congestion_control)`
    : '';
  return `iperf3: ${errors.join('; ')}${controller}`;
}
