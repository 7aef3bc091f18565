// ngtcp2's example HTTP/3 server (Debian package ngtcp2-server, binary gtlsserver) as a
// lab ServerEndpoint. It serves the lab's generated body for "/N" from files (files/served-
// bodies.ts: the file "N" in its document root, a private directory), so HTTP/3 downloads carry
// the lab's pattern and can be checked: with --max-dyn-length=0 its own dynamic filler (a
// constant byte, which no check could tell from a slice of the wrong body) serves only "/0",
// and any other "/N" is looked up as a file (examples/server.cc, find_dyn_length). A size with
// no file is a 404.
import { createSocket } from 'node:dgram';
import { mkdir, readdir, rm, cp } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EndpointInfo } from '../../results/schema.js';
import { makePrivateDir, type PrivateDir } from '../../files/private-dir.js';
import { ServedBodies } from '../../files/served-bodies.js';
import { ManagedProcess, runCommand } from '../../process/managed-process.js';
import { udpBoundBy } from '../../process/proc-sockets.js';
import type { Application, Protocol, ServerAddress, ServerEndpoint, TlsMaterial } from '../types.js';
import { senderRecovery, type SenderRecovery } from './qlog.js';
import { newestQlogFile, readQlogFile, waitUntilClosed } from './qlog-files.js';
import { oncePerKeyUntilFailure } from '../../process/prepare-once.js';
import { NGTCP2_DEFAULT_INITIAL_RTT_MS, transportSettings, windowArguments, udpBufferEnvironment, udpBuffers, UDP_BUFFERS_SHIM, type Ngtcp2CongestionControl, type Ngtcp2Windows, type UdpBuffers } from './common.js';
import { dpkgVersion } from '../../process/dpkg-version.js';

const MiB = 1024 * 1024;
export const NGTCP2_SERVER_DEFAULT_WINDOWS: Ngtcp2Windows = {
  maxDataBytes: 1 * MiB,
  maxStreamDataBidiLocalBytes: 256 * 1024,
  maxStreamDataBidiRemoteBytes: 256 * 1024,
  maxStreamDataUniBytes: 256 * 1024,
  maxWindowBytes: 6 * MiB,
  maxStreamWindowBytes: 6 * MiB,
};

export interface Ngtcp2ServerOptions {
  tls: TlsMaterial;
  /** IP literal to bind. Default 127.0.0.1. */
  host?: string;
  /** Default: a free port (probed on this host), or 4433 inside a netns. */
  port?: number;
  netns?: string;
  cc?: Ngtcp2CongestionControl;
  initialRttMs?: number;
  windows?: Partial<Ngtcp2Windows>;
  /** Body sizes served from the start (files/served-bodies.ts's defaults when absent); prepareBodies() adds more. */
  bodySizes?: readonly number[];
  /** Write a qlog per connection into a private directory (see qlogDir / collectQlogs). */
  qlog?: boolean;
  readyTimeoutMs?: number;
  /** Executable; default gtlsserver from PATH. */
  command?: string;
}

const DEFAULT_READY_TIMEOUT_MS = 5000;
/**
 * How long to wait for gtlsserver to finish a connection's qlog: it does when it drops the
 * connection, three PTOs after the close (a few seconds at a 600 ms RTT), or at its idle
 * timeout (30 s) if the client's CONNECTION_CLOSE was lost.
 */
const QLOG_CLOSE_TIMEOUT_MS = 35_000;
const READY_POLL_MS = 10;
const NETNS_DEFAULT_PORT = 4433;

// Readiness: gtlsserver prints nothing once it listens, so look for its socket (proc-sockets.ts).

async function freeUdpPort(host: string): Promise<number> {
  const socket = createSocket(isIP(host) === 6 ? 'udp6' : 'udp4');
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, host, () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------------------------------

export class Ngtcp2Server implements ServerEndpoint {
  readonly implementation = 'ngtcp2-gtlsserver';
  readonly speaks: ReadonlyArray<{ protocol: Protocol; application: Application }> = [{ protocol: 'quic', application: 'h3' }];

  private readonly host: string;
  private readonly cc: Ngtcp2CongestionControl;
  private readonly initialRttMs: number;
  private readonly windows: Ngtcp2Windows;
  private readonly bodies: ServedBodies;
  private process: ManagedProcess | undefined;
  private address: ServerAddress | undefined;
  /** The port of the last start: a restart after a crash keeps it (the capture filters on it). */
  private lastPort: number | undefined;
  private dir: PrivateDir | undefined;
  private get workDir(): string | undefined {
    return this.dir?.path;
  }
  private version: string | null = null;
  private maxGsoDatagrams: number | null = null;
  private buffers: UdpBuffers = { rcvbufBytes: null, sndbufBytes: null, rcvbufKernelBytes: null, sndbufKernelBytes: null };

  constructor(private readonly options: Ngtcp2ServerOptions) {
    this.host = options.host ?? '127.0.0.1';
    if (isIP(this.host) === 0) throw new Error(`ngtcp2 server: host must be an IP literal, got "${this.host}"`);
    this.cc = options.cc ?? 'cubic';
    this.initialRttMs = options.initialRttMs ?? NGTCP2_DEFAULT_INITIAL_RTT_MS;
    this.windows = { ...NGTCP2_SERVER_DEFAULT_WINDOWS, ...options.windows };
    this.bodies = new ServedBodies('ngtcp2 server', options.bodySizes);
  }

  /** Body sizes ("/N") this server answers, ascending. */
  get bodySizes(): number[] {
    return this.bodies.bodySizes;
  }

  /** Makes "/N" servable for each size (see ServedBodies.prepare). */
  async prepareBodies(sizes: Iterable<number>): Promise<void> {
    await this.bodies.prepare(sizes);
  }

  /** The file served for "/N": a test may change a byte of it in place (gtlsserver maps it shared, so it sends the change). */
  servedFile(size: number): Promise<string> {
    return this.bodies.servedFile(size);
  }

  /** Directory the server writes its qlogs to (one file per connection), while running. */
  get qlogDir(): string | undefined {
    return this.options.qlog && this.workDir ? join(this.workDir, 'qlog') : undefined;
  }

  /**
   * The qlog of the connection that began last, once the server has finished writing it (see
   * QLOG_CLOSE_TIMEOUT_MS; throws if it has not by `timeoutMs`); null when there is none.
   * Call it after an exchange and before the next one starts: "last" is by the file's birth.
   */
  async latestConnectionQlog(timeoutMs = QLOG_CLOSE_TIMEOUT_MS): Promise<string | null> {
    const dir = this.qlogDir;
    if (dir === undefined) throw new Error('ngtcp2 server: qlog was not enabled');
    const file = await newestQlogFile(dir);
    if (file === null) return null;
    if (!(await waitUntilClosed(this.pid, file, timeoutMs))) throw new Error(`ngtcp2 server: the qlog of its latest connection is still being written after ${timeoutMs} ms`);
    return file;
  }

  /**
   * Deletes the qlogs of connections the server is done with (files it still writes are
   * kept): a 100 MB download leaves about 30 MB of server qlog.
   */
  async discardConnectionQlogs(): Promise<void> {
    const dir = this.qlogDir;
    if (dir === undefined) return;
    for (const name of await readdir(dir).catch(() => [])) {
      const file = join(dir, name);
      if (await waitUntilClosed(this.pid, file, 0)) await rm(file, { force: true });
    }
  }

  /**
   * Loss recovery on the latest connection as the server saw it (the sender of a download),
   * then the finished qlogs are deleted; null when the server wrote none.
   */
  async latestConnectionRecovery(timeoutMs = QLOG_CLOSE_TIMEOUT_MS): Promise<SenderRecovery | null> {
    const file = await this.latestConnectionQlog(timeoutMs);
    const recovery = file === null ? null : senderRecovery(await readQlogFile(file));
    await this.discardConnectionQlogs();
    return recovery;
  }

  /** ServerEndpoint's view of latestConnectionRecovery (needs `qlog: true`; null without it). */
  async lastConnectionRecovery(): Promise<{ retransmittedPackets: number; retransmittedBytes: number } | null> {
    if (!this.options.qlog) return null;
    const recovery = await this.latestConnectionRecovery();
    return recovery === null ? null : { retransmittedPackets: recovery.retransmittedPackets, retransmittedBytes: recovery.retransmittedStreamBytes };
  }

  /** Copies the qlogs written so far into `destDir` (call before stop, which deletes them). */
  async collectQlogs(destDir: string): Promise<void> {
    const dir = this.qlogDir;
    if (dir === undefined) throw new Error('ngtcp2 server: qlog was not enabled');
    await cp(dir, destDir, { recursive: true });
  }

  async start(): Promise<ServerAddress> {
    if (this.address && this.process?.running) return this.address;
    if (this.process) await this.stop(); // it died since: clear the old run before a new one
    const { tls, netns } = this.options;
    this.version = await dpkgVersion('ngtcp2-server');
    this.maxGsoDatagrams = await helpDefaultGso(this.options.command ?? 'gtlsserver');
    this.buffers = await udpBuffers();
    const port = this.options.port ?? this.lastPort ?? (netns === undefined ? await freeUdpPort(this.host) : NETNS_DEFAULT_PORT);

    this.dir = await makePrivateDir('quic-lab-gtlsserver-');
    const workDir = this.dir.path;
    const htdocs = join(workDir, 'htdocs');
    await mkdir(htdocs);
    await this.bodies.serveIn(htdocs);
    if (this.options.qlog) await mkdir(join(workDir, 'qlog'));

    const w = this.windows;
    const args = [
      '-q', // no per-packet debug output: it is large and slows the server down
      `--htdocs=${htdocs}`,
      // Only "/0" (the priming request) is its own filler: every other "/N" is the file.
      '--max-dyn-length=0',
      `--cc=${this.cc}`,
      `--initial-rtt=${this.initialRttMs}ms`,
      ...windowArguments(w),
      ...(this.options.qlog ? [`--qlog-dir=${join(workDir, 'qlog')}`] : []),
      this.host,
      String(port),
      tls.keyFile,
      tls.chainFile,
    ];
    const proc = new ManagedProcess({
      name: 'gtlsserver',
      command: this.options.command ?? 'gtlsserver',
      args,
      netns,
      cwd: htdocs,
      env: { ...process.env, LD_PRELOAD: UDP_BUFFERS_SHIM, ...udpBufferEnvironment() },
    });
    this.process = proc;
    try {
      await this.waitUntilBound(proc, port);
    } catch (error) {
      await this.stop();
      throw error;
    }
    this.address = { host: this.host, port, serverName: tls.serverName };
    this.lastPort = port;
    return this.address;
  }

  exitReason(): string | null {
    return this.process?.exitDescription ?? null;
  }

  private async waitUntilBound(proc: ManagedProcess, port: number): Promise<void> {
    const timeoutMs = this.options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
    const deadline = Date.now() + timeoutMs;
    const pid = proc.child.pid;
    while (pid !== undefined && proc.running) {
      if (await udpBoundBy(pid, this.host, port)) return;
      if (Date.now() > deadline) throw new Error(`gtlsserver: not listening on ${this.host}:${port} after ${timeoutMs} ms${tail(proc)}`);
      await sleep(READY_POLL_MS);
    }
    const exit = await proc.exited;
    throw new Error(`gtlsserver: exited (code ${exit.code}, signal ${exit.signal}) before listening on ${this.host}:${port}${tail(proc)}`);
  }

  async stop(): Promise<void> {
    await this.process?.stop();
    this.process = undefined;
    this.address = undefined;
    await this.bodies.stop();
    await this.dir?.remove();
    this.dir = undefined;
  }

  /** The server's process id while it runs (for tests and diagnostics). */
  get pid(): number | undefined {
    return this.process?.running ? this.process.child.pid : undefined;
  }

  info(): EndpointInfo {
    return {
      implementation: this.implementation,
      version: this.version ?? 'unknown',
      settings: {
        ...transportSettings(this.cc, this.initialRttMs, this.windows, this.buffers),
        bodies: 'files of the generated body (byte i = i mod 251), one per prepared size; /0 empty',
        // Left at the program's default, as its --help states it: the datagrams it hands the
        // kernel per sendmsg (UDP GSO), much of its CPU cost per byte at high rates. null when
        // the program has no such option (ngtcp2 1.x sizes its batches itself).
        maxGsoDatagrams: this.maxGsoDatagrams,
        qlog: this.options.qlog === true,
      },
    };
  }
}

/** The default of --max-gso-dgrams as `gtlsserver --help` states it (null if it does not), asked once per executable. */
const helpDefaultGso = oncePerKeyUntilFailure(async (command) => {
  const r = await runCommand({ name: `${command} --help`, command, args: ['--help'], timeoutMs: 5000 });
  const match = /--max-gso-dgrams=<N>[\s\S]*?Default:\s*(\d+)/.exec(r.stdout);
  return match?.[1] !== undefined ? Number(match[1]) : null;
});

function tail(proc: ManagedProcess): string {
  const text = proc.stderr();
  return text ? `: ${text.split('\n').slice(-5).join(' | ')}` : '';
}
