// Endpoint implementations by name: the one place that maps a case's client and server names
// to drivers.
import type { EndpointFactory } from '../scenario/run.js';
import type { CaseDefinition, ClientName, ServerName } from '../scenario/types.js';
import { NGTCP2_CLIENT_DEFAULT_WINDOWS, Ngtcp2Client } from './ngtcp2/client.js';
import { windowsForBdp, type Ngtcp2CongestionControl } from './ngtcp2/common.js';
import { NGTCP2_SERVER_DEFAULT_WINDOWS, Ngtcp2Server } from './ngtcp2/server.js';
import { NodeHttpsServer } from './node/https-server.js';
import { NodeTlsClient } from './node/tls-client.js';
import type { Application, ClientEndpoint, ServerEndpoint, TlsMaterial } from './types.js';
import { NetnsNodeClient } from './node/netns-node-client.js';
import { UndiciClient } from './undici/client.js';
import { CADDY_DEFAULT_BODY_SIZES, CaddyServer } from './caddy/server.js';
import { CurlClient } from './curl/client.js';
import { ChromiumClient } from './chromium/client.js';
import { SambaEndpoint, SmbClientEndpoint } from './samba/endpoints.js';

export interface EndpointPlacement {
  /** Address servers listen on. */
  serverHost: string;
  /** Namespaces of the lab; absent: everything on this host's loopback. */
  clientNetns?: string;
  serverNetns?: string;
  /** ngtcp2's initial RTT on both sides (its default, RFC 9002's 333 ms, when absent). */
  quicInitialRttMs?: number;
  /** Clients append their TLS secrets here, so the run's capture can be decrypted. */
  keylogFile?: string;
  /** The link's bandwidth-delay product: QUIC's flow-control windows are made at least twice it. */
  bdpBytes?: number;
  /** gtlsserver writes a qlog per connection, for its sender-side loss recovery (transfers). */
  serverQlog?: boolean;
  /** ngtcp2's congestion controller on both sides (default cubic, like the lab's TCP). */
  quicCongestionControl?: Ngtcp2CongestionControl;
  /** Body sizes ("/N") the run asks for: servers that serve files (Caddy) prepare them. */
  bodySizes?: readonly number[];
}

/** Every body size the cases ask for (transfers, objects), for servers that serve files. */
export function bodySizesOf(cases: readonly CaseDefinition[]): number[] {
  const sizes = cases.flatMap((c) => [c.parameters.bodyBytes, c.parameters.objectBytes].filter((v): v is number => typeof v === 'number'));
  return [...new Set(sizes)].sort((a, b) => a - b);
}

/** gtlsserver's port inside a namespace: the first one gets 4433, the next 4434, ... */
const NETNS_QUIC_BASE_PORT = 4433;
/** Caddy's port (TCP and UDP) inside a namespace: 8443, 8444, ... */
const NETNS_CADDY_BASE_PORT = 8443;

export function endpointFactory(placement: EndpointPlacement): EndpointFactory {
  const serverNetns = placement.serverNetns !== undefined ? { netns: placement.serverNetns } : {};
  const clientNetns = placement.clientNetns !== undefined ? { netns: placement.clientNetns } : {};
  const quic = {
    ...(placement.quicInitialRttMs !== undefined ? { initialRttMs: placement.quicInitialRttMs } : {}),
    ...(placement.quicCongestionControl !== undefined ? { cc: placement.quicCongestionControl } : {}),
  };
  const keylog = placement.keylogFile !== undefined ? { keylogFile: placement.keylogFile } : {};
  const inClientNetns = (client: ClientEndpoint, name: 'node-tls' | 'undici', application: Application, tls: TlsMaterial): ClientEndpoint =>
    placement.clientNetns === undefined ? client : new NetnsNodeClient(client, { client: name, application, tls, netns: placement.clientNetns, ...keylog });
  let quicServers = 0;
  let caddyServers = 0;
  let sambaServer: SambaEndpoint | undefined;
  return {
    server(name: ServerName, tls: TlsMaterial): ServerEndpoint {
      switch (name) {
        case 'node':
          return new NodeHttpsServer({ tls, host: placement.serverHost, ...serverNetns });
        case 'ngtcp2': {
          const port = placement.serverNetns !== undefined ? { port: NETNS_QUIC_BASE_PORT + quicServers++ } : {};
          const windows = placement.bdpBytes !== undefined ? { windows: windowsForBdp(placement.bdpBytes, NGTCP2_SERVER_DEFAULT_WINDOWS) } : {};
          return new Ngtcp2Server({ tls, host: placement.serverHost, ...serverNetns, ...quic, ...port, ...windows, qlog: placement.serverQlog === true });
        }
        case 'samba': {
          const server = new SambaEndpoint({ host: placement.serverHost, ...serverNetns, ...(placement.bodySizes !== undefined ? { fileSizes: placement.bodySizes } : {}) });
          sambaServer = server;
          return server;
        }
        case 'caddy': {
          const port = placement.serverNetns !== undefined ? { port: NETNS_CADDY_BASE_PORT + caddyServers++ } : {};
          const sizes = placement.bodySizes !== undefined ? { bodySizes: [...CADDY_DEFAULT_BODY_SIZES, ...placement.bodySizes] } : {};
          return new CaddyServer({ tls, host: placement.serverHost, ...serverNetns, ...port, ...sizes });
        }
      }
    },
    client(name: ClientName, definition: CaseDefinition, tls: TlsMaterial): ClientEndpoint {
      switch (name) {
        case 'node-tls':
          return inClientNetns(new NodeTlsClient(tls), 'node-tls', 'none', tls);
        case 'undici':
          if (definition.application !== 'h2' && definition.application !== 'http/1.1') {
            throw new Error(`undici speaks h2 and http/1.1, not ${definition.application} (case ${definition.id})`);
          }
          return inClientNetns(new UndiciClient(tls, definition.application, keylog), 'undici', definition.application, tls);
        case 'ngtcp2':
          return new Ngtcp2Client({
            tls,
            ...clientNetns,
            ...quic,
            ...keylog,
            ...(placement.bdpBytes !== undefined ? { windows: windowsForBdp(placement.bdpBytes, NGTCP2_CLIENT_DEFAULT_WINDOWS) } : {}),
          });
        case 'curl':
          if (definition.application !== 'h2' && definition.application !== 'http/1.1') {
            throw new Error(`curl speaks h2 and http/1.1, not ${definition.application} (case ${definition.id})`);
          }
          return new CurlClient(tls, definition.application, { ...clientNetns, ...keylog });
        case 'smbclient': {
          const encryption = definition.parameters.encryption === 'required' ? 'required' : 'off';
          const credentials = () => {
            if (!sambaServer) throw new Error(`case ${definition.id}: smbclient needs the run's Samba server`);
            return sambaServer.credentials();
          };
          return new SmbClientEndpoint(credentials, encryption, placement.clientNetns);
        }
        case 'chromium':
          if (definition.application !== 'h2' && definition.application !== 'h3') {
            throw new Error(`chromium is driven over h2 and h3, not ${definition.application} (case ${definition.id})`);
          }
          return new ChromiumClient(tls, definition.application, { ...clientNetns, ...keylog });
      }
    },
  };
}
