// @fails-components/webtransport: WebTransport over HTTP/2 (TCP+TLS 1.3, reliable only), server
// and client, the realtime scenario's WebTransport-over-TCP cases. Its HTTP/3 side is not
// available here (HTTP3_NOTE); the realtime scenario's HTTP/3 cases use webtransport-go.
import { projectPath } from '../../project-root.js';
import { defineImplementation, knownVersion } from '../descriptor.js';
import { NetnsNodeMessagesClient } from '../node/netns-node-client.js';
import { FailsWebTransportClient } from './client.js';
import { failsWebTransportServer } from './server.js';
import { failsVersion, HTTP3_NOTE } from './settings.js';

/** WebTransport over HTTP/2 only; why not over HTTP/3 (QUIC) is HTTP3_NOTE. */
const SPEAKS = [{ protocol: 'tcp-tls', application: 'webtransport' }] as const;
const NOT_HTTP = 'a WebTransport message client: no HTTP requests or file copies';
const SESSION_NOTE = 'one WebTransport session per sample, no TLS resumption';

export { HTTP3_NOTE as FAILS_HTTP3_UNAVAILABLE };

export const failsWebtransport = defineImplementation({
  name: 'fails-webtransport',
  install: 'npm package @fails-components/webtransport (npm install; HTTP/2 only)',
  server: {
    name: 'fails-webtransport',
    implementation: 'fails-webtransport-server',
    selectable: false,
    speaks: SPEAKS,
    sessionModes: ['cold'],
    sessionNote: SESSION_NOTE,
    version: () => knownVersion(failsVersion()),
  },
  client: {
    name: 'fails-webtransport',
    implementation: 'fails-webtransport-client',
    selectable: false,
    speaks: SPEAKS,
    sessionModes: ['cold'],
    sessionNote: SESSION_NOTE,
    noUploads: NOT_HTTP,
    can: { exchange: NOT_HTTP, batch: NOT_HTTP, copy: NOT_HTTP, messages: true },
    version: () => knownVersion(failsVersion()),
  },
  open(placement) {
    const keylog = placement.keylogFile !== undefined ? { keylogFile: placement.keylogFile } : {};
    return {
      server: (tls) => failsWebTransportServer({ tls, host: placement.serverHost, ...(placement.serverNetns !== undefined ? { netns: placement.serverNetns } : {}) }),
      client: (_case, tls) => {
        const client = new FailsWebTransportClient(tls, placement.keylogFile);
        if (placement.clientNetns === undefined) return client;
        return new NetnsNodeMessagesClient(client, { module: projectPath('harness/endpoints/fails-webtransport/client.ts'), application: 'webtransport', tls, netns: placement.clientNetns, ...keylog });
      },
    };
  },
});
