// A peer program's HTTP/3 client (peers/CONTRACT.md) as a lab client: one exchange or batch
// is one run of the program in the client's namespace, one measured connection (after a
// priming one in the same process for resumed and early-data), timed by the program from its
// stack's own events and checked against the lab's pattern as the body arrives.
import { access, constants, copyFile, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { requestedBodyBytes } from '../../files/generated-body.js';
import type { EndpointInfo, TimingSource } from '../../results/schema.js';
import { withPrivateDir } from '../../files/private-dir.js';
import { runCommand, type RunResult } from '../../process/managed-process.js';
import { onceUntilFailure } from '../../process/prepare-once.js';
import {
  checkSessionOutcome,
  PartialTransferError,
  type Application,
  type BatchClient,
  type BatchSpec,
  type BatchTimings,
  type ExchangeClient,
  type ExchangeTimings,
  type Protocol,
  type RequestSpec,
  type ServerAddress,
  type SessionMode,
  type TlsMaterial,
} from '../types.js';
import { batchTimings, exchangeTimings, parseContractOutput, partialTransfer, type ContractResult } from './contract.js';
import { peerCommand, peerVersion, transportArguments, transportSettings, type PeerProgram, type PeerTransport } from './peer.js';

export interface PeerClientOptions {
  /** The lab PKI: its CA is the only trust anchor the program gets. */
  tls: Pick<TlsMaterial, 'caFile'>;
  netns?: string;
  transport?: PeerTransport;
  /** Append TLS secrets here so the run's capture can be decrypted. */
  keylogFile?: string;
  /** Keep each exchange's qlogs here (exchange-N-<file>); otherwise they are deleted. */
  collectQlogDir?: string;
  /** Where the program's timings come from and how fine (its clockResolutionMs is checked against it). */
  timingSource: TimingSource;
}

/** Extra time for the program to give up by itself (--timeout-ms) before it is killed. */
const KILL_GRACE_MS = 2000;
const TIMED_METRICS = ['handshakeMs', 'ttfbMs', 'totalMs', 'bodyStartMs', 'bodyEndMs'] as const;

export class PeerProgramClient implements ExchangeClient, BatchClient {
  readonly protocol: Protocol = 'quic';
  readonly application: Application = 'h3';
  readonly sessionModes: readonly SessionMode[] = ['cold', 'resumed', 'early-data'];
  readonly timingSources: Readonly<Record<string, TimingSource>>;
  private version: string | null = null;
  private exchanges = 0;

  constructor(
    private readonly program: PeerProgram,
    private readonly options: PeerClientOptions,
  ) {
    transportArguments(program, options.transport ?? {});
    this.timingSources = Object.fromEntries(TIMED_METRICS.map((metric) => [metric, options.timingSource]));
  }

  get implementation(): string {
    return this.program.implementation.client;
  }

  readonly prepare = onceUntilFailure(async () => {
    await access(this.options.tls.caFile, constants.R_OK);
    this.version = await peerVersion(this.program);
  });

  async exchange(spec: RequestSpec): Promise<ExchangeTimings> {
    const mode = spec.session ?? 'cold';
    const upload = spec.uploadBytes;
    if (upload !== undefined && (!Number.isSafeInteger(upload) || upload < 0)) throw new Error(`${this.program.peer} client: uploadBytes must be a non-negative integer, got ${upload}`);
    const range = spec.rangeStartBytes;
    if (upload !== undefined && range !== undefined) throw new Error(`${this.program.peer} client: an upload cannot be a Range request`);
    const args = [
      '--session',
      mode,
      ...(upload !== undefined ? ['--upload-bytes', String(upload)] : []),
      ...(range !== undefined ? ['--range-start', String(range)] : []),
      ...(spec.recordProgress === true ? ['--progress'] : []),
    ];
    const result = await this.run(spec.target, [spec.path], spec.timeoutMs, args);
    const timings = exchangeTimings(this.program.peer, result, upload !== undefined);
    const what = `${upload !== undefined ? 'POST' : 'GET'} ${spec.path}`;
    const okStatus = range !== undefined ? 206 : 200;
    if (result.status !== okStatus) throw new Error(`${this.program.peer} client: HTTP status ${String(result.status)} for ${what}`);
    const expected = expectedBodyBytes(spec.path, upload, range);
    if (expected !== null && (timings.bodyBytes !== expected || timings.verifiedBodyBytes !== expected)) {
      throw new Error(`${this.program.peer} client: ${what} moved ${String(timings.bodyBytes)} body bytes (${String(timings.verifiedBodyBytes)} verified), expected ${expected}`);
    }
    checkSessionOutcome(mode, timings);
    return timings;
  }

  async exchangeBatch(spec: BatchSpec): Promise<BatchTimings> {
    const result = await this.run(spec.target, spec.paths, spec.timeoutMs, []);
    const timings = batchTimings(this.program.peer, result, spec.paths);
    for (const [i, object] of timings.objects.entries()) {
      const expected = expectedBodyBytes(object.path, undefined, undefined);
      if (expected !== null && (object.bytes !== expected || object.verifiedBytes !== expected)) {
        throw new Error(`${this.program.peer} client: object ${i + 1} (${object.path}) got ${object.bytes} bytes, ${String(object.verifiedBytes)} verified`);
      }
    }
    return timings;
  }

  /** One run of the program: its JSON, or the exchange's failure as an error. */
  private async run(target: ServerAddress, paths: readonly string[], timeoutMs: number, extra: readonly string[]): Promise<ContractResult> {
    await this.prepare();
    const index = this.exchanges++;
    return withPrivateDir(`quic-lab-${this.program.peer}-client-`, async (dir) => {
      const qlogDir = join(dir, 'qlog');
      if (this.options.collectQlogDir !== undefined) await mkdir(qlogDir);
      const connect = target.host.includes(':') ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
      const run = await runCommand({
        name: `${this.program.peer} client`,
        command: peerCommand(this.program),
        args: [
          'client',
          '--connect',
          connect,
          '--ca',
          this.options.tls.caFile,
          '--timeout-ms',
          String(timeoutMs),
          ...(this.options.keylogFile !== undefined ? ['--keylog', this.options.keylogFile] : []),
          ...(this.options.collectQlogDir !== undefined ? ['--qlog-dir', qlogDir] : []),
          ...transportArguments(this.program, this.options.transport ?? {}),
          ...extra,
          ...paths.map((path) => `https://${target.serverName}:${target.port}${path}`),
        ],
        netns: this.options.netns,
        cwd: dir,
        timeoutMs: timeoutMs + KILL_GRACE_MS,
      });
      if (this.options.collectQlogDir !== undefined) await this.collectQlogs(qlogDir, index);
      return this.outcome(run, timeoutMs);
    });
  }

  private outcome(run: RunResult, timeoutMs: number): ContractResult {
    const stderr = run.stderr.trim().split('\n').slice(-3).join(' | ');
    if (run.timedOut) throw new Error(`${this.program.peer} client: killed after ${timeoutMs + KILL_GRACE_MS} ms${stderr ? `: ${stderr}` : ''}`);
    const result = parseContractOutput(this.program.peer, run.stdout, run.code);
    if (result.clockResolutionMs > this.options.timingSource.resolutionMs) {
      throw new Error(`${this.program.peer} client: its clock resolution (${result.clockResolutionMs} ms) is coarser than the ${this.options.timingSource.resolutionMs} ms its descriptor states`);
    }
    if (result.error !== undefined) {
      const message = `${this.program.peer} client: ${result.error}`;
      const partial = partialTransfer(result);
      throw partial !== null ? new PartialTransferError(message, partial) : new Error(message);
    }
    return result;
  }

  private async collectQlogs(qlogDir: string, index: number): Promise<void> {
    const dest = this.options.collectQlogDir as string;
    await mkdir(dest, { recursive: true });
    for (const name of await readdir(qlogDir)) await copyFile(join(qlogDir, name), join(dest, `exchange-${index}-${name}`));
  }

  info(): EndpointInfo {
    return {
      implementation: this.program.implementation.client,
      version: this.version ?? 'unknown',
      settings: {
        ...transportSettings(this.program, this.options.transport ?? {}),
        certificateVerification: 'lab CA only (--ca), server name checked',
        sessionState: 'in the program only: a priming connection in the same process, gone when it exits',
      },
    };
  }
}

/** The body bytes a "/N" exchange must move: N (from K with a Range), the upload's size, or null for another path. */
export function expectedBodyBytes(path: string, upload: number | undefined, rangeStart: number | undefined): number | null {
  if (upload !== undefined) return upload;
  const size = requestedBodyBytes(path);
  return size === null ? null : Math.max(0, size - (rangeStart ?? 0));
}
