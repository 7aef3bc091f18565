// The iperf3 client as a lab client: one exchange = one iperf3 process = one test, a download
// of N bytes (the last segment of the path "/N") over plain TCP, in the client namespace:
//   stdbuf -oL -eL iperf3 -c HOST -p PORT -R -n N -l L -C CC -i 0.1 -f K -V --forceflush
// -R: the server sends; -C: the server's (sending) socket uses CC, for this connection only
// (RequestSpec.congestionControl, default cubic). Verified on the lab (iperf3.live.test.ts):
// `ss -ti` in the server namespace showed the data socket's controller as asked, bbr too
// (the control connection keeps the namespace's default), for root without the lab widening
// tcp_allowed_congestion_control (root may set any loaded one); iperf3's -V line
// snd_tcp_congestion, checked on every exchange, says the same.
//
// Bytes: iperf3's sender writes whole blocks of -l bytes until it has sent -n or more, so -l
// is a divisor of N (the largest up to iperf3's default 128 KiB) and exactly N bytes are sent;
// the client ends the test once it has received -n bytes, so it received exactly N.
//
// Times (ms from the origin, the instant exchange() was called; see timeline.ts):
//   handshakeMs  the "connected to" line's arrival: iperf3 prints it once the data
//                connection's connect() returned (and its cookie was written): the data
//                connection's TCP handshake done, after the process start, the control
//                connection and the parameter exchange (on the lab, 40 ms: about 170-250 ms;
//                0.5-3 ms after the data connection's SYN-ACK came in, by a capture)
//   bodyStartMs  iperf3's test start (the client took TEST_START; the server starts sending
//                right after it): the first data packet came 0.4-0.6 ms later (by a capture)
//   bodyEndMs, totalMs  the test start plus the last interval's printed end (10 ms resolution):
//                the client ended the test, having all N bytes
//   progress     [test start + each interval's end, cumulative bytes as printed]
//   retransmittedPackets  the "sender" summary line's Retr: in reverse mode the server's data
//                socket's retransmits, sent to the client with the results. Checked on the lab
//                against `ss -ti` in the server namespace: the data socket's retrans total was
//                128 (cubic) and 150 (bbr), iperf3 said 128 and 150; its bytes_acked was
//                exactly 2000000
import { performance } from 'node:perf_hooks';
import { ManagedProcess } from '../../process/managed-process.js';
import { requestedBodyBytes } from '../../files/generated-body.js';
import type { EndpointInfo, TimingSource } from '../../results/schema.js';
import type { CongestionControl, ExchangeClient, ExchangeTimings, RequestSpec, SessionMode } from '../types.js';
import { parseIperfText, type StampedLine } from './text-output.js';
import { iperfErrorMessage, iperfTimeline } from './timeline.js';
import { iperf3Version } from './version.js';

/** iperf3's default TCP block (128 KiB): the largest -l used. */
const MAX_BLOCK_BYTES = 128 * 1024;
/** Blocks smaller than this would cost a system call per few packets. */
const MIN_BLOCK_BYTES = 1024;
export const IPERF3_INTERVAL_SECONDS = 0.1;
const DEFAULT_CONGESTION_CONTROL: CongestionControl = 'cubic';

export const IPERF3_INTERVALS: TimingSource = { source: "iperf3's interval reports (text, 0.1 s), put on the harness's clock by their arrival", resolutionMs: 10 };
const IPERF3_LINE_ARRIVAL: TimingSource = { source: "arrival of iperf3's own output line (--forceflush)", resolutionMs: 1 };

/** The -l that makes iperf3 send exactly `bytes`: the largest divisor up to 128 KiB; throws when none is big enough. */
export function blockBytesFor(bytes: number): number {
  if (!Number.isSafeInteger(bytes) || bytes <= 0) throw new Error(`iperf3 client: a download of ${bytes} bytes is not possible (-n needs at least 1)`);
  if (bytes <= MAX_BLOCK_BYTES) return bytes;
  for (let block = MAX_BLOCK_BYTES; block >= MIN_BLOCK_BYTES; block--) if (bytes % block === 0) return block;
  throw new Error(`iperf3 client: ${bytes} bytes has no divisor between ${MIN_BLOCK_BYTES} and ${MAX_BLOCK_BYTES}: iperf3 sends whole blocks, so it would send more than asked`);
}

/** N of the path "/N" (or ".../N"); throws for any other path. */
export function downloadBytesOf(path: string): number {
  const bytes = requestedBodyBytes(path);
  if (bytes === null) throw new Error(`iperf3 client: only paths ending in "/N" (bytes to download) are possible, got "${path}"`);
  return bytes;
}

export class Iperf3Client implements ExchangeClient {
  readonly implementation = 'iperf3-client';
  readonly protocol = 'tcp';
  readonly application = 'none';
  readonly sessionModes: readonly SessionMode[] = ['cold'];
  readonly timingSources: Readonly<Record<string, TimingSource>> = {
    handshakeMs: IPERF3_LINE_ARRIVAL,
    bodyStartMs: IPERF3_INTERVALS,
    bodyEndMs: IPERF3_INTERVALS,
    totalMs: IPERF3_INTERVALS,
    progress: IPERF3_INTERVALS,
  };
  private version: string | null = null;
  /** The last exchange's test start and the estimates it came from (for tests and diagnostics). */
  lastAlignment: { testStartMs: number; startLineMs: number | null; intervalsStartMs: number | null } | null = null;

  constructor(private readonly options: { netns?: string } = {}) {}

  async prepare(): Promise<void> {
    this.version = await iperf3Version();
  }

  async exchange(spec: RequestSpec): Promise<ExchangeTimings> {
    // The origin: every figure is ms from here (see timeline.ts).
    const origin = performance.now();
    if ((spec.session ?? 'cold') !== 'cold') throw new Error(`iperf3 client: session mode "${spec.session}" is not possible: plain TCP has no session to resume`);
    if (spec.uploadBytes !== undefined) throw new Error('iperf3 client: downloads only (the server sends, -R)');
    if (spec.rangeStartBytes !== undefined) throw new Error('iperf3 client: no Range requests: a test cannot resume');
    const bytes = downloadBytesOf(spec.path);
    const block = blockBytesFor(bytes);
    const congestionControl = spec.congestionControl ?? DEFAULT_CONGESTION_CONTROL;
    await this.prepare();
    const { host, port } = spec.target;
    const lines: StampedLine[] = [];
    const proc = new ManagedProcess({
      name: `iperf3 client to port ${port}`,
      ...(this.options.netns !== undefined ? { netns: this.options.netns } : {}),
      // Each line written as it is printed (see text-output.ts).
      command: 'stdbuf',
      args: ['-oL', '-eL', 'iperf3', '-c', host, '-p', String(port), '-R', '-n', String(bytes), '-l', String(block), '-C', congestionControl, '-i', String(IPERF3_INTERVAL_SECONDS), '-f', 'K', '-V', '--forceflush'],
    });
    proc.onLine((line) => lines.push({ atMs: performance.now() - origin, line }));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), Math.max(0, spec.timeoutMs - (performance.now() - origin)))));
    try {
      const outcome = await Promise.race([proc.exited, timedOut]);
      if (outcome === 'timeout') {
        const report = parseIperfText(lines);
        const got = report.intervals.reduce((sum, i) => sum + i.bytes, 0);
        throw new Error(`iperf3: the download of ${bytes} bytes did not finish within ${spec.timeoutMs} ms (killed; about ${got} bytes had come${report.errors.length > 0 ? `; ${report.errors.join('; ')}` : ''})`);
      }
      const report = parseIperfText(lines);
      if (report.errors.length > 0) throw new Error(iperfErrorMessage(report.errors, congestionControl));
      if (outcome.code !== 0) throw new Error(`${proc.exitDescription ?? 'iperf3 client failed'}${proc.stderr() ? `: ${proc.stderr().split('\n').slice(-3).join(' | ')}` : ''}`);
      const timeline = iperfTimeline(report, bytes, congestionControl, spec.recordProgress === true);
      this.lastAlignment = { testStartMs: timeline.testStartMs, startLineMs: timeline.startLineMs, intervalsStartMs: timeline.intervalsStartMs };
      return timeline.timings;
    } finally {
      clearTimeout(timer);
      await proc.stop(500);
    }
  }

  info(): EndpointInfo {
    return {
      implementation: this.implementation,
      version: this.version ?? 'unknown',
      settings: {
        direction: 'download (-R: the server sends)',
        congestionControl: "the request's (-C, the sending server's socket), default cubic",
        blockBytes: 'the largest divisor of N up to 128 KiB (-l), so exactly N bytes are sent',
        intervalSeconds: IPERF3_INTERVAL_SECONDS,
        timings: "iperf3's text interval reports (--forceflush), its test start put on the harness's clock by their arrival",
      },
    };
  }
}
