// A Node server process of this project (an entry point run with tsx, in the server namespace
// when given): started with its config as one JSON argument, ready once it prints
// {"event":"ready","host":...,"port":...}; a restart after a crash keeps its port (the
// capture filters on it).
import { z } from 'zod';
import { ManagedProcess, nodeScriptSpec } from '../../process/managed-process.js';
import { projectPath } from '../../project-root.js';

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
