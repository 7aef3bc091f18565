// undici, Node's HTTP client (HTTP/1.1 and HTTP/2 over TCP+TLS), timed from its own socket events.
import { projectPath } from '../../project-root.js';
import { H1_H2, defineImplementation, knownVersion } from '../descriptor.js';
import { NetnsNodeBatchClient } from '../node/netns-node-client.js';
import { UNDICI_VERSION, UndiciClient } from './client.js';

export const undici = defineImplementation({
  name: 'undici',
  install: 'npm package undici (npm install)',
  client: {
    name: 'undici',
    implementation: 'undici',
    selectable: true,
    speaks: H1_H2,
    sessionModes: ['cold', 'resumed'],
    sessionNote: "Node's TLS has no early-data API",
    can: { exchange: true, batch: true, copy: 'an HTTP client: no SMB file copy', messages: 'an HTTP client: no WebTransport or WebSocket messages' },
    version: () => knownVersion(UNDICI_VERSION),
  },
  open(placement) {
    const keylog = placement.keylogFile !== undefined ? { keylogFile: placement.keylogFile } : {};
    return {
      client: (definition, tls) => {
        const application = definition.application;
        if (application !== 'h2' && application !== 'http/1.1') throw new Error(`undici speaks h2 and http/1.1, not ${application} (case ${definition.id})`);
        const client = new UndiciClient(tls, application, keylog);
        if (placement.clientNetns === undefined) return client;
        return new NetnsNodeBatchClient(client, { module: projectPath('harness/endpoints/undici/client.ts'), application, tls, netns: placement.clientNetns, ...keylog });
      },
    };
  },
});
