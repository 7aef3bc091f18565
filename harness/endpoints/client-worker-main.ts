// A Node client running inside the client namespace: the harness (in the host namespace)
// sends it one JSON line per exchange and gets the timings back, measured here, in-process,
// from the client's own socket events.
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { NodeTlsClient } from './node-tls-client.js';
import type { ClientEndpoint } from './types.js';
import { UndiciClient } from './undici-client.js';

const configSchema = z.object({
  client: z.enum(['node-tls', 'undici']),
  application: z.enum(['h2', 'http/1.1', 'none']),
  tls: z.object({ caFile: z.string(), chainFile: z.string(), keyFile: z.string(), serverName: z.string() }),
  keylogFile: z.string().optional(),
});

const requestSchema = z.object({
  id: z.number(),
  spec: z.object({
    target: z.object({ host: z.string(), port: z.number(), serverName: z.string() }),
    path: z.string(),
    timeoutMs: z.number(),
    session: z.enum(['cold', 'resumed', 'early-data']).optional(),
    uploadBytes: z.number().int().min(0).optional(),
    recordProgress: z.boolean().optional(),
  }),
});

const config = configSchema.parse(JSON.parse(process.argv[2] ?? '{}'));
const client: ClientEndpoint =
  config.client === 'node-tls' ? new NodeTlsClient(config.tls) : new UndiciClient(config.tls, config.application === 'http/1.1' ? 'http/1.1' : 'h2', config.keylogFile !== undefined ? { keylogFile: config.keylogFile } : {});

function reply(message: object): void {
  process.stdout.write(JSON.stringify(message) + '\n');
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const request = requestSchema.safeParse(JSON.parse(line));
  if (!request.success) {
    reply({ id: -1, ok: false, error: `bad request: ${request.error.message}` });
    return;
  }
  const { id, spec } = request.data;
  client.exchange(spec).then(
    (timings) => reply({ id, ok: true, timings }),
    (error: unknown) => reply({ id, ok: false, error: error instanceof Error ? error.message : String(error) }),
  );
});
process.stdin.on('end', () => process.exit(0));
reply({ event: 'ready' });
