// A Node client running inside the client namespace: the harness (in the host namespace)
// sends it one JSON line per exchange and gets the timings back, measured here, in-process,
// from the client's own socket events.
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { PartialTransferError } from '../types.js';
import type { WorkerClientModule } from './netns-node-client.js';

const configSchema = z.object({
  /** The client's module (a file path): it exports workerClient(config). */
  module: z.string(),
  application: z.enum(['h2', 'http/1.1', 'none', 'websocket', 'webtransport']),
  tls: z.object({ caFile: z.string(), chainFile: z.string(), keyFile: z.string(), serverName: z.string() }),
  keylogFile: z.string().optional(),
});

const targetSchema = z.object({ host: z.string(), port: z.number(), serverName: z.string() });
const batchSchema = z.object({
  target: targetSchema,
  paths: z.array(z.string()),
  timeoutMs: z.number(),
  connections: z.number().int().positive().optional(),
});

const messagesSchema = z.object({
  target: targetSchema,
  mode: z.enum(['datagram', 'stream-per-message', 'long-stream']),
  count: z.number(),
  messageBytes: z.number(),
  ratePerSecond: z.number(),
  drainTimeoutMs: z.number(),
  timeoutMs: z.number(),
});

const requestSchema = z.object({
  id: z.number(),
  batch: batchSchema.optional(),
  messages: messagesSchema.optional(),
  spec: z
    .object({
      target: targetSchema,
      path: z.string(),
      timeoutMs: z.number(),
      session: z.enum(['cold', 'resumed', 'early-data']).optional(),
      uploadBytes: z.number().int().min(0).optional(),
      recordProgress: z.boolean().optional(),
      rangeStartBytes: z.number().int().min(0).optional(),
    })
    .optional(),
});

const config = configSchema.parse(JSON.parse(process.argv[2] ?? '{}'));
const { module, ...clientConfig } = config;
const { workerClient } = (await import(pathToFileURL(module).href)) as WorkerClientModule;
const client = workerClient(clientConfig);

function reply(message: object): void {
  process.stdout.write(JSON.stringify(message) + '\n');
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const request = requestSchema.safeParse(JSON.parse(line));
  if (!request.success) {
    reply({ id: -1, ok: false, error: `bad request: ${request.error.message}` });
    return;
  }
  const { id, spec, batch, messages } = request.data;
  const cannot = (what: string): Promise<never> => Promise.reject(new Error(`${client.implementation} cannot ${what}`));
  const work =
    batch !== undefined
      ? (client.exchangeBatch?.(batch) ?? cannot('request several objects at once'))
      : messages !== undefined
        ? (client.exchangeMessages?.(messages) ?? cannot('exchange messages'))
        : spec !== undefined
          ? (client.exchange?.(spec) ?? cannot('make a request'))
          : Promise.reject(new Error('a request needs a spec, a batch or messages'));
  work.then(
    (timings) => reply({ id, ok: true, timings }),
    (error: unknown) => reply({ id, ok: false, error: error instanceof Error ? error.message : String(error), ...(error instanceof PartialTransferError ? { partial: error.partial } : {}) }),
  );
});
process.stdin.on('end', () => process.exit(0));
reply({ event: 'ready' });
