// ngtcp2's example HTTP/3 client (Debian package ngtcp2-client, binary gtlsclient) as a lab
// client endpoint. One exchange = one gtlsclient run = one fresh QUIC connection, one GET (or
// a POST of a generated body, for uploads). Timings come from the client's qlog (see
// qlog.ts), never from the process's start or exit.
//
// gtlsclient (0.12 and 1.x alike) never verifies the server certificate, so it runs with the lab-trust
// LD_PRELOAD shim (native/gnutls-lab-trust), which makes GnuTLS trust only the lab CA and
// check the server's name. Without the shim the driver refuses to run.
import { access, constants, copyFile, mkdir, readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { onceUntilFailure } from '../../process/prepare-once.js';
import type { EndpointInfo, TimingSource } from '../../results/schema.js';
import { clientTimings, type ClientQlogTimings, type QlogTrace } from './qlog.js';
import { withPrivateDir } from '../../files/private-dir.js';
import { runCommand, type RunResult } from '../../process/managed-process.js';
import { GeneratedBodyFiles } from '../../files/body-files.js';
import { readQlogFile } from './qlog-files.js';
import { downloadTransfer, uploadTransfer } from './transfer.js';
import { responseBodyOnStream } from './h3-framing.js';
import { verifyGeneratedFile } from '../../files/body-check.js';
import { NGTCP2_DEFAULT_INITIAL_RTT_MS, transportSettings, windowArguments, udpBufferEnvironment, udpBuffers, UDP_BUFFERS_SHIM, type Ngtcp2CongestionControl, type Ngtcp2Windows, type UdpBuffers } from './common.js';
import { dpkgVersion } from '../../process/dpkg-version.js';
import {
  checkSessionOutcome,
  type Application,
  type BatchSpec,
  type BatchTimings,
  type BatchClient,
  type ExchangeClient,
  type ExchangeTimings,
  type Protocol,
  type RequestSpec,
  type SessionMode,
  type TlsMaterial,
} from '../types.js';

import { projectPath } from '../../project-root.js';

export const LAB_TRUST_SHIM = projectPath('native/gnutls-lab-trust/build/liblab-trust.so');
/** The shim prints this once it has armed verification for a client session. */
const SHIM_ACTIVE_MARK = 'lab-trust: verifying server as ';
/** ... and this when the session ends: how it started, as GnuTLS saw it. */
const SHIM_SESSION_END = /lab-trust: session ended: resumed=(\d) early-data=(\d)/;

function sessionOutcome(stderr: string): { resumed: boolean; earlyData: boolean } {
  const match = SHIM_SESSION_END.exec(stderr);
  if (!match) throw new Error('gtlsclient: the lab-trust shim did not report how the TLS session ended (rebuild it: npm run setup)');
  return { resumed: match[1] === '1', earlyData: match[2] === '1' };
}

const MiB = 1024 * 1024;
export const NGTCP2_CLIENT_DEFAULT_WINDOWS: Ngtcp2Windows = {
  maxDataBytes: 15 * MiB,
  maxStreamDataBidiLocalBytes: 6 * MiB,
  maxStreamDataBidiRemoteBytes: 6 * MiB,
  maxStreamDataUniBytes: 6 * MiB,
  maxWindowBytes: 24 * MiB,
  maxStreamWindowBytes: 16 * MiB,
};

export interface Ngtcp2ClientOptions {
  /** The lab PKI: its CA is the only one the client trusts. */
  tls: Pick<TlsMaterial, 'caFile'>;
  netns?: string;
  cc?: Ngtcp2CongestionControl;
  initialRttMs?: number;
  windows?: Partial<Ngtcp2Windows>;
  /** Append TLS secrets here (SSLKEYLOGFILE) so a capture can be decrypted. */
  keylogFile?: string;
  /** Keep each exchange's qlog here (exchange-N.qlog); otherwise it is deleted. */
  collectQlogDir?: string;
  /** Executable; default gtlsclient from PATH. */
  command?: string;
  /** Default: the shim built by `npm run setup`. */
  shimPath?: string;
}

/** Extra time for gtlsclient to give up by itself (its own timeouts) before it is killed. */
const KILL_GRACE_MS = 2000;
const QLOG_SOURCE: TimingSource = { source: 'ngtcp2-qlog', resolutionMs: 1 };

export class Ngtcp2Client implements ExchangeClient, BatchClient {
  readonly implementation = 'ngtcp2-gtlsclient';
  readonly protocol: Protocol = 'quic';
  readonly application: Application = 'h3';
  readonly sessionModes: readonly SessionMode[] = ['cold', 'resumed', 'early-data'];
  readonly timingSources: Readonly<Record<string, TimingSource>> = {
    handshakeMs: QLOG_SOURCE,
    clientFinishedSentMs: QLOG_SOURCE,
    ttfbMs: QLOG_SOURCE,
    totalMs: QLOG_SOURCE,
    bodyStartMs: QLOG_SOURCE,
    bodyEndMs: QLOG_SOURCE,
  };

  private readonly cc: Ngtcp2CongestionControl;
  private readonly initialRttMs: number;
  private readonly windows: Ngtcp2Windows;
  private readonly shimPath: string;
  private version: string | null = null;
  private gnutlsVersion: string | null = null;
  private buffers: UdpBuffers = { rcvbufBytes: null, sndbufBytes: null, rcvbufKernelBytes: null, sndbufKernelBytes: null };
  private exchanges = 0;
  private readonly bodies = new GeneratedBodyFiles();

  constructor(private readonly options: Ngtcp2ClientOptions) {
    this.cc = options.cc ?? 'cubic';
    this.initialRttMs = options.initialRttMs ?? NGTCP2_DEFAULT_INITIAL_RTT_MS;
    this.windows = { ...NGTCP2_CLIENT_DEFAULT_WINDOWS, ...options.windows };
    this.shimPath = options.shimPath ?? LAB_TRUST_SHIM;
  }

  readonly prepare = onceUntilFailure(() => this.doPrepare());

  private async doPrepare(): Promise<void> {
    try {
      await access(this.shimPath, constants.R_OK);
    } catch {
      throw new Error(`ngtcp2 client: the certificate-verification shim ${this.shimPath} is not built; run \`npm run setup\` ` + '(gtlsclient does not verify the server by itself, so it is not run without the shim)');
    }
    await access(this.options.tls.caFile, constants.R_OK).catch((error: unknown) => {
      throw new Error(`ngtcp2 client: cannot read the lab CA file: ${error instanceof Error ? error.message : String(error)}`);
    });
    this.version = await dpkgVersion('ngtcp2-client');
    this.gnutlsVersion = await dpkgVersion('libgnutls30');
    this.buffers = await udpBuffers();
  }

  async exchange(requested: RequestSpec): Promise<ExchangeTimings> {
    // gtlsserver answers any request, a POST too, with its path's body (and discards what it
    // is sent): an upload asks for /0, so the answer is empty and only the upload is timed.
    const spec = requested.uploadBytes !== undefined ? { ...requested, path: '/0' } : requested;
    // gtlsclient -q does not report the HTTP status; the body length of "/N" stands in for it
    // (gtlsserver answers a path it cannot serve with a short 404 page).
    // gtlsclient saves the download under the path's last segment, N.
    const expectedBytes = /^\/(?:.*\/)?(\d+)$/.exec(spec.path)?.[1];
    if (expectedBytes === undefined) throw new Error(`ngtcp2 client: only paths ending in "/N" are supported, got "${spec.path}"`);
    const upload = spec.uploadBytes;
    if (upload !== undefined && (!Number.isSafeInteger(upload) || upload <= 0)) throw new Error(`ngtcp2 client: uploadBytes must be a positive integer, got ${upload}`);
    await this.prepare();
    const uploadFile = upload === undefined ? null : await this.bodies.file(upload);
    const mode = spec.session ?? 'cold';
    // One deadline for the whole exchange, priming connection included.
    const deadline = Date.now() + spec.timeoutMs;
    const index = this.exchanges++;
    // Session and transport-parameter files live only in this exchange's private directory.
    return withPrivateDir('quic-lab-gtlsclient-', async (workDir) => {
      const sessionFiles = { session: join(workDir, 'session.pem'), transportParameters: join(workDir, 'tp.pem') };
      if (mode !== 'cold') {
        // The priming connection is there for the ticket only: a GET of an empty body, so a
        // transfer is not made twice.
        // --wait-for-ticket: 1.x would otherwise exit when the stream closes, which may be before
        // the NewSessionTicket arrives.
        const priming = await this.runOnce({ target: spec.target, path: '/0', timeoutMs: spec.timeoutMs }, workDir, 'priming', sessionFiles, false, null, ['--wait-for-ticket']);
        if (priming.timings.totalMs === null) throw new Error(`priming connection failed: ${failureReason(priming.timings, priming.run, spec)}`);
        await access(sessionFiles.session).catch(() => {
          throw new Error('the priming connection got no session ticket from the server (no session file written)');
        });
      }
      const measured = await this.runOnce({ ...spec, timeoutMs: Math.max(1, deadline - Date.now()) }, workDir, 'measured', mode === 'cold' ? null : sessionFiles, mode === 'resumed', uploadFile);
      const { timings, run, trace } = measured;
      if (this.options.collectQlogDir !== undefined) {
        await mkdir(this.options.collectQlogDir, { recursive: true });
        await copyFile(measured.qlogFile, join(this.options.collectQlogDir, `exchange-${index}.qlog`)).catch((error: unknown) => {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error; // no qlog: the failure below says why
        });
      }
      if (timings.handshakeMs === null || timings.ttfbMs === null || timings.totalMs === null) {
        throw new Error(failureReason(timings, run, spec));
      }
      const bodyBytes = await downloadedBytes(measured.downloadDir);
      if (bodyBytes !== Number(expectedBytes)) {
        throw new Error(`gtlsclient: got a ${bodyBytes}-byte body for ${spec.path} (expected ${expectedBytes}); does the server have a body of that size?`);
      }
      // The saved download checked against the lab's pattern (then removed with the work directory).
      const verifiedBodyBytes = upload === undefined && bodyBytes > 0 ? await verifyGeneratedFile(join(measured.downloadDir, expectedBytes), bodyBytes) : upload === undefined ? 0 : null;
      const session = sessionOutcome(run.stderr);
      const result: ExchangeTimings = {
        handshakeMs: timings.handshakeMs,
        ...(timings.clientFinishedSentMs !== null ? { extraMs: { clientFinishedSentMs: timings.clientFinishedSentMs } } : {}),
        ttfbMs: timings.ttfbMs,
        totalMs: timings.totalMs,
        bodyBytes,
        ...(verifiedBodyBytes !== null ? { verifiedBodyBytes } : {}),
        // gtlsclient offers only "h3" on QUIC v1, so a completed exchange negotiated it.
        alpn: 'h3',
        resumed: session.resumed,
        // GnuTLS flags early data as accepted whenever the server allowed it; it was used only
        // if the client really sent 0-RTT packets.
        earlyDataAccepted: session.earlyData && timings.zeroRttPacketsSent > 0,
        ...(upload === undefined
          ? downloadTransfer(trace, { bodyBytes, responseStreamBytes: timings.responseStreamBytes, progress: spec.recordProgress === true })
          : uploadTransfer(trace, { bodyBytes: upload, progress: spec.recordProgress === true })),
      };
      if (upload !== undefined && result.uploadedBytes !== upload) {
        throw new Error(`gtlsclient: the qlog shows ${result.uploadedBytes ?? 'no'} request body bytes sent of ${upload}`);
      }
      checkSessionOutcome(mode, result);
      return result;
    });
  }

  /** Releases the cached upload bodies. */
  async close(): Promise<void> {
    await this.bodies.dispose();
  }

  /** One gtlsclient run: a fresh process, a fresh QUIC connection, one GET (or POST of `uploadFile`). */
  private async runOnce(
    spec: RequestSpec,
    workDir: string,
    label: string,
    sessionFiles: { session: string; transportParameters: string } | null,
    disableEarlyData: boolean,
    uploadFile: string | null,
    extraArgs: readonly string[] = [],
    uris?: readonly string[],
  ): Promise<{ run: RunResult; timings: ClientQlogTimings; trace: QlogTrace; qlogFile: string; downloadDir: string }> {
    const qlogFile = join(workDir, `${label}.qlog`);
    const downloadDir = join(workDir, `${label}-download`);
    await mkdir(downloadDir);
    const sessionArgs = sessionFiles === null ? [] : [`--session-file=${sessionFiles.session}`, `--tp-file=${sessionFiles.transportParameters}`];
    const run = await runCommand({
      name: 'gtlsclient',
      command: this.options.command ?? 'gtlsclient',
      args: [
        ...sessionArgs,
        ...(disableEarlyData ? ['--disable-early-data'] : []),
        ...(uploadFile !== null ? ['--http-method=POST', `--data=${uploadFile}`] : []),
        ...extraArgs,
        ...this.args(spec, qlogFile, downloadDir, uris),
      ],
      netns: this.options.netns,
      cwd: workDir,
      env: {
        ...process.env,
        LD_PRELOAD: `${this.shimPath} ${UDP_BUFFERS_SHIM}`,
        ...udpBufferEnvironment(),
        LAB_TRUST_CA_FILE: resolve(this.options.tls.caFile),
        LAB_TRUST_VERIFY_HOST: spec.target.serverName,
        // GnuTLS appends the connection's secrets here (for decrypting the capture).
        ...(this.options.keylogFile !== undefined ? { SSLKEYLOGFILE: this.options.keylogFile } : {}),
      },
      timeoutMs: spec.timeoutMs + KILL_GRACE_MS,
    });
    if (!run.stderr.includes(SHIM_ACTIVE_MARK)) {
      const hint = run.stderr.includes('lab-trust:') ? '' : ' (was the LD_PRELOAD shim loaded?)';
      throw new Error(`gtlsclient: certificate verification against the lab CA was not armed${hint}${stderrTail(run)}`);
    }
    // Streamed: a 100 MB transfer's qlog is about 30 MB.
    const trace = await readQlogFile(qlogFile);
    return { run, timings: clientTimings(trace), trace, qlogFile, downloadDir };
  }

  /**
   * All of spec.paths on one connection: gtlsclient opens a request stream per path at once
   * (client-initiated bidirectional streams 0, 4, 8, ...), and each object's completion is
   * when its stream's last byte arrived, from the qlog.
   */
  async exchangeBatch(spec: BatchSpec): Promise<BatchTimings> {
    const bytes = /^\/(?:.*\/)?(\d+)$/.exec(spec.paths[0] ?? '')?.[1];
    if (bytes === undefined || spec.paths.some((p) => p !== spec.paths[0])) throw new Error('ngtcp2 client: a batch is N requests for the same path ending in "/N"');
    await this.prepare();
    return withPrivateDir('quic-lab-gtlsclient-', async (workDir) => {
      const request: RequestSpec = { target: spec.target, path: spec.paths[0] as string, timeoutMs: spec.timeoutMs };
      // One URI per stream, told apart by a query the server ignores, so each object is saved
      // to a file of its own ("N?i": gtlsclient names a download after the path's last part)
      // and can be checked; the same file would be written by every stream at once otherwise.
      const uris = spec.paths.map((path, i) => this.uri(spec.target, `${path}?${i}`));
      const { trace, timings, run, downloadDir } = await this.runOnce(request, workDir, 'batch', null, false, null, [`--nstreams=${spec.paths.length}`], uris);
      if (timings.handshakeMs === null) throw new Error(failureReason(timings, run, request));
      const objects = await Promise.all(
        spec.paths.map(async (path, i) => {
          const stream = clientTimings(trace, 4 * i);
          if (stream.totalMs === null || stream.responseStreamBytes === null) throw new Error(`gtlsclient: the response on stream ${4 * i} (object ${i + 1} of ${spec.paths.length}) never finished${stderrTail(run)}`);
          const body = responseBodyOnStream(stream.responseStreamBytes, Number(bytes));
          const saved = join(downloadDir, `${bytes}?${i}`);
          const savedBytes = Number(bytes) > 0 ? (await stat(saved)).size : 0;
          const verifiedBytes = Number(bytes) > 0 ? await verifyGeneratedFile(saved, savedBytes, `object ${i + 1}'s body`) : 0;
          return { path, bytes: body.exact ? body.bodyBytesWithin(stream.responseStreamBytes) : -1, completedMs: stream.totalMs, verifiedBytes };
        }),
      );
      return { handshakeMs: timings.handshakeMs, objects, totalMs: Math.max(...objects.map((o) => o.completedMs)), connections: 1 };
    });
  }

  private uri(target: RequestSpec['target'], path: string): string {
    return `https://${target.serverName}:${target.port}${path}`;
  }

  private args(spec: RequestSpec, qlogFile: string, downloadDir: string, uris: readonly string[] = [this.uri(spec.target, spec.path)]): string[] {
    const { host, port, serverName } = spec.target;
    return [
      '-q', // no per-packet debug output; the qlog has what we measure
      '--exit-on-all-streams-close',
      '--no-http-dump',
      `--qlog-file=${qlogFile}`,
      `--download=${downloadDir}`,
      `--sni=${serverName}`,
      `--cc=${this.cc}`,
      `--initial-rtt=${this.initialRttMs}ms`,
      `--handshake-timeout=${spec.timeoutMs}ms`,
      `--timeout=${spec.timeoutMs}ms`,
      ...windowArguments(this.windows),
      host,
      String(port),
      ...uris,
    ];
  }

  info(): EndpointInfo {
    return {
      implementation: this.implementation,
      version: this.version ?? 'unknown',
      settings: {
        ...transportSettings(this.cc, this.initialRttMs, this.windows, this.buffers),
        tlsLibrary: this.gnutlsVersion === null ? 'gnutls' : `gnutls ${this.gnutlsVersion}`,
        certificateVerification: 'lab CA only, server name checked (lab-trust shim)',
        sessionFiles: 'per exchange, private, deleted afterwards',
      },
    };
  }
}

async function downloadedBytes(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir)) total += (await stat(join(dir, name))).size;
  return total;
}

function stderrTail(run: RunResult): string {
  const lines = run.stderr
    .trim()
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith(SHIM_ACTIVE_MARK) && !SHIM_SESSION_END.test(l));
  return lines.length > 0 ? `: ${lines.slice(-3).join(' | ')}` : '';
}

/** Why an exchange did not complete, from the qlog and the client's own words. */
function failureReason(t: ClientQlogTimings, run: RunResult, spec: RequestSpec): string {
  const where = `${spec.target.host}:${spec.target.port}${spec.path}`;
  if (run.timedOut) return `gtlsclient: killed after ${spec.timeoutMs + KILL_GRACE_MS} ms (${where})${stderrTail(run)}`;
  const close = t.close && t.close.reason !== 'no error' ? `${t.close.by === 'local' ? 'client' : 'server'} closed the connection: ${t.close.reason}` : null;
  if (t.handshakeMs === null) {
    const certificate = t.close && t.close.by === 'local' && /bad_certificate|unknown_ca|certificate/.test(t.close.reason) ? ` — the server certificate did not verify against the lab CA for "${spec.target.serverName}"` : '';
    // With nothing received, a close is only the client giving up (ngtcp2 sends one on its handshake timeout).
    const what = t.packetsReceived === 0 ? 'no answer from the server' : (close ?? 'handshake did not complete');
    return `gtlsclient: QUIC handshake failed (${where}): ${what}${certificate}${stderrTail(run)}`;
  }
  return `gtlsclient: response incomplete (${where}): ${close ?? 'the request stream never finished'}${stderrTail(run)}`;
}
