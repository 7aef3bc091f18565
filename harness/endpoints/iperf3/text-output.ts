// iperf3 3.12's text output of one reverse-mode client run (-R -V -f K -i 0.1 --forceflush,
// under stdbuf -oL), each line stamped with its arrival on the harness's clock. Debian 12's
// iperf3 has no --json-stream and -J prints only at the end, so the text is what can be timed
// as it comes. --forceflush alone flushes only after interval reports: the lines before the
// first one (connected, Starting Test) would all come with it; stdbuf -oL writes each line.
//
// The Transfer column is always in adaptive units (iperf3 formats it with 'A' whatever -f says;
// -f sets the Bitrate column only): at the lab's rates an interval of 0.1 s holds 100 KiB to
// 1 MiB, printed as "236 KBytes", precise to half a KiB; "1.91 MBytes" (the summaries) is
// precise to 5 KiB. The exact total comes from -n (see client.ts), this text confirms it.

/** One line as it came, `atMs` on the harness's clock (ms from the exchange's origin). */
export interface StampedLine {
  atMs: number;
  line: string;
}

export interface IperfInterval {
  /** iperf3's own interval bounds in seconds from its test start, as printed (2 decimals). */
  startSeconds: number;
  endSeconds: number;
  /** As printed (adaptive units): not exact. */
  bytes: number;
  /** When the line arrived. */
  atMs: number;
}

export interface IperfSummaryLine {
  seconds: number;
  bytes: number;
  /** The sender's line only (TCP retransmits of the sending side). */
  retransmits: number | null;
}

export interface IperfTextReport {
  /** Arrival of "Control connection MSS" (-V): the control connection is up. */
  controlConnectedMs: number | null;
  /** Arrival of "[  5] local ... connected to ...": the data connection is up (and its cookie written). */
  dataConnectedMs: number | null;
  /** Arrival of "Starting Test:": printed just after the client set its test start (TEST_START). */
  startingTestMs: number | null;
  intervals: IperfInterval[];
  sender: IperfSummaryLine | null;
  receiver: IperfSummaryLine | null;
  /** "snd_tcp_congestion"/"rcv_tcp_congestion" (-V): the controller each side's socket used. */
  senderCongestion: string | null;
  receiverCongestion: string | null;
  /** "iperf3: error - ..." lines, without the prefix. */
  errors: string[];
  done: boolean;
}

const UNIT_BYTES: Readonly<Record<string, number>> = { Bytes: 1, KBytes: 1024, MBytes: 1024 ** 2, GBytes: 1024 ** 3, TBytes: 1024 ** 4 };

// "[  5]   0.10-0.20   sec   195 KBytes  1952 KBytes/sec    2             sender"
const RESULT_LINE = /^\[\s*\d+\]\s+(\d+\.\d+)-(\d+\.\d+)\s+sec\s+(\d+(?:\.\d+)?)\s+(Bytes|KBytes|MBytes|GBytes|TBytes)\s+\d+(?:\.\d+)?\s+\S+\/sec(?:\s+(\d+))?(?:\s+\d+(?:\.\d+)?\s+\S+)?\s*(sender|receiver)?\s*$/;
const CONNECTED_LINE = /^\[\s*\d+\] local \S+ port \d+ connected to \S+ port \d+/;

/** The report in `lines`; what iperf3 printed and how it ended are left to the caller to judge (see checkedTransfer). */
export function parseIperfText(lines: readonly StampedLine[]): IperfTextReport {
  const report: IperfTextReport = {
    controlConnectedMs: null,
    dataConnectedMs: null,
    startingTestMs: null,
    intervals: [],
    sender: null,
    receiver: null,
    senderCongestion: null,
    receiverCongestion: null,
    errors: [],
    done: false,
  };
  let inSummary = false;
  for (const { atMs, line } of lines) {
    const error = /^iperf3: error - (.*)$/.exec(line.trim());
    if (error) {
      report.errors.push(error[1] as string);
      continue;
    }
    if (line.startsWith('Control connection MSS')) report.controlConnectedMs ??= atMs;
    else if (CONNECTED_LINE.test(line)) report.dataConnectedMs ??= atMs;
    else if (line.startsWith('Starting Test:')) report.startingTestMs ??= atMs;
    else if (line.startsWith('- - - -')) inSummary = true;
    else if (line.trim() === 'iperf Done.') report.done = true;
    else {
      const congestion = /^(snd|rcv)_tcp_congestion (\S+)$/.exec(line.trim());
      if (congestion) {
        if (congestion[1] === 'snd') report.senderCongestion = congestion[2] as string;
        else report.receiverCongestion = congestion[2] as string;
        continue;
      }
      const result = RESULT_LINE.exec(line);
      if (!result) continue;
      const bytes = Math.round(Number(result[3]) * (UNIT_BYTES[result[4] as string] as number));
      const startSeconds = Number(result[1]);
      const endSeconds = Number(result[2]);
      const side = result[6];
      if (!inSummary) {
        if (side !== undefined) throw new Error(`iperf3: a ${side} summary line before the summary: "${line.trim()}"`);
        report.intervals.push({ startSeconds, endSeconds, bytes, atMs });
      } else if (side === 'sender') report.sender = { seconds: endSeconds - startSeconds, bytes, retransmits: result[5] !== undefined ? Number(result[5]) : null };
      else if (side === 'receiver') report.receiver = { seconds: endSeconds - startSeconds, bytes, retransmits: null };
    }
  }
  return report;
}

/** Half of the printed precision of an adaptive figure of about `bytes` (3 significant digits): how far the printed value may be off. */
export function printedToleranceBytes(bytes: number): number {
  const unit = bytes >= 1024 ** 3 ? 1024 ** 3 : bytes >= 1024 ** 2 ? 1024 ** 2 : bytes >= 1024 ? 1024 : 1;
  const value = bytes / unit;
  const step = value < 10 ? 0.01 : value < 100 ? 0.1 : 1;
  return (step * unit) / 2;
}
