// curl (Debian 7.88): HTTP/1.1 and HTTP/2 over TCP+TLS, timed by its --write-out.
import { dpkgVersion } from '../../process/dpkg-version.js';
import { H1_H2, defineImplementation, probeVersion } from '../descriptor.js';
import { CURL_SESSION_MODES, CURL_SESSION_NOTE, CurlClient } from './client.js';

export const curl = defineImplementation({
  name: 'curl',
  install: 'Debian package curl (npm run setup)',
  client: {
    name: 'curl',
    implementation: 'curl',
    selectable: true,
    speaks: H1_H2,
    sessionModes: CURL_SESSION_MODES,
    sessionNote: CURL_SESSION_NOTE,
    can: { exchange: true, batch: true, copy: 'an HTTP client: no SMB file copy', messages: 'an HTTP client: no WebTransport or WebSocket messages' },
    version: probeVersion(() => dpkgVersion('curl')),
  },
  open(placement) {
    return {
      client: (definition, tls) => {
        if (definition.application !== 'h2' && definition.application !== 'http/1.1') {
          throw new Error(`curl speaks h2 and http/1.1, not ${definition.application} (case ${definition.id})`);
        }
        return new CurlClient(tls, definition.application, {
          ...(placement.clientNetns !== undefined ? { netns: placement.clientNetns } : {}),
          ...(placement.keylogFile !== undefined ? { keylogFile: placement.keylogFile } : {}),
        });
      },
    };
  },
});
