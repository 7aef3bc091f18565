// A server someone else runs (--target): nothing to start or stop; its address is the one its
// name resolved to before the run, and it records what it said of itself (Server, Alt-Svc).
import type { EndpointInfo } from '../../results/schema.js';
import type { ServerAddress, ServerEndpoint } from '../types.js';
import { H1_H2, H3 } from '../descriptor.js';

/** What the run knows of the remote server before its first sample. */
export interface RemoteServer {
  address: ServerAddress;
  /** Its Server header (null when it sent none), and its Alt-Svc. */
  serverHeader: string | null;
  altSvc: string | null;
  url: string;
}

export const REMOTE_SPEAKS = [...H1_H2, ...H3] as const;

export class RemoteTargetServer implements ServerEndpoint {
  readonly implementation = 'target';
  readonly speaks = REMOTE_SPEAKS;

  constructor(private readonly remote: RemoteServer) {}

  async start(): Promise<ServerAddress> {
    return this.remote.address;
  }

  async stop(): Promise<void> {}

  info(): EndpointInfo {
    return {
      implementation: 'target',
      // The Server header is all a remote server tells of its version.
      version: this.remote.serverHeader ?? 'unknown (no Server header)',
      settings: { url: this.remote.url, address: this.remote.address.host, altSvc: this.remote.altSvc },
    };
  }
}
