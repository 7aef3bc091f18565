// A Node client (node:tls, undici, ...) placed in another network namespace: the same driver,
// run by client-worker-main.ts inside the namespace, so its timings are taken there. The
// worker builds its twin with the `workerClient` function of the module it is given.
import { z } from 'zod';
import { ManagedProcess, nodeScriptSpec } from '../../process/managed-process.js';
import type { EndpointInfo, TimingSource } from '../../results/schema.js';
import { projectPath } from '../../project-root.js';
import { PartialTransferError } from '../types.js';
import type {
  Application,
  BatchClient,
  BatchSpec,
  BatchTimings,
  ClientEndpoint,
  ExchangeClient,
  ExchangeTimings,
  MessagesClient,
  MessagesSpec,
  MessagesTimings,
  Protocol,
  RequestSpec,
  SessionMode,
  TlsMaterial,
} from '../types.js';

/** What the worker gives a client module's `workerClient(config)` to build the client with. */
export interface WorkerClientConfig {
  application: Application;
  tls: TlsMaterial;
  keylogFile?: string;
}

/** A module a worker can build its client from (a file path). */
export type WorkerClientModule = { workerClient: (config: WorkerClientConfig) => ClientEndpoint & Partial<ExchangeClient & BatchClient & MessagesClient> };

const READY_TIMEOUT_MS = 15_000;

const replySchema = z.union([
  z.object({ id: z.number(), ok: z.literal(true), timings: z.record(z.string(), z.unknown()) }),
  z.object({
    id: z.number(),
    ok: z.literal(false),
    error: z.string(),
    partial: z.object({ bodyBytes: z.number(), lastByteMs: z.number().nullable(), failedAtMs: z.number() }).optional(),
  }),
]);

export class NetnsNodeClient implements ExchangeClient {
  readonly implementation: string;
  readonly protocol: Protocol;
  readonly application: Application;
  readonly sessionModes: readonly SessionMode[];
  readonly timingSources: Readonly<Record<string, TimingSource>>;
  private worker: ManagedProcess | undefined;
  private nextId = 0;
  private readonly pending = new Map<number, { settle: (reply: z.infer<typeof replySchema>) => void; timer: NodeJS.Timeout }>();

  constructor(
    /** The same client, built here for its metadata; the worker builds its twin. */
    private readonly local: ClientEndpoint,
    /** netns absent: the worker runs in this namespace (tests exercise the worker path that way). */
    private readonly config: WorkerClientConfig & { module: string; netns?: string },
  ) {
    this.implementation = local.implementation;
    this.protocol = local.protocol;
    this.application = local.application;
    this.sessionModes = local.sessionModes;
    this.timingSources = local.timingSources;
  }

  async prepare(): Promise<void> {
    if (this.worker?.running) return;
    const worker = new ManagedProcess(
      nodeScriptSpec(
        `${this.implementation} client in ${this.config.netns ?? 'this namespace'}`,
        projectPath('harness/endpoints/node/client-worker-main.ts'),
        { module: this.config.module, application: this.config.application, tls: this.config.tls, keylogFile: this.config.keylogFile },
        this.config.netns,
      ),
    );
    this.worker = worker;
    worker.onLine((line) => {
      if (!line.startsWith('{"id"')) return;
      const reply = replySchema.safeParse(JSON.parse(line));
      if (reply.success) this.pending.get(reply.data.id)?.settle(reply.data);
    });
    try {
      await worker.waitForLine(/"event":"ready"/, READY_TIMEOUT_MS);
    } catch (error) {
      await worker.stop();
      throw error;
    }
  }

  async exchange(spec: RequestSpec): Promise<ExchangeTimings> {
    return (await this.ask({ spec }, spec.timeoutMs)) as unknown as ExchangeTimings;
  }

  /** One request to the worker, answered within its timeout plus a second. */
  protected async ask(request: { spec: RequestSpec } | { batch: BatchSpec } | { messages: MessagesSpec }, timeoutMs: number): Promise<Record<string, unknown>> {
    await this.prepare();
    const worker = this.worker as ManagedProcess;
    const id = this.nextId++;
    const reply = await new Promise<z.infer<typeof replySchema>>((resolveReply, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.implementation} client worker: no answer after ${timeoutMs + 1000} ms`));
      }, timeoutMs + 1000);
      this.pending.set(id, {
        timer,
        settle: (answer) => {
          clearTimeout(timer);
          this.pending.delete(id);
          resolveReply(answer);
        },
      });
      worker.child.stdin?.write(JSON.stringify({ id, ...request }) + '\n');
    });
    if (!reply.ok) throw reply.partial ? new PartialTransferError(reply.error, reply.partial) : new Error(reply.error);
    return reply.timings;
  }

  async close(): Promise<void> {
    // An exchange still in flight (the run was interrupted) ends here, not at its timeout.
    for (const [id, { settle }] of this.pending) settle({ id, ok: false, error: 'client closed' });
    await this.worker?.stop();
  }

  info(): EndpointInfo {
    return this.local.info();
  }
}

/** The same for a client that also requests several objects at once (undici). */
export class NetnsNodeBatchClient extends NetnsNodeClient implements BatchClient {
  async exchangeBatch(batch: BatchSpec): Promise<BatchTimings> {
    return (await this.ask({ batch }, batch.timeoutMs)) as unknown as BatchTimings;
  }
}

/** The same for a client that exchanges echoed messages (WebSocket, WebTransport over HTTP/2). */
export class NetnsNodeMessagesClient extends NetnsNodeClient implements MessagesClient {
  async exchangeMessages(messages: MessagesSpec): Promise<MessagesTimings> {
    return (await this.ask({ messages }, messages.timeoutMs)) as unknown as MessagesTimings;
  }
}
