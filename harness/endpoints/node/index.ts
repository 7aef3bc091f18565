// Node itself: the HTTPS server (node:https and node:http2, TCP+TLS) and the bare node:tls
// handshake probe (client "node-tls", which the handshake scenario uses for TCP+TLS alone).
import { projectPath } from '../../project-root.js';
import { H1_H2, defineImplementation, knownVersion } from '../descriptor.js';
import { NodeHttpsServer } from './https-server.js';
import { NetnsNodeClient } from './netns-node-client.js';
import { NodeTlsClient } from './tls-client.js';

export const node = defineImplementation({
  name: 'node',
  install: 'Node.js itself (no package)',
  server: {
    name: 'node',
    implementation: 'node',
    selectable: true,
    speaks: [...H1_H2, { protocol: 'tcp-tls', application: 'none' }],
    sessionModes: ['cold', 'resumed'],
    sessionNote: "Node's TLS has no early-data API",
    version: () => knownVersion(process.versions.node),
  },
  client: {
    name: 'node-tls',
    implementation: 'node-tls',
    // The handshake-only probe, not a client to choose.
    selectable: false,
    speaks: [{ protocol: 'tcp-tls', application: 'none' }],
    sessionModes: ['cold'],
    noUploads: 'node-tls only handshakes',
    can: { exchange: true, batch: 'node-tls only handshakes', copy: 'node-tls only handshakes', messages: 'node-tls only handshakes' },
    version: () => knownVersion(process.versions.node),
  },
  open(placement) {
    return {
      server: (tls) => new NodeHttpsServer({ tls, host: placement.serverHost, ...(placement.serverNetns !== undefined ? { netns: placement.serverNetns } : {}) }),
      client: (_case, tls) => {
        const client = new NodeTlsClient(tls);
        if (placement.clientNetns === undefined) return client;
        const keylog = placement.keylogFile !== undefined ? { keylogFile: placement.keylogFile } : {};
        return new NetnsNodeClient(client, { module: projectPath('harness/endpoints/node/tls-client.ts'), application: 'none', tls, netns: placement.clientNetns, ...keylog });
      },
    };
  },
});
