// webtransport-go (v0.13.0 over quic-go, peers/webtransport) as the lab's WebTransport over
// HTTP/3: an echo server at /echo and a message client (datagrams, a stream per message, one
// long stream) for the realtime scenario. Neither does plain HTTP exchanges.
import { defineImplementation } from '../descriptor.js';
import { peerProgramVersion } from '../peer-program/index.js';
import { WebTransportMessagesClient } from './messages-client.js';
import { webTransportProgram } from './program.js';
import { WebTransportEchoServer } from './server.js';

const WEBTRANSPORT_H3 = [{ protocol: 'quic', application: 'webtransport' }] as const;
const version = peerProgramVersion(webTransportProgram);

export const webTransportGo = defineImplementation({
  name: 'webtransport-go',
  install: 'peers/webtransport, built with Go by npm run setup',
  server: {
    name: 'webtransport-go',
    implementation: webTransportProgram.implementation.server,
    selectable: false,
    // quic speaks h3 underneath, but the server answers WebTransport sessions only.
    speaks: WEBTRANSPORT_H3,
    sessionModes: ['cold'],
    sessionNote: 'a fresh session per sample; the echo server keeps no tickets worth measuring',
    noUploads: 'an echo server: it serves no bodies and takes no uploads',
    version,
  },
  client: {
    name: 'webtransport-go',
    implementation: webTransportProgram.implementation.client,
    selectable: false,
    speaks: WEBTRANSPORT_H3,
    sessionModes: ['cold'],
    sessionNote: 'one fresh QUIC connection and WebTransport session per sample',
    noUploads: 'a WebTransport message client: no HTTP requests',
    can: {
      exchange: 'a WebTransport message client: no HTTP requests',
      batch: 'a WebTransport message client: no HTTP requests',
      copy: 'a WebTransport message client: no SMB file copy',
      messages: true,
    },
    version,
  },
  open(placement) {
    return {
      server: (tls) => new WebTransportEchoServer({ tls, host: placement.serverHost, ...(placement.serverNetns !== undefined ? { netns: placement.serverNetns } : {}) }),
      client: (definition, tls) => {
        if (definition.application !== 'webtransport') throw new Error(`webtransport-go's client speaks WebTransport, not ${definition.application} (case ${definition.id})`);
        return new WebTransportMessagesClient({
          tls,
          ...(placement.clientNetns !== undefined ? { netns: placement.clientNetns } : {}),
          ...(placement.keylogFile !== undefined ? { keylogFile: placement.keylogFile } : {}),
        });
      },
    };
  },
});
