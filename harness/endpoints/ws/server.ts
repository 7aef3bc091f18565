// Driver for the ws echo server (server-main.ts), run as a child process in the server namespace.
import type { EndpointInfo } from '../../results/schema.js';
import type { ServerAddress, ServerEndpoint, TlsMaterial } from '../types.js';
import { NodeScriptServer } from '../node/script-server.js';
import { WS_VERSION } from './client.js';
import { ECHO_PATH, WS_MAX_PAYLOAD_BYTES } from './settings.js';

export class WsServer implements ServerEndpoint {
  readonly implementation = 'ws-server';
  readonly speaks = [{ protocol: 'tcp-tls', application: 'websocket' }] as const;
  private readonly process: NodeScriptServer;

  constructor(private readonly options: { tls: TlsMaterial; host: string; port?: number; netns?: string }) {
    this.process = new NodeScriptServer('ws server', 'harness/endpoints/ws/server-main.ts', options.netns);
  }

  async start(): Promise<ServerAddress> {
    const { tls, host } = this.options;
    const port = await this.process.start({ host, keyFile: tls.keyFile, chainFile: tls.chainFile, ...(this.options.port !== undefined ? { port: this.options.port } : {}) });
    return { host, port, serverName: tls.serverName };
  }

  stop(): Promise<void> {
    return this.process.stop();
  }

  exitReason(): string | null {
    return this.process.exitReason();
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  info(): EndpointInfo {
    return {
      implementation: this.implementation,
      version: WS_VERSION,
      settings: {
        node: process.versions.node,
        tls: 'TLSv1.3 only',
        openssl: process.versions.openssl ?? null,
        path: ECHO_PATH,
        echo: 'every binary message sent back as it is',
        perMessageDeflate: false,
        maxPayloadBytes: WS_MAX_PAYLOAD_BYTES,
        tcpNoDelay: true,
      },
    };
  }
}
