// ws, the maintained WebSocket server and client for Node, over TLS 1.3 (node:https / node:tls)
// with the lab PKI: the realtime scenario's WebSocket case (echoed messages on one connection).
import { projectPath } from '../../project-root.js';
import { defineImplementation, knownVersion } from '../descriptor.js';
import { NetnsNodeMessagesClient } from '../node/netns-node-client.js';
import { WS_VERSION, WsClient } from './client.js';
import { wsServer } from './server.js';

const SPEAKS = [{ protocol: 'tcp-tls', application: 'websocket' }] as const;
const NOT_HTTP = 'a WebSocket message client: no HTTP requests or file copies';

export const ws = defineImplementation({
  name: 'ws',
  install: 'npm package ws (npm install)',
  server: {
    name: 'ws',
    implementation: 'ws-server',
    selectable: false,
    speaks: SPEAKS,
    sessionModes: ['cold'],
    sessionNote: 'one WebSocket session per sample, no TLS resumption',
    version: () => knownVersion(WS_VERSION),
  },
  client: {
    name: 'ws',
    implementation: 'ws-client',
    selectable: false,
    speaks: SPEAKS,
    sessionModes: ['cold'],
    sessionNote: 'one WebSocket session per sample, no TLS resumption',
    noUploads: NOT_HTTP,
    can: { exchange: NOT_HTTP, batch: NOT_HTTP, copy: NOT_HTTP, messages: true },
    version: () => knownVersion(WS_VERSION),
  },
  open(placement) {
    const keylog = placement.keylogFile !== undefined ? { keylogFile: placement.keylogFile } : {};
    return {
      server: (tls) => wsServer({ tls, host: placement.serverHost, ...(placement.serverNetns !== undefined ? { netns: placement.serverNetns } : {}) }),
      client: (_case, tls) => {
        const client = new WsClient(tls, placement.keylogFile);
        if (placement.clientNetns === undefined) return client;
        return new NetnsNodeMessagesClient(client, { module: projectPath('harness/endpoints/ws/client.ts'), application: 'websocket', tls, netns: placement.clientNetns, ...keylog });
      },
    };
  },
});
