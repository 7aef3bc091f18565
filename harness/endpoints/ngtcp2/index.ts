// ngtcp2's example HTTP/3 server and client (gtlsserver, gtlsclient; ngtcp2 1.x, on Debian 12
// from bookworm-backports) as one implementation with both roles.
import { dpkgVersion } from '../../process/dpkg-version.js';
import { H3, defineImplementation, probeVersion } from '../descriptor.js';
import type { EndpointPlacement } from '../types.js';
import { NGTCP2_CLIENT_DEFAULT_WINDOWS, Ngtcp2Client } from './client.js';
import { ngtcp2CongestionControl, windowsForBdp, type Ngtcp2CongestionControl } from './common.js';
import { NGTCP2_SERVER_DEFAULT_WINDOWS, Ngtcp2Server } from './server.js';
import { DEFAULT_SERVED_BODY_SIZES } from '../../files/served-bodies.js';

/** gtlsserver's port inside a namespace: the first one gets 4433, the next 4434, ... */
const NETNS_QUIC_BASE_PORT = 4433;

/** The placement's QUIC options as the examples' flags take them. */
function quicOptions(placement: EndpointPlacement): { initialRttMs?: number; cc?: Ngtcp2CongestionControl } {
  return {
    ...(placement.quic?.initialRttMs !== undefined ? { initialRttMs: placement.quic.initialRttMs } : {}),
    ...(placement.quic?.congestionControl !== undefined ? { cc: ngtcp2CongestionControl(placement.quic.congestionControl) } : {}),
  };
}

export const ngtcp2 = defineImplementation({
  name: 'ngtcp2',
  install: 'Debian packages ngtcp2-server and ngtcp2-client 1.x (Debian 12: from bookworm-backports, pinned; npm run setup)',
  server: {
    name: 'ngtcp2',
    implementation: 'ngtcp2-gtlsserver',
    selectable: true,
    speaks: H3,
    sessionModes: ['cold', 'resumed', 'early-data'],
    version: probeVersion(() => dpkgVersion('ngtcp2-server')),
  },
  client: {
    name: 'ngtcp2',
    implementation: 'ngtcp2-gtlsclient',
    selectable: true,
    speaks: H3,
    sessionModes: ['cold', 'resumed', 'early-data'],
    can: { exchange: true, batch: true, copy: 'an HTTP/3 client: no SMB file copy', messages: 'an HTTP client: no WebTransport or WebSocket messages' },
    version: probeVersion(() => dpkgVersion('ngtcp2-client')),
  },
  open(placement) {
    const quic = quicOptions(placement);
    let servers = 0;
    return {
      server: (tls) => {
        const port = placement.serverNetns !== undefined ? { port: NETNS_QUIC_BASE_PORT + servers++ } : {};
        const windows = placement.bdpBytes !== undefined ? { windows: windowsForBdp(placement.bdpBytes, NGTCP2_SERVER_DEFAULT_WINDOWS) } : {};
        return new Ngtcp2Server({
          tls,
          host: placement.serverHost,
          ...(placement.serverNetns !== undefined ? { netns: placement.serverNetns } : {}),
          ...quic,
          ...port,
          ...windows,
          qlog: placement.recordServerRecovery === true,
          ...(placement.bodySizes !== undefined ? { bodySizes: [...DEFAULT_SERVED_BODY_SIZES, ...placement.bodySizes] } : {}),
        });
      },
      client: (_case, tls) =>
        new Ngtcp2Client({
          tls,
          ...(placement.clientNetns !== undefined ? { netns: placement.clientNetns } : {}),
          ...quic,
          ...(placement.keylogFile !== undefined ? { keylogFile: placement.keylogFile } : {}),
          ...(placement.bdpBytes !== undefined ? { windows: windowsForBdp(placement.bdpBytes, NGTCP2_CLIENT_DEFAULT_WINDOWS) } : {}),
        }),
    };
  },
});
