// Driver for the Node TCP+TLS server (https-server-main.ts), run as a child process.
import type { EndpointInfo } from '../../results/schema.js';
import type { ServerAddress, ServerEndpoint, TlsMaterial } from '../types.js';
import { NodeScriptServer } from './script-server.js';
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
  private readonly process: NodeScriptServer;

  constructor(private readonly options: NodeHttpsServerOptions) {
    this.process = new NodeScriptServer('node https server', 'harness/endpoints/node/https-server-main.ts', options.netns);
  }

  private get h2WindowBytes(): number {
    return this.options.h2WindowBytes ?? NODE_SERVER_H2_WINDOW_BYTES;
  }

  async start(): Promise<ServerAddress> {
    const port = await this.process.start({
      host: this.options.host,
      ...(this.options.port !== undefined ? { port: this.options.port } : {}),
      keyFile: this.options.tls.keyFile,
      chainFile: this.options.tls.chainFile,
      h2WindowBytes: this.h2WindowBytes,
      ...(this.options.changeBodyByteAt !== undefined ? { changeBodyByteAt: this.options.changeBodyByteAt } : {}),
    });
    return { host: this.options.host, port, serverName: this.options.tls.serverName };
  }

  stop(): Promise<void> {
    return this.process.stop();
  }

  exitReason(): string | null {
    return this.process.exitReason();
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
