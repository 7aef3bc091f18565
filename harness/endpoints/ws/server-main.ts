// The WebSocket echo server process (ws over node:https, TLS 1.3 only, the lab's chain and
// key): every binary message on /echo is sent back as it is. Runs as its own process (in the
// server namespace in the lab) and prints one JSON "ready" line on stdout.
import { createServer } from 'node:https';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { WebSocketServer } from 'ws';
import { z } from 'zod';
import { ECHO_PATH, WS_MAX_PAYLOAD_BYTES } from './settings.js';

const config = z.object({ host: z.string(), port: z.number().int().min(0).max(65535), keyFile: z.string(), chainFile: z.string() }).parse(JSON.parse(process.argv[2] ?? '{}'));

const server = createServer({ key: readFileSync(config.keyFile), cert: readFileSync(config.chainFile), minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3', ALPNProtocols: ['http/1.1'] }, (_request, response) => {
  response.writeHead(426, { 'content-type': 'text/plain' }).end(`WebSocket only, at ${ECHO_PATH}\n`);
});
// Small messages go out at once, not held back by Nagle behind an unacknowledged segment.
server.on('secureConnection', (socket: TLSSocket) => socket.setNoDelay(true));
server.on('tlsClientError', () => {
  // A client that refuses our certificate is a measured outcome on its side, not a server fault.
});

const wss = new WebSocketServer({ server, path: ECHO_PATH, perMessageDeflate: false, maxPayload: WS_MAX_PAYLOAD_BYTES });
wss.on('connection', (socket) => {
  socket.on('message', (data, isBinary) => socket.send(data as Buffer, { binary: isBinary }));
  socket.on('error', () => {});
});

server.listen(config.port, config.host, () => {
  const address = server.address() as AddressInfo;
  process.stdout.write(JSON.stringify({ event: 'ready', host: address.address, port: address.port }) + '\n');
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => process.exit(0));
}
