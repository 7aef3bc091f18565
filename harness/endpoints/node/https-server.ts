// Driver for the Node TCP+TLS server (https-server-main.ts), run as a child process.
import { z } from 'zod';
import { ManagedProcess, nodeScriptSpec } from '../../process/managed-process.js';
import type { EndpointInfo } from '../../results/schema.js';
import type { ServerAddress, ServerEndpoint, TlsMaterial } from '../types.js';
import { projectPath } from '../../project-root.js';

const READY_TIMEOUT_MS = 15_000;
const readySchema = z.object({ event: z.literal('ready'), host: z.string(), port: z.number() });
/**
 * HTTP/2 receive windows (stream and connection) the server grants. 16 MiB covers the
 * bandwidth-delay product of 1 Gbit/s at over 100 ms, so flow control never limits an upload
 * before TCP does.
 */
export const NODE_SERVER_H2_WINDOW_BYTES = 16 * 1024 * 1024;

export interface NodeHttpsServerOptions {
  tls: TlsMaterial;
  host: string;
  port?: number;
  netns?: string;
  /** Default NODE_SERVER_H2_WINDOW_BYTES. */
  h2WindowBytes?: number;
  /**
   * Test only: every body served has the byte at this offset inverted, standing in for a served
   * file with one byte changed (this server generates its bodies; Caddy, gtlsserver and Samba
   * serve files, which a test changes itself). Recorded in info().
   */
  changeBodyByteAt?: number;
}

export class NodeHttpsServer implements ServerEndpoint {
  readonly implementation = 'node';
  readonly speaks = [
    { protocol: 'tcp-tls', application: 'h2' },
    { protocol: 'tcp-tls', application: 'http/1.1' },
    { protocol: 'tcp-tls', application: 'none' },
  ] as const;
  private process: ManagedProcess | undefined;
  /** The port of the last start: a restart after a crash keeps it (the capture filters on it). */
  private lastPort: number | undefined;

  constructor(private readonly options: NodeHttpsServerOptions) {}

  private get h2WindowBytes(): number {
    return this.options.h2WindowBytes ?? NODE_SERVER_H2_WINDOW_BYTES;
  }

  async start(): Promise<ServerAddress> {
    const config = {
      host: this.options.host,
      port: this.options.port ?? this.lastPort ?? 0,
      keyFile: this.options.tls.keyFile,
      chainFile: this.options.tls.chainFile,
      h2WindowBytes: this.h2WindowBytes,
      ...(this.options.changeBodyByteAt !== undefined ? { changeBodyByteAt: this.options.changeBodyByteAt } : {}),
    };
    const child = new ManagedProcess(nodeScriptSpec('node https server', projectPath('harness/endpoints/node/https-server-main.ts'), config, this.options.netns));
    this.process = child;
    try {
      const line = await child.waitForLine(/"event":"ready"/, READY_TIMEOUT_MS);
      const ready = readySchema.parse(JSON.parse(line));
      this.lastPort = ready.port;
      return { host: this.options.host, port: ready.port, serverName: this.options.tls.serverName };
    } catch (error) {
      await child.stop();
      throw error;
    }
  }

  async stop(): Promise<void> {
    await this.process?.stop();
    this.process = undefined;
  }

  exitReason(): string | null {
    return this.process?.exitDescription ?? null;
  }

  info(): EndpointInfo {
    return {
      implementation: this.implementation,
      version: process.versions.node,
      settings: {
        tls: 'TLSv1.3 only',
        openssl: process.versions.openssl ?? null,
        alpn: 'h2, http/1.1',
        h2InitialWindowSize: this.h2WindowBytes,
        h2ConnectionWindowSize: this.h2WindowBytes,
        ranges: 'GET /N: one byte range (206), 416 when unsatisfiable',
        uploads: 'POST /N: body checked against the generated pattern and discarded, 400 unless N right bytes (the answer names the first wrong one)',
        ...(this.options.changeBodyByteAt !== undefined ? { testChangedBodyByteAt: this.options.changeBodyByteAt } : {}),
      },
    };
  }
}
