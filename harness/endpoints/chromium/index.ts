// Chromium, headless, driven over the DevTools protocol: page loads over HTTP/2 and HTTP/3, and
// WebTransport sessions over HTTP/3 (the realtime scenario's messages).
import { H3, defineImplementation, probeVersion } from '../descriptor.js';
import { ChromiumClient } from './client.js';
import { chromiumVersion } from './headless.js';

export const chromium = defineImplementation({
  name: 'chromium',
  install: 'Debian package chromium (npm run setup)',
  client: {
    name: 'chromium',
    implementation: 'chromium',
    selectable: true,
    speaks: [{ protocol: 'tcp-tls', application: 'h2' }, ...H3, { protocol: 'quic', application: 'webtransport' }],
    sessionModes: ['cold'],
    sessionNote: 'each page load uses a fresh browser profile',
    noUploads: 'the browser client loads pages; it does not upload',
    can: { exchange: true, batch: true, copy: 'a browser: no SMB file copy', messages: true },
    version: probeVersion(chromiumVersion),
  },
  open(placement) {
    return {
      client: (definition, tls) => {
        if (definition.application !== 'h2' && definition.application !== 'h3' && definition.application !== 'webtransport') {
          throw new Error(`chromium is driven over h2, h3 and WebTransport (over HTTP/3), not ${definition.application} (case ${definition.id})`);
        }
        return new ChromiumClient(tls, definition.application, {
          ...(placement.clientNetns !== undefined ? { netns: placement.clientNetns } : {}),
          ...(placement.keylogFile !== undefined ? { keylogFile: placement.keylogFile } : {}),
        });
      },
    };
  },
});
