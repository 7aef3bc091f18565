// The WebTransport echo server (peers/webtransport `server`): sessions at /echo, every
// datagram and every bidirectional stream's bytes sent back as they arrive. Readiness is its
// "listening" line (as peers/CONTRACT.md's servers), which also says the port it got (kept
// across a restart). It writes no files (a key log goes where it is told), so it needs no
// directory of its own.
import { isIP } from 'node:net';
import type { EndpointInfo } from '../../results/schema.js';
import { ManagedProcess } from '../../process/managed-process.js';
import { listeningPort } from '../peer-program/server.js';
import { peerCommand, peerVersion } from '../peer-program/peer.js';
import type { Application, Protocol, ServerAddress, ServerEndpoint, TlsMaterial } from '../types.js';
import { webTransportProgram } from './program.js';

export const ECHO_PATH = '/echo';

export interface WebTransportServerOptions {
  tls: Pick<TlsMaterial, 'chainFile' | 'keyFile' | 'serverName'>;
  /** IP literal to bind. */
  host: string;
  /** Default: whatever port the program gets (0). */
  port?: number;
  netns?: string;
  /** Append TLS secrets here so a capture can be decrypted. */
  keylogFile?: string;
  readyTimeoutMs?: number;
}

const LISTENING = /^\{"event":"listening","address":"(.+)"\}$/;
const DEFAULT_READY_TIMEOUT_MS = 10_000;

export class WebTransportEchoServer implements ServerEndpoint {
  readonly implementation = webTransportProgram.implementation.server;
  readonly speaks: ReadonlyArray<{ protocol: Protocol; application: Application }> = [{ protocol: 'quic', application: 'webtransport' }];
  private process: ManagedProcess | undefined;
  private address: ServerAddress | undefined;
  private lastPort: number | undefined;
  private version: string | null = null;

  constructor(private readonly options: WebTransportServerOptions) {
    if (isIP(options.host) === 0) throw new Error(`webtransport server: host must be an IP literal, got "${options.host}"`);
  }

  async start(): Promise<ServerAddress> {
    if (this.address && this.process?.running) return this.address;
    if (this.process) await this.stop();
    const { tls, host, netns, keylogFile } = this.options;
    this.version = await peerVersion(webTransportProgram);
    const port = this.options.port ?? this.lastPort ?? 0;
    const proc = new ManagedProcess({
      name: 'webtransport server',
      command: peerCommand(webTransportProgram),
      args: ['server', '--listen', isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`, '--cert', tls.chainFile, '--key', tls.keyFile, ...(keylogFile !== undefined ? ['--keylog', keylogFile] : [])],
      netns,
    });
    this.process = proc;
    try {
      const line = await proc.waitForLine(LISTENING, this.options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS);
      this.lastPort = listeningPort(line);
      this.address = { host, port: this.lastPort, serverName: tls.serverName };
    } catch (error) {
      await this.stop();
      throw error;
    }
    return this.address;
  }

  /** The server's process id while it runs (for tests and diagnostics). */
  get pid(): number | undefined {
    return this.process?.running ? this.process.child.pid : undefined;
  }

  /** What webtransport-go version it runs, once started. */
  get stackVersion(): string | null {
    return this.version;
  }

  exitReason(): string | null {
    return this.process?.exitDescription ?? null;
  }

  info(): EndpointInfo {
    return {
      implementation: this.implementation,
      version: this.version ?? 'unknown',
      settings: {
        path: ECHO_PATH,
        echo: 'every datagram and every bidirectional stream byte sent back as it arrives',
        congestionControl: webTransportProgram.defaultCongestionControl,
        initialRttMs: webTransportProgram.initialRtt.defaultMs,
      },
    };
  }

  async stop(): Promise<void> {
    await this.process?.stop();
    this.process = undefined;
    this.address = undefined;
  }
}
