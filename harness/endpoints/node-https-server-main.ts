// The Node TCP+TLS server process: HTTP/2 and HTTP/1.1 (chosen by ALPN) on one port,
// TLS 1.3 only. Runs as its own process (and later inside the server namespace) so the
// client's event loop never shares time with it. Prints one JSON "ready" line on stdout.
import { createSecureServer, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { bodySizeFromPath, writeGeneratedBody } from './generated-body.js';

const configSchema = z.object({
  host: z.string(),
  port: z.number().int().min(0).max(65535),
  keyFile: z.string(),
  chainFile: z.string(),
});

const config = configSchema.parse(JSON.parse(process.argv[2] ?? '{}'));

const server = createSecureServer(
  {
    key: readFileSync(config.keyFile),
    cert: readFileSync(config.chainFile),
    minVersion: 'TLSv1.3',
    maxVersion: 'TLSv1.3',
    allowHTTP1: true,
  },
  (request: Http2ServerRequest, response: Http2ServerResponse) => {
    const size = bodySizeFromPath(request.url);
    if (size === null) {
      response.writeHead(404, { 'content-type': 'text/plain' });
      response.end('not found: ask for /N to get N bytes\n');
      return;
    }
    response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(size) });
    writeGeneratedBody(response, size);
  },
);

server.on('tlsClientError', () => {
  // A client that refuses our certificate is a measured outcome on its side, not a server fault.
});

server.listen(config.port, config.host, () => {
  const address = server.address() as AddressInfo;
  process.stdout.write(JSON.stringify({ event: 'ready', host: address.address, port: address.port }) + '\n');
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    server.close();
    process.exit(0);
  });
}
