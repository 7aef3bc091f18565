// Driver for the WebTransport-over-HTTP/2 echo server (server-main.ts), run as a child process
// in the server namespace.
import type { EndpointInfo } from '../../results/schema.js';
import type { ServerAddress, ServerEndpoint, TlsMaterial } from '../types.js';
import { NodeScriptServer } from '../node/script-server.js';
import { DATAGRAM_NOTE, ECHO_PATH, failsVersion } from './settings.js';

export class FailsWebTransportServer implements ServerEndpoint {
  readonly implementation = 'fails-webtransport-server';
  readonly speaks = [{ protocol: 'tcp-tls', application: 'webtransport' }] as const;
  private readonly process: NodeScriptServer;

  constructor(private readonly options: { tls: TlsMaterial; host: string; port?: number; netns?: string }) {
    this.process = new NodeScriptServer('fails-webtransport server', 'harness/endpoints/fails-webtransport/server-main.ts', options.netns);
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
      version: failsVersion(),
      settings: {
        node: process.versions.node,
        transport: 'WebTransport over HTTP/2 (Http2Server, reliable only)',
        tls: 'TLSv1.3 only',
        path: ECHO_PATH,
        echo: 'every datagram and every bidirectional stream sent back as it arrives',
        datagrams: DATAGRAM_NOTE,
      },
    };
  }
}
