// curl (the Debian command-line tool: libcurl with OpenSSL 3 and nghttp2) as a native TCP+TLS
// 1.3 client for HTTP/1.1 and HTTP/2. One exchange = one curl process = one fresh connection,
// one GET (or a POST of a generated body, for uploads), inside the client's network namespace
// when it has one. Timings are curl's own (--write-out: integer microseconds of libcurl's
// monotonic clock), never the process's start or exit.
//
// The origin is the start of curl's transfer: libcurl's progress start (time_total counts from
// it) and, microseconds later, the start of its connect phase (the other times count from
// that). Both come after the command line is read and before the --resolve lookup (answered
// from curl's cache in microseconds) and the socket. Then, for a download:
//   connectMs    time_connect: curl saw the TCP connection established
//   handshakeMs  time_appconnect: curl's TLS connect step is done: its Finished written and
//                the certificate's name checked. It includes client work the wire does not
//                show as round trips: libcurl builds its OpenSSL context only once TCP is up
//                (on the lab's 2-core machines the ClientHello leaves about 2 ms after the
//                TCP handshake) and reads the CA file during the handshake
//   ttfbMs       time_starttransfer: the first byte of the response (its headers) read
//   totalMs      time_total: the transfer done (the last body byte read)
//   bodyStartMs  = ttfbMs: curl has no first-body-byte time; headers and the first body
//                bytes usually share a read, but this is the headers' arrival
//   bodyEndMs    = totalMs
// and for an upload: bodyStartMs = time_pretransfer, the request (headers, then the body)
// about to go out, and bodyEndMs = totalMs = time_total, the server's answer (a few dozen
// bytes, sent once it has every byte) read. There is no ttfbMs: on an upload curl's
// time_starttransfer is the start of sending the body when that follows the headers (HTTP/2;
// HTTP/1.1 from 64 KiB on), the answer's first byte when the body went out with them. A failed connection reads time_connect 0 even when TCP did connect; the local port
// tells (see failureMessage).
//
// curl's command line gives no per-chunk arrival times: recordProgress is ignored and
// ExchangeTimings.progress is absent.
//
// Sessions: only "cold". Each curl process starts with an empty TLS session cache and the
// command line has no way to hand a session from a priming connection to a measured one, so
// a cold exchange is cold by construction (curl does not report resumption: `resumed` is
// left out).
import { access, constants, mkdir, open, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { oncePerKeyUntilFailure, onceUntilFailure } from '../../process/prepare-once.js';
import { BodyCheck, checkUploadAnswer } from '../../files/body-check.js';
import { openFifoSink, type FifoSink } from '../../files/fifo-sink.js';
import type { EndpointInfo, TimingSource } from '../../results/schema.js';
import { withPrivateDir } from '../../files/private-dir.js';
import { runCommand, type RunResult } from '../../process/managed-process.js';
import { GeneratedBodyFiles } from '../../files/body-files.js';
import { alpnOfHttpVersion, batchCompletionsUs, describeCurlExit, parseWriteOut, traceStampsUs, writeOutFormat, type CurlTransferReport } from './write-out.js';
import {
  PartialTransferError,
  checkSessionOutcome,
  type BatchSpec,
  type BatchTimings,
  type BatchClient,
  type ExchangeClient,
  type ExchangeTimings,
  type Protocol,
  type RequestSpec,
  type ServerAddress,
  type SessionMode,
  type TlsMaterial,
} from '../types.js';

export interface CurlClientOptions {
  /** Run curl inside this network namespace (`ip netns exec`). */
  netns?: string;
  /** Append TLS secrets here (SSLKEYLOGFILE, which curl with OpenSSL honours) so a capture can be decrypted. */
  keylogFile?: string;
  /** Executable; default curl from PATH. */
  command?: string;
}

/** Extra time for curl to give up by itself (--max-time) before it is killed. */
const KILL_GRACE_MS = 2000;
/** HTTP/1.1 batches: connections in the pool when BatchSpec.connections is absent (browsers use six). */
const DEFAULT_HTTP1_CONNECTIONS = 6;
/** curl's ceiling for --parallel-max. */
const CURL_PARALLEL_MAX = 300;
/**
 * curl's times are integer microseconds inside libcurl, printed to the microsecond: that is
 * their resolution. What they stand for is curl's own events (above): against a packet
 * capture on loopback (24 exchanges) handshakeMs ran 1.0-2.5 ms (median 1.6, at most 6.1)
 * past the arrival of the server's Finished, ttfbMs 0.1-0.4 ms past the response's, both
 * counted from the SYN.
 */
export const CURL_WRITE_OUT: TimingSource = { source: 'curl --write-out', resolutionMs: 0.001 };

/** The line curl's verbose output prints as each transfer starts (Curl_pretransfer loading --resolve), a few microseconds before its progress start. */
const TRANSFER_START_LINE = /^\* Added \S+ to DNS cache/;

export interface CurlVersion {
  version: string;
  tlsLibrary: string | null;
  nghttp2: string | null;
  features: string[];
}

/** The facts `curl --version` gives: its first line's versions and the Features line. */
export function parseCurlVersion(text: string): CurlVersion {
  const lines = text.split('\n');
  const first = /^curl (\S+) \(.*?\) libcurl\/\S+(.*)$/.exec(lines[0] ?? '');
  if (!first) throw new Error(`curl --version: unexpected first line "${lines[0] ?? ''}"`);
  const libraries = (first[2] ?? '').trim().split(/\s+/);
  const tlsLibrary = libraries.find((l) => /^(OpenSSL|LibreSSL|BoringSSL|GnuTLS|wolfSSL|mbedTLS|rustls|quictls)\//i.test(l)) ?? null;
  const nghttp2 = libraries.find((l) => l.startsWith('nghttp2/'))?.slice('nghttp2/'.length) ?? null;
  const features = (lines.find((l) => l.startsWith('Features:')) ?? '').slice('Features:'.length).trim().split(/\s+/).filter(Boolean);
  return { version: first[1] as string, tlsLibrary, nghttp2, features };
}

/** `curl --version`, asked once per executable. */
const curlVersionText = oncePerKeyUntilFailure(async (command) => {
  const run = await runCommand({ name: 'curl --version', command, args: ['--version'], timeoutMs: 5000 });
  if (run.code !== 0) {
    const missing = /ENOENT/.test(run.stderr);
    throw new Error(missing ? `curl client: "${command}" is not installed; run \`npm run setup\`` : `curl client: \`${command} --version\` failed (exit ${run.code ?? run.signal}): ${run.stderr.trim().slice(0, 300)}`);
  }
  return run.stdout;
});

/** Cold connections only, and why (the matrix shows the reason; see ./index.ts). */
export const CURL_SESSION_MODES: readonly SessionMode[] = ['cold'];
export const CURL_SESSION_NOTE = "curl's command line cannot carry a TLS session from a priming connection to the measured one";

export class CurlClient implements ExchangeClient, BatchClient {
  readonly implementation = 'curl';
  readonly protocol: Protocol = 'tcp-tls';
  readonly sessionModes = CURL_SESSION_MODES;
  readonly timingSources: Readonly<Record<string, TimingSource>> = {
    connectMs: CURL_WRITE_OUT,
    handshakeMs: CURL_WRITE_OUT,
    ttfbMs: CURL_WRITE_OUT,
    totalMs: CURL_WRITE_OUT,
    bodyStartMs: CURL_WRITE_OUT,
    bodyEndMs: CURL_WRITE_OUT,
  };
  private version: CurlVersion | null = null;
  private readonly bodies = new GeneratedBodyFiles();

  constructor(
    private readonly tls: TlsMaterial,
    readonly application: 'h2' | 'http/1.1',
    private readonly options: CurlClientOptions = {},
  ) {}

  readonly prepare = onceUntilFailure(() => this.doPrepare());

  private async doPrepare(): Promise<void> {
    const version = parseCurlVersion(await curlVersionText(this.options.command ?? 'curl'));
    if (!version.features.includes('SSL') || version.tlsLibrary === null) throw new Error(`curl client: this curl (${version.version}) has no TLS support`);
    if (this.application === 'h2' && !version.features.includes('HTTP2')) throw new Error(`curl client: this curl (${version.version}) has no HTTP/2 (nghttp2) support`);
    await access(this.tls.caFile, constants.R_OK).catch((error: unknown) => {
      throw new Error(`curl client: cannot read the lab CA file: ${error instanceof Error ? error.message : String(error)}`);
    });
    this.version = version;
  }

  async exchange(spec: RequestSpec): Promise<ExchangeTimings> {
    const mode = spec.session ?? 'cold';
    if (!this.sessionModes.includes(mode)) {
      throw new Error(`curl: session mode "${mode}" is not possible: ${CURL_SESSION_NOTE}`);
    }
    const upload = spec.uploadBytes;
    if (upload !== undefined && (!Number.isSafeInteger(upload) || upload < 0)) throw new Error(`curl client: uploadBytes must be a non-negative integer, got ${upload}`);
    const range = spec.rangeStartBytes;
    if (range !== undefined && (!Number.isSafeInteger(range) || range < 0)) throw new Error(`curl client: rangeStartBytes must be a non-negative integer, got ${range}`);
    if (upload !== undefined && range !== undefined) throw new Error('curl client: an upload cannot be a Range request');
    await this.prepare();
    const uploadFile = upload === undefined ? null : await this.bodies.file(upload);
    return withPrivateDir('quic-lab-curl-', async (dir) => {
      const responseFile = join(dir, 'response');
      // A download streams through a private FIFO into the check of the lab's pattern (from the Range's start).
      const check = new BodyCheck(range ?? 0);
      const sink = upload === undefined ? await openFifoSink(join(dir, 'body'), (chunk) => check.update(chunk)) : null;
      try {
        return await this.exchangeIn(dir, spec, { upload, range, uploadFile, responseFile, sink, check, mode });
      } finally {
        await sink?.close();
      }
    });
  }

  private async exchangeIn(
    dir: string,
    spec: RequestSpec,
    {
      upload,
      range,
      uploadFile,
      responseFile,
      sink,
      check,
      mode,
    }: { upload: number | undefined; range: number | undefined; uploadFile: string | null; responseFile: string; sink: FifoSink | null; check: BodyCheck; mode: SessionMode },
  ): Promise<ExchangeTimings> {
    const args = [
      ...(await this.commonArgs(spec.target, spec.timeoutMs, dir)),
      '--output',
      sink !== null ? sink.path : responseFile,
      ...(range !== undefined ? ['--range', `${range}-`] : []),
      ...(uploadFile !== null
        ? // No "Expect: 100-continue": curl would wait for the server's 100 before sending a
          // body over 1 MiB (HTTP/1.1), a round trip undici does not make either.
          ['--data-binary', `@${uploadFile}`, '--header', 'Content-Type: application/octet-stream', '--header', 'Expect:']
        : []),
      this.url(spec.target, spec.path),
    ];
    const run = await this.run(args, spec.timeoutMs);
    await sink?.finish();
    const reports = parseWriteOut(run.stdout);
    const report = reports[0];
    if (reports.length !== 1 || report === undefined) throw new Error(`curl: ${noReport(run, spec.timeoutMs, reports.length, 1)}`);
    const what = `${upload === undefined ? 'GET' : 'POST'} ${spec.path}`;
    if (report.exitCode !== 0) {
      const message = failureMessage(report, what, spec.timeoutMs, upload !== undefined);
      // A download that broke off after the handshake says how far it got, so it can be
      // resumed, unless what it got was wrong already.
      if (upload === undefined && report.timesUs.appconnect > 0) {
        check.intact();
        throw new PartialTransferError(message, { bodyBytes: report.sizeDownload, lastByteMs: null, failedAtMs: report.timesUs.total / 1000 });
      }
      throw new Error(message);
    }
    this.checkNegotiated(report, spec.target, what);
    const okStatus = range !== undefined ? 206 : 200;
    if (report.httpCode !== okStatus) {
      const text = upload !== undefined ? (await readFile(responseFile, 'utf8').catch(() => '')).trim().slice(0, 300) : '';
      throw new Error(`HTTP status ${report.httpCode} for ${what}${text ? `: ${text}` : ''}`);
    }
    if (range !== undefined && !report.contentRange?.startsWith(`bytes ${range}-`)) {
      throw new Error(`curl: asked for bytes ${range}- of ${spec.path}, the server sent Content-Range "${report.contentRange ?? ''}"`);
    }
    const t = report.timesUs;
    const ms = (us: number): number => us / 1000;
    const common = {
      connectMs: ms(t.connect),
      handshakeMs: ms(t.appconnect),
      totalMs: ms(t.total),
      bodyBytes: report.sizeDownload,
      alpn: this.application,
      extraMs: { namelookupMs: ms(t.namelookup), pretransferMs: ms(t.pretransfer) },
    };
    let timings: ExchangeTimings;
    if (upload === undefined) {
      const verifiedBodyBytes = check.intact();
      if (check.result().bytes !== report.sizeDownload) throw new Error(`curl: reported ${report.sizeDownload} body bytes, ${check.result().bytes} came through its output`);
      timings = {
        ...common,
        verifiedBodyBytes,
        ttfbMs: ms(t.starttransfer),
        // No body (0 bytes), no body timings.
        ...(report.sizeDownload > 0 ? { bodyStartMs: ms(t.starttransfer), bodyEndMs: ms(t.total) } : {}),
      };
    } else {
      const verifiedBodyBytes = checkUploadAnswer(await readFile(responseFile, 'utf8'), upload, report.sizeUpload);
      // An upload has no first-byte time: curl's time_starttransfer marks the start of the
      // body's sending when the body follows the headers (HTTP/2; HTTP/1.1 from 64 KiB on),
      // but the answer's first byte when it went out with them. So ttfbMs is left out, and
      // the body starts at time_pretransfer, the request (headers, then body) about to go
      // out. It is done when the server has answered (it reads every byte first): the
      // answer is a few dozen bytes, so that is time_total.
      timings = {
        ...common,
        uploadedBytes: report.sizeUpload,
        ...(verifiedBodyBytes !== null ? { verifiedBodyBytes } : {}),
        ...(upload > 0 ? { bodyStartMs: ms(t.pretransfer), bodyEndMs: ms(t.total) } : {}),
      };
    }
    checkSessionOutcome(mode, timings);
    return timings;
  }

  /**
   * All of spec.paths in one curl process (--parallel): HTTP/2 multiplexes them on one
   * connection (curl waits for the first connection's ALPN before opening another, and every
   * transfer is added at once); HTTP/1.1 runs `connections` transfers at a time, each on a
   * connection of its own, and a transfer added as one ends takes over its idle connection.
   *
   * Times: the origin is the start of the first transfer (it opens the first connection), as
   * in exchange(). curl gives each transfer's time_total from that transfer's own start, and
   * the later transfers start later (the HTTP/1.1 ones, as slots free up). Each transfer's
   * start is found in curl's verbose output (--trace-time: its "Added ... to DNS cache" line,
   * printed a few microseconds before the transfer's progress start, the same code path for
   * every transfer), so an object completes at (its start - the first start) + its time_total:
   * microseconds of curl's monotonic clock on both sides.
   */
  async exchangeBatch(spec: BatchSpec): Promise<BatchTimings> {
    const count = spec.paths.length;
    if (count === 0) throw new Error('curl client: a batch needs at least one path');
    const parallel = this.application === 'h2' ? count : Math.min(count, spec.connections ?? DEFAULT_HTTP1_CONNECTIONS);
    if (!Number.isSafeInteger(parallel) || parallel < 1) throw new Error(`curl client: a pool of ${spec.connections} connections`);
    if (parallel > CURL_PARALLEL_MAX) throw new Error(`curl client: curl runs at most ${CURL_PARALLEL_MAX} transfers at once, asked for ${parallel}`);
    await this.prepare();
    return withPrivateDir('quic-lab-curl-', async (dir) => {
      // The verbose output goes to a file: a pipe the harness is slow to drain would stall curl.
      const verboseFile = join(dir, 'verbose.log');
      // Each object streams through a FIFO of its own into a check of the lab's pattern.
      const checks = spec.paths.map(() => new BodyCheck());
      const sinks: FifoSink[] = [];
      try {
        for (const [i, check] of checks.entries()) sinks.push(await openFifoSink(join(dir, `body-${i}`), (chunk) => check.update(chunk)));
        return await this.batchIn(dir, spec, parallel, verboseFile, sinks, checks);
      } finally {
        await Promise.all(sinks.map((sink) => sink.close()));
      }
    });
  }

  private async batchIn(dir: string, spec: BatchSpec, parallel: number, verboseFile: string, sinks: readonly FifoSink[], checks: readonly BodyCheck[]): Promise<BatchTimings> {
    const count = spec.paths.length;
    const args = [
      ...(await this.commonArgs(spec.target, spec.timeoutMs, dir)),
      '--parallel',
      '--parallel-max',
      String(parallel),
      '--verbose',
      '--trace-time',
      '--stderr',
      verboseFile,
      ...spec.paths.flatMap((path, i) => ['--output', (sinks[i] as FifoSink).path, this.url(spec.target, path)]),
    ];
    const run = await this.run(args, spec.timeoutMs);
    await Promise.all(sinks.map((sink) => sink.finish()));
    const verbose = await readFile(verboseFile, 'utf8').catch(() => '');
    const reports = parseWriteOut(run.stdout);
    if (reports.length !== count) throw new Error(`curl: ${noReport({ ...run, stderr: `${run.stderr}\n${verbose}` }, spec.timeoutMs, reports.length, count)}`);
    const byUrl = new Map(reports.map((r) => [r.urlnum, r]));
    const ordered = spec.paths.map((path, i) => {
      const report = byUrl.get(i);
      if (report === undefined) throw new Error(`curl: no --write-out line for transfer ${i} (${path})`);
      return { path, report };
    });
    for (const { path, report } of ordered) {
      if (report.exitCode !== 0) throw new Error(`${failureMessage(report, `GET ${path}`, spec.timeoutMs, false)} (object ${report.urlnum + 1} of ${count})`);
      this.checkNegotiated(report, spec.target, `GET ${path}`);
      if (report.httpCode !== 200) throw new Error(`HTTP status ${report.httpCode} for GET ${path} (object ${report.urlnum + 1} of ${count})`);
    }
    const first = ordered[0]?.report as CurlTransferReport;
    if (first.numConnects !== 1) throw new Error(`curl: the first transfer opened ${first.numConnects} connections, expected it to open the first one`);
    const completions = batchCompletionsUs(reports, traceStampsUs(verbose, TRANSFER_START_LINE));
    const objects = ordered.map(({ path, report }, i) => {
      const check = checks[i] as BodyCheck;
      const verifiedBytes = check.intact(`object ${i + 1}'s body`);
      if (check.result().bytes !== report.sizeDownload) throw new Error(`curl: reported ${report.sizeDownload} bytes of object ${i + 1}, ${check.result().bytes} came through its output`);
      return { path, bytes: report.sizeDownload, completedMs: (completions.get(report.urlnum) as number) / 1000, verifiedBytes };
    });
    const totalMs = Math.max(...objects.map((o) => o.completedMs));
    if (totalMs > spec.timeoutMs) throw new Error(`curl: not all of ${count} objects within ${spec.timeoutMs} ms (the last completed at ${totalMs.toFixed(3)} ms)`);
    return {
      handshakeMs: first.timesUs.appconnect / 1000,
      objects,
      totalMs,
      connections: reports.reduce((sum, r) => sum + r.numConnects, 0),
    };
  }

  /** Releases the cached upload bodies. */
  async close(): Promise<void> {
    await this.bodies.dispose();
  }

  info(): EndpointInfo {
    return {
      implementation: this.implementation,
      version: this.version?.version ?? 'unknown',
      settings: {
        tls: 'TLSv1.3 only',
        tlsLibrary: this.version?.tlsLibrary ?? null,
        http2: this.version?.nghttp2 !== null && this.version?.nghttp2 !== undefined ? `nghttp2/${this.version.nghttp2}` : null,
        application: this.application,
        alpnOffered: this.application === 'h2' ? 'h2, http/1.1' : 'http/1.1',
        certificateVerification: 'lab CA only (--cacert, empty --capath), server name checked',
        sessionCache: 'none: a fresh curl process per exchange',
        uploadBody: 'generated, from a file (--data-binary), no Expect: 100-continue',
        h2Windows: "libcurl's own (7.88: 32 MiB per stream and per connection)",
        timings: 'curl --write-out (libcurl microseconds); download body start = response headers',
      },
    };
  }

  /** Options every run shares: no curlrc, no proxy, TLS 1.3 only, the lab CA alone, the lab name mapped to the server's address. */
  private async commonArgs(target: ServerAddress, timeoutMs: number, dir: string): Promise<string[]> {
    // An empty CA directory: without it OpenSSL would also trust the system's CA directory
    // that Debian's curl is built with.
    const capath = join(dir, 'capath');
    await mkdir(capath);
    const host = target.host.includes(':') ? `[${target.host}]` : target.host;
    return [
      '--disable', // first: no ~/.curlrc
      '--noproxy',
      '*', // never a proxy from the environment
      '--no-progress-meter',
      this.application === 'h2' ? '--http2' : '--http1.1',
      '--tlsv1.3',
      '--tls-max',
      '1.3',
      '--cacert',
      resolve(this.tls.caFile),
      '--capath',
      capath,
      '--resolve',
      `${target.serverName}:${target.port}:${host}`,
      '--max-time', // 0 would be no limit at all
      Math.max(0.001, timeoutMs / 1000).toFixed(3),
      '--write-out',
      writeOutFormat(),
    ];
  }

  private url(target: ServerAddress, path: string): string {
    if (!path.startsWith('/')) throw new Error(`curl client: a path starts with "/", got "${path}"`);
    return `https://${target.serverName}:${target.port}${path}`;
  }

  private async run(args: string[], timeoutMs: number): Promise<RunResult> {
    // TZ=UTC: --trace-time prints the time of day; keep it clear of daylight-saving jumps.
    const env: NodeJS.ProcessEnv = { ...process.env, TZ: 'UTC', LC_ALL: 'C' };
    delete env.SSLKEYLOGFILE;
    if (this.options.keylogFile !== undefined) {
      env.SSLKEYLOGFILE = resolve(this.options.keylogFile);
      // curl would create it readable by all (0644 under the usual umask): secrets stay private.
      await (await open(env.SSLKEYLOGFILE, 'a', 0o600)).close();
    }
    return runCommand({
      name: 'curl',
      command: this.options.command ?? 'curl',
      args,
      ...(this.options.netns !== undefined ? { netns: this.options.netns } : {}),
      env,
      timeoutMs: timeoutMs + KILL_GRACE_MS,
    });
  }

  private checkNegotiated(report: CurlTransferReport, target: ServerAddress, what: string): void {
    const alpn = alpnOfHttpVersion(report.httpVersion);
    if (alpn !== this.application) throw new Error(`curl: negotiated ${alpn ?? `no HTTP version (${report.httpVersion})`} for ${what}, wanted ${this.application}`);
    if (report.sslVerifyResult !== 0) throw new Error(`curl: certificate verification result ${report.sslVerifyResult} for ${what}`);
    if (canonicalIp(report.remoteIp) !== canonicalIp(target.host)) throw new Error(`curl: connected to ${report.remoteIp || 'nothing'} for ${what}, not ${target.host}`);
  }
}

/** An IP literal in one spelling (IPv6 compressed, lower case), to compare two of them. */
function canonicalIp(ip: string): string {
  if (!ip.includes(':')) return ip;
  try {
    return new URL(`http://[${ip}]/`).hostname;
  } catch {
    return ip;
  }
}

/** Why curl printed no (or too few) --write-out lines. */
function noReport(run: RunResult, timeoutMs: number, got: number, wanted: number): string {
  const tail = stderrTail(run);
  if (run.timedOut) return `killed after ${timeoutMs + KILL_GRACE_MS} ms without finishing${tail}`;
  return `${got} --write-out line(s) where ${wanted} were expected (exit ${run.code ?? run.signal})${tail}`;
}

function stderrTail(run: RunResult): string {
  const lines = run.stderr
    .trim()
    .split('\n')
    .filter((l) => l !== '' && !/^(\d{2}:\d{2}:\d{2}\.\d{6} )?[*<>{}]/.test(l));
  return lines.length > 0 ? `: ${lines.slice(-3).join(' | ')}` : '';
}

/** A failed transfer in words: curl's exit code, what it says, and for a timeout the stage that did not finish. */
export function failureMessage(report: CurlTransferReport, what: string, timeoutMs: number, upload: boolean): string {
  const said = report.errorMessage !== '' ? `: ${report.errorMessage}` : '';
  const t = report.timesUs;
  if (report.exitCode === 28) {
    // curl says "Connection timed out" for TCP and TLS alike, and reads time_connect 0 for both:
    // a local port is there once TCP connected.
    const stage =
      report.localPort === 0
        ? 'TCP connection (SYN unanswered)'
        : t.appconnect === 0
          ? 'TLS handshake'
          : upload
            ? 'upload and its answer'
            : t.starttransfer === 0
              ? 'response (no byte of it came)'
              : `response body (${report.sizeDownload} bytes received)`;
    return `${stage} not done within ${timeoutMs} ms (${what}; ${describeCurlExit(28)}${said})`;
  }
  return `${describeCurlExit(report.exitCode)} for ${what}${said}`;
}
