// Caddy (the current release, built from its Go modules by setup: peers/caddy): HTTP/1.1,
// HTTP/2 and HTTP/3 (quic-go) on one port, serving files.
import { runCommand } from '../../process/managed-process.js';
import { peerBuilt } from '../peer-build.js';
import { H1_H2, H3, defineImplementation, probeVersion } from '../descriptor.js';
import { CADDY_COMMAND, CADDY_DEFAULT_BODY_SIZES, CaddyServer } from './server.js';

/** Caddy's port (TCP and UDP) inside a namespace: 8443, 8444, ... */
const NETNS_CADDY_BASE_PORT = 8443;

export const caddy = defineImplementation({
  name: 'caddy',
  install: 'peers/caddy, built with Go by npm run setup',
  server: {
    name: 'caddy',
    implementation: 'caddy',
    selectable: true,
    speaks: [...H1_H2, ...H3],
    sessionModes: ['cold', 'resumed', 'early-data'],
    earlyData: { protocols: ['quic'], note: "Go's TLS, which Caddy uses over TCP, has no 0-RTT; quic-go accepts it" },
    noUploads: "Caddy's static file server cannot count and check an upload",
    // `caddy version`: "v2.11.9 h1:..." (null when setup did not build it).
    version: probeVersion(async () => {
      if (!peerBuilt('caddy')) return null;
      const r = await runCommand({ name: 'caddy version', command: CADDY_COMMAND, args: ['version'], timeoutMs: 5000 });
      return /^v?(\d+\.\d+\.\d+\S*)/.exec(r.stdout)?.[1] ?? null;
    }),
  },
  open(placement) {
    let servers = 0;
    return {
      server: (tls) => {
        const port = placement.serverNetns !== undefined ? { port: NETNS_CADDY_BASE_PORT + servers++ } : {};
        const sizes = placement.bodySizes !== undefined ? { bodySizes: [...CADDY_DEFAULT_BODY_SIZES, ...placement.bodySizes] } : {};
        return new CaddyServer({ tls, host: placement.serverHost, ...(placement.serverNetns !== undefined ? { netns: placement.serverNetns } : {}), ...port, ...sizes });
      },
    };
  },
});
