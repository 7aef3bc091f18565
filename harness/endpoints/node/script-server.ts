// A Node server process of this project (an entry point run with tsx, in the server namespace
// when given): started with its config as one JSON argument, ready once it prints
// {"event":"ready","host":...,"port":...}; a restart after a crash keeps its port (the
// capture filters on it).
import { z } from 'zod';
import { ManagedProcess, nodeScriptSpec } from '../../process/managed-process.js';
import { projectPath } from '../../project-root.js';
import type { EndpointInfo } from '../../results/schema.js';
import type { ServerAddress, ServerEndpoint, TlsMaterial } from '../types.js';

const READY_TIMEOUT_MS = 15_000;
const readySchema = z.object({ event: z.literal('ready'), host: z.string(), port: z.number() });

export class NodeScriptServer {
  private process: ManagedProcess | undefined;
  private lastPort: number | undefined;

  constructor(
    private readonly name: string,
    /** The entry point, relative to the project root. */
    private readonly script: string,
    private readonly netns?: string,
  ) {}

  /** Starts it on `port` (default: the last start's, else any) and resolves with the port it listens on. */
  async start(config: Record<string, unknown> & { port?: number }): Promise<number> {
    const child = new ManagedProcess(nodeScriptSpec(this.name, projectPath(this.script), { ...config, port: config.port ?? this.lastPort ?? 0 }, this.netns));
    this.process = child;
    try {
      const line = await child.waitForLine(/"event":"ready"/, READY_TIMEOUT_MS);
      this.lastPort = readySchema.parse(JSON.parse(line)).port;
      return this.lastPort;
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

  /** The process id while it runs (tests). */
  get pid(): number | undefined {
    return this.process?.running ? this.process.child.pid : undefined;
  }
}

/** What a NodeTlsScriptServer runs and says of itself. */
export interface NodeTlsServerKind {
  implementation: string;
  speaks: ServerEndpoint['speaks'];
  /** The entry point, relative to the project root; its config is {host, port, keyFile, chainFile}. */
  script: string;
  version(): string;
  settings: EndpointInfo['settings'];
}

/** A server that is one Node script given the lab's chain and key (the ws and WebTransport echo servers). */
export class NodeTlsScriptServer implements ServerEndpoint {
  readonly implementation: string;
  readonly speaks: ServerEndpoint['speaks'];
  private readonly process: NodeScriptServer;

  constructor(
    private readonly kind: NodeTlsServerKind,
    private readonly options: { tls: TlsMaterial; host: string; port?: number; netns?: string },
  ) {
    this.implementation = kind.implementation;
    this.speaks = kind.speaks;
    this.process = new NodeScriptServer(kind.implementation, kind.script, options.netns);
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
    return { implementation: this.implementation, version: this.kind.version(), settings: { node: process.versions.node, ...this.kind.settings } };
  }
}
