// Caddy (the current release built from its Go modules, peers/caddy; HTTP/3 by quic-go) as a lab ServerEndpoint: HTTP/1.1,
// HTTP/2 and HTTP/3 from one server process on one port number (TCP and UDP), so the
// transports are compared with the same server software. Its configuration is
// config.ts.
//
// Bodies: Caddy cannot generate one, so it serves files (files/served-bodies.ts: the lab's
// generated body of each size N as the file "N"). The sizes come from the constructor (default
// DEFAULT_SERVED_BODY_SIZES) and prepareBodies(); a "/N" with no file is a 404. Uploads are not
// served (see `uploads`).
//
// Everything Caddy writes (config, storage, its idea of $HOME) lives in a private temporary
// directory that goes away with stop() or the cleanup registry. Readiness is read from
// /proc/PID (a listening TCP socket and a bound UDP socket of Caddy's own, on the port), so
// it works inside a network namespace too. UDP buffers: see CaddyUdpBuffers.
import { createSocket } from 'node:dgram';
import { access, constants, mkdir, writeFile } from 'node:fs/promises';
import { createServer, isIP } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EndpointInfo } from '../../results/schema.js';
import { makePrivateDir, type PrivateDir } from '../../files/private-dir.js';
import { ManagedProcess, runCommand } from '../../process/managed-process.js';
import { caddyConfig } from './config.js';
import { oncePerKeyUntilFailure } from '../../process/prepare-once.js';
import { peerPath } from '../peer-build.js';
import { DEFAULT_SERVED_BODY_SIZES, ServedBodies } from '../../files/served-bodies.js';
import { tcpListeningBy, udpBoundBy } from '../../process/proc-sockets.js';
import type { Application, Protocol, ServerAddress, ServerEndpoint, TlsMaterial } from '../types.js';

/** The lab's Caddy build (peers/caddy, built by setup). */
export const CADDY_COMMAND = peerPath('caddy', 'bin', 'caddy');
/** Sizes served from the start by default. */
export const CADDY_DEFAULT_BODY_SIZES = DEFAULT_SERVED_BODY_SIZES;
/** Port inside a network namespace when none is given (a host-side probe says nothing about a namespace). */
export const CADDY_NETNS_DEFAULT_PORT = 8443;
const DEFAULT_READY_TIMEOUT_MS = 10_000;
const READY_POLL_MS = 10;
/** Free ports tried when none was given and the chosen one turned out to be taken. */
const PORT_ATTEMPTS = 5;

export interface CaddyServerOptions {
  tls: TlsMaterial;
  /** IP literal to listen on (TCP and UDP). */
  host: string;
  /** Default: a port free for both TCP and UDP (probed on this host), or 8443 inside a netns. */
  port?: number;
  netns?: string;
  /** Body sizes served from the start; default CADDY_DEFAULT_BODY_SIZES. 0 and 1 (the clients' priming requests) always are. */
  bodySizes?: readonly number[];
  readyTimeoutMs?: number;
  /** Executable; default the lab's build (CADDY_COMMAND). */
  command?: string;
}

/**
 * Caddy's UDP socket buffers. quic-go (v0.63 in Caddy 2.11) asks for 7 MiB receive and send
 * buffers with SO_RCVBUF/SO_SNDBUF (capped by the host-wide rmem_max/wmem_max, not per
 * namespace), then with SO_RCVBUFFORCE/SO_SNDBUFFORCE when it may (CAP_NET_ADMIN), and logs a
 * warning when it still gets less. A static Go
 * binary makes no libc calls, so native/udp-buffers (an LD_PRELOAD shim) cannot change that.
 */
export interface CaddyUdpBuffers {
  /** quic-go's warning about its receive buffer, or null when it said nothing (it got what it asked for). */
  warning: string | null;
  /** The socket's buffers as the kernel reports them (`ss -m`: twice what setsockopt asked), null if unknown. */
  rcvbufKernelBytes: number | null;
  sndbufKernelBytes: number | null;
}

export class CaddyServer implements ServerEndpoint {
  readonly implementation = 'caddy';
  readonly speaks: ReadonlyArray<{ protocol: Protocol; application: Application }> = [
    { protocol: 'tcp-tls', application: 'h2' },
    { protocol: 'tcp-tls', application: 'http/1.1' },
    { protocol: 'quic', application: 'h3' },
  ];
  /**
   * False: Caddy's file server answers POST /N with 405. It cannot read an upload, count it
   * and say how many bytes came, which the lab's upload exchanges check; a harness records
   * upload cases against this server as unsupported.
   */
  readonly uploads = false;

  private readonly host: string;
  private readonly bodies: ServedBodies;
  private process: ManagedProcess | undefined;
  /** The port of the last start: a restart after a crash keeps it (the capture filters on it). */
  private lastPort: number | undefined;
  private address: ServerAddress | undefined;
  private dir: PrivateDir | undefined;
  private get workDir(): string | undefined {
    return this.dir?.path;
  }
  private version: string | null = null;
  private quicGoVersion: string | null = null;
  private udpWarning: string | null = null;
  private udpKernelBuffers: { rcvbufKernelBytes: number | null; sndbufKernelBytes: number | null } = { rcvbufKernelBytes: null, sndbufKernelBytes: null };

  constructor(private readonly options: CaddyServerOptions) {
    this.host = options.host;
    if (isIP(this.host) === 0) throw new Error(`caddy server: host must be an IP literal, got "${this.host}"`);
    this.bodies = new ServedBodies('caddy server', options.bodySizes ?? CADDY_DEFAULT_BODY_SIZES);
  }

  /** Body sizes ("/N") this server answers, ascending. */
  get bodySizes(): number[] {
    return this.bodies.bodySizes;
  }

  /**
   * Makes "/N" servable for each size: written now when the server runs (resolves once the
   * files are in place), otherwise when it starts. Sizes already prepared cost nothing.
   */
  async prepareBodies(sizes: Iterable<number>): Promise<void> {
    await this.bodies.prepare(sizes);
  }

  /** The file served for "/N" (see ServedBodies.servedFile: a test may change a byte of it in place). */
  servedFile(size: number): Promise<string> {
    return this.bodies.servedFile(size);
  }

  /** The UDP socket's buffers since the last start (see CaddyUdpBuffers). */
  get udpBuffers(): CaddyUdpBuffers {
    return { warning: this.udpWarning, ...this.udpKernelBuffers };
  }

  /** The server's process id while it runs (for tests and diagnostics). */
  get pid(): number | undefined {
    return this.process?.running ? this.process.child.pid : undefined;
  }

  /** The private directory of the current run (config, storage, served files); undefined when stopped. */
  get directory(): string | undefined {
    return this.workDir;
  }

  async start(): Promise<ServerAddress> {
    if (this.address && this.process?.running) return this.address;
    if (this.process || this.workDir) await this.stop(); // it died since: clear the old run first
    const { tls, netns } = this.options;
    await checkReadable(tls.chainFile, 'certificate chain');
    await checkReadable(tls.keyFile, 'private key');
    const command = this.options.command ?? CADDY_COMMAND;
    this.version = await caddyVersion(command);
    this.quicGoVersion = await moduleVersion(command, 'github.com/quic-go/quic-go');
    try {
      this.dir = await makePrivateDir('quic-lab-caddy-');
      const workDir = this.dir.path;
      for (const sub of ['www', 'storage', 'config', 'data', 'home']) await mkdir(join(workDir, sub), { mode: 0o700 });
      await this.bodies.serveIn(join(workDir, 'www'));

      const given = this.options.port ?? this.lastPort;
      for (let attempt = 1; ; attempt++) {
        const port = given ?? (netns === undefined ? await freeTcpUdpPort(this.host) : CADDY_NETNS_DEFAULT_PORT + attempt - 1);
        try {
          await this.run(command, workDir, port);
          this.address = { host: this.host, port, serverName: tls.serverName };
          this.lastPort = port;
          return this.address;
        } catch (error) {
          await this.process?.stop();
          this.process = undefined;
          const taken = error instanceof Error && /address already in use|also bound by another process/.test(error.message);
          if (given !== undefined || !taken || attempt >= PORT_ATTEMPTS) throw error;
        }
      }
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  private async run(command: string, workDir: string, port: number): Promise<void> {
    const configFile = join(workDir, 'caddy.json');
    const config = caddyConfig({ host: this.host, port, tls: this.options.tls, bodiesDir: join(workDir, 'www'), storageDir: join(workDir, 'storage') });
    await writeFile(configFile, JSON.stringify(config, null, 2), { mode: 0o600 });
    this.udpWarning = null;
    const proc = new ManagedProcess({
      name: 'caddy',
      // setpriv (util-linux) sets the parent-death signal and execs Caddy (same process id):
      // should the harness die without running its cleanups (SIGKILL), Caddy gets a SIGTERM
      // instead of living on with the port.
      command: 'setpriv',
      args: ['--pdeathsig', 'TERM', '--', command, 'run', '--config', configFile, '--adapter', ''],
      ...(this.options.netns !== undefined ? { netns: this.options.netns } : {}),
      cwd: workDir,
      // Only what Caddy needs, all of it pointing into the private directory: no proxy
      // settings or other CADDY_* variables leak in from the caller.
      env: {
        PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
        HOME: join(workDir, 'home'),
        XDG_CONFIG_HOME: join(workDir, 'config'),
        XDG_DATA_HOME: join(workDir, 'data'),
        XDG_CACHE_HOME: join(workDir, 'home'),
        TMPDIR: workDir,
      },
    });
    this.process = proc;
    // quic-go logs (through Caddy's logger) when the kernel gives its UDP socket a smaller
    // receive buffer than it asks for.
    proc.onLine((line) => {
      if (/receive buffer/i.test(line)) this.udpWarning = logMessage(line);
    });
    await this.waitUntilListening(proc, port);
    this.udpKernelBuffers = await udpSocketBuffers(this.host, port, this.options.netns);
  }

  private async waitUntilListening(proc: ManagedProcess, port: number): Promise<void> {
    const timeoutMs = this.options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
    const deadline = Date.now() + timeoutMs;
    const pid = proc.child.pid;
    while (pid !== undefined && proc.running) {
      // Both through /proc/PID: the process's own namespace, so this works inside a netns too.
      if ((await tcpListeningBy(pid, this.host, port)) && (await udpBoundBy(pid, this.host, port))) return;
      if (Date.now() > deadline) throw new Error(`caddy: not listening on TCP and UDP ${this.host}:${port} after ${timeoutMs} ms${tail(proc)}`);
      await sleep(READY_POLL_MS);
    }
    const exit = await proc.exited;
    throw new Error(`caddy: exited (code ${exit.code}, signal ${exit.signal}) before listening on ${this.host}:${port}${tail(proc)}`);
  }

  exitReason(): string | null {
    return this.process?.exitDescription ?? null;
  }

  async stop(): Promise<void> {
    await this.process?.stop();
    this.process = undefined;
    this.address = undefined;
    await this.bodies.stop();
    await this.dir?.remove();
    this.dir = undefined;
  }

  info(): EndpointInfo {
    return {
      implementation: this.implementation,
      version: this.version ?? 'unknown',
      settings: {
        quicGoVersion: this.quicGoVersion,
        protocols: 'h1, h2 (TCP) and h3 (UDP) on one port, one server process',
        tls: 'TLSv1.3 only',
        quic: 'quic-go (in Caddy)',
        quicCongestionControl: "quic-go's NewReno (its only controller), not configurable in Caddy",
        udpReceiveBuffer: this.udpWarning ?? 'as quic-go asked (7 MiB): no warning logged',
        udpRcvbufKernelBytes: this.udpKernelBuffers.rcvbufKernelBytes,
        udpSndbufKernelBytes: this.udpKernelBuffers.sndbufKernelBytes,
        bodies: 'files of the generated body (byte i = i mod 251), one per prepared size',
        ranges: "GET /N: Go's http.ServeContent: one range 206, several as multipart/byteranges, 416 when unsatisfiable",
        uploads: "not supported: POST /N is a 405 (Caddy's file server cannot count and check an upload)",
        ocspStapling: 'off',
        adminEndpoint: 'off',
      },
    };
  }
}

async function checkReadable(file: string, what: string): Promise<void> {
  await access(file, constants.R_OK).catch((error: unknown) => {
    throw new Error(`caddy server: cannot read the ${what} file: ${error instanceof Error ? error.message : String(error)}`);
  });
}

/** The version of Go module `module` the executable was built with (`caddy build-info`), null when it does not say. */
const moduleVersion = async (command: string, module: string): Promise<string | null> => {
  const r = await runCommand({ name: `${command} build-info`, command, args: ['build-info'], timeoutMs: 5000 });
  return new RegExp(`^dep\\s+${module.replaceAll('.', '\\.')}\\s+(v\\S+)`, 'm').exec(r.stdout)?.[1] ?? null;
};

/** "2.11.9" from `caddy version` (null when it says nothing usable), asked once per executable. */
const caddyVersion = oncePerKeyUntilFailure(async (command) => {
  const r = await runCommand({ name: `${command} version`, command, args: ['version'], timeoutMs: 5000 });
  if (r.code !== 0) throw new Error(`caddy server: \`${command} version\` failed (code ${r.code})${r.stderr ? `: ${r.stderr.trim().split('\n').slice(-2).join(' | ')}` : ''}`);
  return /v?(\d+\.\d+\.\d+\S*)/.exec(r.stdout)?.[1] ?? null;
});

/** A port number free for TCP and UDP alike on `host` (both held at once while probing). */
export async function freeTcpUdpPort(host: string, attempts = 20): Promise<number> {
  for (let i = 0; i < attempts; i++) {
    const tcp = createServer();
    const port = await new Promise<number>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen({ host, port: 0, exclusive: true }, () => {
        const address = tcp.address();
        resolve(typeof address === 'object' && address !== null ? address.port : 0);
      });
    });
    const udp = createSocket(isIP(host) === 6 ? 'udp6' : 'udp4');
    const udpFree = await new Promise<boolean>((resolve) => {
      udp.once('error', () => resolve(false));
      udp.bind({ port, address: host, exclusive: true }, () => resolve(true));
    });
    await new Promise<void>((resolve) => {
      try {
        udp.close(() => resolve());
      } catch {
        resolve(); // the failed bind closed it already
      }
    });
    await new Promise<void>((resolve) => tcp.close(() => resolve()));
    if (udpFree && port > 0) return port;
  }
  throw new Error(`caddy server: found no port free for both TCP and UDP on ${host}`);
}

/** The receive and send buffers of the UDP socket on host:port, as `ss -m` reports them (in `netns`). */
async function udpSocketBuffers(host: string, port: number, netns: string | undefined): Promise<{ rcvbufKernelBytes: number | null; sndbufKernelBytes: number | null }> {
  const family = isIP(host) === 6 ? '-6' : '-4';
  const r = await runCommand({ name: 'ss', command: 'ss', args: ['-H', '-u', '-a', '-m', '-n', family, `sport = :${port}`], timeoutMs: 5000, ...(netns !== undefined ? { netns } : {}) });
  const rb = /\brb(\d+)/.exec(r.stdout)?.[1];
  const tb = /\btb(\d+)/.exec(r.stdout)?.[1];
  return { rcvbufKernelBytes: rb !== undefined ? Number(rb) : null, sndbufKernelBytes: tb !== undefined ? Number(tb) : null };
}

/** A Caddy JSON log line as "msg: error" (or the line itself when it is not JSON). */
function logMessage(line: string): string {
  try {
    const entry = JSON.parse(line) as { msg?: unknown; error?: unknown };
    const msg = typeof entry.msg === 'string' ? entry.msg : line;
    return typeof entry.error === 'string' ? `${msg}: ${entry.error}` : msg;
  } catch {
    return line.trim();
  }
}

/** Why Caddy stopped, for an error: its final "Error: ..." line when it wrote one, else its last log messages. */
function tail(proc: ManagedProcess): string {
  const lines = proc
    .stderr()
    .split('\n')
    .filter((l) => l.trim() !== '');
  const fatal = lines.filter((l) => l.startsWith('Error:')).at(-1);
  if (fatal !== undefined) return `: ${fatal}`;
  const last = lines.slice(-4).map(logMessage);
  return last.length > 0 ? `: ${last.join(' | ')}` : '';
}
