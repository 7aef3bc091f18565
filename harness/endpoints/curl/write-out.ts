// What the curl client asks curl to print, and reading it back exactly.
//
// --write-out: one line per transfer, "curl-lab" then tab-separated key=value fields in a fixed
// order, errormsg last (curl prints it unescaped; it never holds a tab or a newline). curl
// 7.88 prints every time_* as whole seconds, a dot and six digits of microseconds, from an
// integer count of microseconds (tool_writeout.c writeTime), so they are read back as integers
// of microseconds, never through a float. A phase the transfer never reached prints 0.000000.
//
// -v --trace-time (batches only): curl prefixes each verbose line with HH:MM:SS.uuuuuu, read
// from the curl tool's own monotonic clock plus a fixed offset to the time of day: the
// difference of two stamps is a difference of that clock, to the microsecond.

/** Marks our lines on stdout. */
export const WRITE_OUT_MARK = 'curl-lab';

/** The fields, in the order curl prints them. */
export const WRITE_OUT_FIELDS = [
  ['urlnum', '%{urlnum}'],
  ['exitcode', '%{exitcode}'],
  ['http_code', '%{http_code}'],
  ['http_version', '%{http_version}'],
  ['num_connects', '%{num_connects}'],
  ['size_download', '%{size_download}'],
  ['size_upload', '%{size_upload}'],
  ['ssl_verify_result', '%{ssl_verify_result}'],
  ['local_port', '%{local_port}'],
  ['remote_ip', '%{remote_ip}'],
  ['time_namelookup', '%{time_namelookup}'],
  ['time_connect', '%{time_connect}'],
  ['time_appconnect', '%{time_appconnect}'],
  ['time_pretransfer', '%{time_pretransfer}'],
  ['time_starttransfer', '%{time_starttransfer}'],
  ['time_total', '%{time_total}'],
  ['content_range', '%header{content-range}'],
  ['errormsg', '%{errormsg}'],
] as const;

/** The --write-out argument (curl turns \t and \n into a tab and a newline). */
export function writeOutFormat(): string {
  return `${WRITE_OUT_MARK}\\t${WRITE_OUT_FIELDS.map(([name, variable]) => `${name}=${variable}`).join('\\t')}\\n`;
}

/**
 * curl's times of one transfer, in integer microseconds; 0 where the phase was not reached. A
 * transfer that failed in its TLS handshake reads time_connect 0 too, although TCP connected
 * (curl 7.88): local_port tells whether it did.
 */
export interface CurlTimesUs {
  /** From the start of the transfer's connect phase (libcurl TIMER_STARTSINGLE): */
  namelookup: number;
  connect: number;
  appconnect: number;
  pretransfer: number;
  starttransfer: number;
  /** From the start of the transfer (libcurl's progress start, set just before the connect phase). */
  total: number;
}

/** One transfer as curl reported it. */
export interface CurlTransferReport {
  /** Index of the URL on the command line, from 0. */
  urlnum: number;
  exitCode: number;
  /** 0 when no response came. */
  httpCode: number;
  /** "1.1", "2", ...; "0" when no response came. */
  httpVersion: string;
  numConnects: number;
  sizeDownload: number;
  sizeUpload: number;
  /** Meaningful only when curl succeeded (it reads 1 when verification never ran). */
  sslVerifyResult: number;
  /** The client's TCP port; 0 until a TCP connection was established. */
  localPort: number;
  /** The address curl connected to; "" if it never connected. */
  remoteIp: string;
  timesUs: CurlTimesUs;
  /** The response's Content-Range header, or null. */
  contentRange: string | null;
  /** curl's error message; "" on success. */
  errorMessage: string;
}

/** "S.UUUUUU" -> S * 10^6 + UUUUUU, exactly. */
export function parseCurlSeconds(text: string): number {
  const match = /^(\d{1,12})\.(\d{6})$/.exec(text);
  if (!match) throw new Error(`curl --write-out: "${text}" is not a time in seconds with six decimals`);
  return Number(match[1]) * 1_000_000 + Number(match[2]);
}

function parseCount(name: string, text: string): number {
  if (!/^\d{1,15}$/.test(text)) throw new Error(`curl --write-out: ${name}="${text}" is not a count`);
  return Number(text);
}

/** Every transfer's line in curl's stdout, in the order curl printed them (the order they ended). */
export function parseWriteOut(stdout: string): CurlTransferReport[] {
  const reports: CurlTransferReport[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith(`${WRITE_OUT_MARK}\t`)) continue;
    const parts = line.slice(WRITE_OUT_MARK.length + 1).split('\t');
    if (parts.length !== WRITE_OUT_FIELDS.length) throw new Error(`curl --write-out: ${parts.length} fields where ${WRITE_OUT_FIELDS.length} were asked for: ${line}`);
    const values = new Map<string, string>();
    WRITE_OUT_FIELDS.forEach(([name], i) => {
      const part = parts[i] as string;
      if (!part.startsWith(`${name}=`)) throw new Error(`curl --write-out: field ${i + 1} is not ${name}: ${line}`);
      values.set(name, part.slice(name.length + 1));
    });
    const get = (name: (typeof WRITE_OUT_FIELDS)[number][0]): string => values.get(name) as string;
    const time = (name: (typeof WRITE_OUT_FIELDS)[number][0]): number => parseCurlSeconds(get(name));
    const httpVersion = get('http_version');
    if (!/^\d(\.\d)?$/.test(httpVersion)) throw new Error(`curl --write-out: http_version="${httpVersion}"`);
    reports.push({
      urlnum: parseCount('urlnum', get('urlnum')),
      exitCode: parseCount('exitcode', get('exitcode')),
      httpCode: parseCount('http_code', get('http_code')),
      httpVersion,
      numConnects: parseCount('num_connects', get('num_connects')),
      sizeDownload: parseCount('size_download', get('size_download')),
      sizeUpload: parseCount('size_upload', get('size_upload')),
      sslVerifyResult: parseCount('ssl_verify_result', get('ssl_verify_result')),
      localPort: parseCount('local_port', get('local_port')),
      remoteIp: get('remote_ip'),
      timesUs: {
        namelookup: time('time_namelookup'),
        connect: time('time_connect'),
        appconnect: time('time_appconnect'),
        pretransfer: time('time_pretransfer'),
        starttransfer: time('time_starttransfer'),
        total: time('time_total'),
      },
      contentRange: get('content_range') === '' ? null : get('content_range'),
      errorMessage: get('errormsg'),
    });
  }
  return reports;
}

/** The ALPN protocol id of curl's http_version, or null for none. */
export function alpnOfHttpVersion(httpVersion: string): string | null {
  switch (httpVersion) {
    case '2':
      return 'h2';
    case '1.1':
      return 'http/1.1';
    case '1.0':
      return 'http/1.0';
    case '3':
      return 'h3';
    default:
      return null;
  }
}

const DAY_US = 86_400_000_000;

/** "HH:MM:SS.uuuuuu" -> microseconds into the day. */
export function parseTraceTime(text: string): number {
  const match = /^(\d{2}):(\d{2}):(\d{2})\.(\d{6})$/.exec(text);
  if (!match) throw new Error(`curl --trace-time: "${text}" is not HH:MM:SS.uuuuuu`);
  const [h, m, s, us] = match.slice(1).map(Number) as [number, number, number, number];
  if (h > 23 || m > 59 || s > 60) throw new Error(`curl --trace-time: "${text}" is not a time of day`);
  return ((h * 60 + m) * 60 + s) * 1_000_000 + us;
}

/**
 * The stamps (microseconds, from the first one) of the verbose lines that match `pattern`, in
 * order. A stamp before the previous one is taken as the clock passing midnight (the stamps
 * only go forward: they come from a monotonic clock).
 */
export function traceStampsUs(stderr: string, pattern: RegExp): number[] {
  const stamps: number[] = [];
  let dayUs = 0;
  let previous: number | undefined;
  let first: number | undefined;
  for (const line of stderr.split('\n')) {
    const match = /^(\d{2}:\d{2}:\d{2}\.\d{6}) (.*)$/.exec(line);
    if (!match) continue;
    let stamp = parseTraceTime(match[1] as string) + dayUs;
    if (previous !== undefined && stamp < previous) {
      dayUs += DAY_US;
      stamp += DAY_US;
    }
    previous = stamp;
    first ??= stamp;
    if (pattern.test(match[2] as string)) stamps.push(stamp - first);
  }
  return stamps;
}

/** What curl's exit codes mean, for the ones an exchange can meet (curl(1), "EXIT CODES"). */
const EXIT_CODES: Readonly<Record<number, string>> = {
  1: 'unsupported protocol',
  2: 'curl failed to initialize',
  3: 'malformed URL',
  4: 'a feature this curl was not built with',
  5: 'could not resolve the proxy',
  6: 'could not resolve the host',
  7: 'could not connect to the server (TCP)',
  8: 'weird server reply',
  16: 'HTTP/2 error',
  18: 'partial file: the body ended early',
  23: 'write error (saving the body)',
  26: 'read error (the upload body)',
  27: 'out of memory',
  28: 'timeout',
  35: 'TLS handshake failed',
  43: 'internal error',
  52: 'the server sent nothing',
  55: 'failed sending network data',
  56: 'failure receiving network data',
  58: 'problem with the local client certificate',
  59: 'could not use the cipher',
  60: 'server certificate not accepted: lab CA and server name',
  77: 'could not read the CA file',
  80: 'TLS shutdown failed',
  90: 'public key pinning mismatch',
  91: 'invalid certificate status',
  92: 'HTTP/2 stream error',
};

/** "curl exit 60 (the server certificate did not verify against the lab CA)". */
export function describeCurlExit(code: number): string {
  const meaning = EXIT_CODES[code];
  return `curl exit ${code}${meaning !== undefined ? ` (${meaning})` : ''}`;
}

/**
 * How far (µs) an object placed on the batch's time line may come before the one curl
 * reported just ahead of it. curl prints the transfers' lines in the order they ended, so
 * the placed completions must rise in that order; a small slack allows for the few
 * microseconds between a transfer's verbose start line and its progress start (more if
 * curl was descheduled right there).
 */
export const BATCH_ORDER_SLACK_US = 1000;

/**
 * Completion of each transfer of a batch (by urlnum), in microseconds from the first
 * transfer's start: its start (from the verbose output: `startsUs[urlnum]`, one stamp per
 * transfer, in urlnum order) plus its time_total (from its own start). `reports` in the order
 * curl printed them. Throws if the result contradicts the order in which curl saw them end.
 */
export function batchCompletionsUs(reports: readonly CurlTransferReport[], startsUs: readonly number[]): Map<number, number> {
  if (startsUs.length !== reports.length) {
    throw new Error(`curl: found ${startsUs.length} transfer starts in the verbose output for ${reports.length} transfers; cannot place the objects on one time line`);
  }
  const first = startsUs[0] ?? 0;
  const completions = new Map<number, number>();
  let previous: { urlnum: number; us: number } | undefined;
  for (const report of reports) {
    const start = startsUs[report.urlnum];
    if (start === undefined || completions.has(report.urlnum)) throw new Error(`curl: transfer ${report.urlnum} is not one of ${reports.length}, or reported twice`);
    const us = start - first + report.timesUs.total;
    if (previous !== undefined && us < previous.us - BATCH_ORDER_SLACK_US) {
      throw new Error(`curl: transfer ${report.urlnum} ended after transfer ${previous.urlnum} but is placed ${((previous.us - us) / 1000).toFixed(3)} ms before it; the verbose start lines do not match the transfers`);
    }
    completions.set(report.urlnum, us);
    previous = { urlnum: report.urlnum, us };
  }
  return completions;
}
