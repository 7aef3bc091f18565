// Driver for the Node TCP+TLS server (node-https-server-main.ts), run as a child process.
import { resolve } from 'node:path';
import { z } from 'zod';
import { ManagedProcess, nodeScriptSpec } from '../process/managed-process.js';
import type { EndpointInfo } from '../results/schema.js';
import type { ServerAddress, ServerEndpoint, TlsMaterial } from './types.js';

const READY_TIMEOUT_MS = 15_000;
const readySchema = z.object({ event: z.literal('ready'), host: z.string(), port: z.number() });

export interface NodeHttpsServerOptions {
  tls: TlsMaterial;
  host: string;
  port?: number;
  netns?: string;
}

export class NodeHttpsServer implements ServerEndpoint {
  readonly implementation = 'node';
  readonly speaks = [
    { protocol: 'tcp-tls', application: 'h2' },
    { protocol: 'tcp-tls', application: 'http/1.1' },
    { protocol: 'tcp-tls', application: 'none' },
  ] as const;
  private process: ManagedProcess | undefined;

  constructor(private readonly options: NodeHttpsServerOptions) {}

  async start(): Promise<ServerAddress> {
    const config = {
      host: this.options.host,
      port: this.options.port ?? 0,
      keyFile: this.options.tls.keyFile,
      chainFile: this.options.tls.chainFile,
    };
    const child = new ManagedProcess(
      nodeScriptSpec('node https server', resolve(import.meta.dirname, 'node-https-server-main.ts'), config, this.options.netns),
    );
    this.process = child;
    try {
      const line = await child.waitForLine(/"event":"ready"/, READY_TIMEOUT_MS);
      const ready = readySchema.parse(JSON.parse(line));
      return { host: this.options.host, port: ready.port, serverName: this.options.tls.serverName };
    } catch (error) {
      await child.stop();
      throw error;
    }
  }

  async stop(): Promise<void> {
    await this.process?.stop();
  }

  info(): EndpointInfo {
    return {
      implementation: this.implementation,
      version: process.versions.node,
      settings: {
        tls: 'TLSv1.3 only',
        openssl: process.versions.openssl ?? null,
        alpn: 'h2, http/1.1',
      },
    };
  }
}
