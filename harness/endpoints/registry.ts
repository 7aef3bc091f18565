// Endpoint implementations by name: the one place that maps a case's client and server names
// to drivers.
import type { EndpointFactory } from '../scenario/run.js';
import type { CaseDefinition, ClientName, ServerName } from '../scenario/types.js';
import { Ngtcp2Client } from './ngtcp2-client.js';
import { Ngtcp2Server } from './ngtcp2-server.js';
import { NodeHttpsServer } from './node-https-server.js';
import { NodeTlsClient } from './node-tls-client.js';
import type { Application, ClientEndpoint, ServerEndpoint, TlsMaterial } from './types.js';
import { NetnsNodeClient } from './netns-node-client.js';
import { UndiciClient } from './undici-client.js';

export interface EndpointPlacement {
  tls: TlsMaterial;
  /** Address servers listen on. */
  serverHost: string;
  /** Namespaces of the lab; absent: everything on this host's loopback. */
  clientNetns?: string;
  serverNetns?: string;
  /** ngtcp2's initial RTT on both sides (its default, RFC 9002's 333 ms, when absent). */
  quicInitialRttMs?: number;
}

export function endpointFactory(placement: EndpointPlacement): EndpointFactory {
  const serverNetns = placement.serverNetns !== undefined ? { netns: placement.serverNetns } : {};
  const clientNetns = placement.clientNetns !== undefined ? { netns: placement.clientNetns } : {};
  const quic = placement.quicInitialRttMs !== undefined ? { initialRttMs: placement.quicInitialRttMs } : {};
  const inClientNetns = (client: ClientEndpoint, name: 'node-tls' | 'undici', application: Application): ClientEndpoint =>
    placement.clientNetns === undefined ? client : new NetnsNodeClient(client, { client: name, application, tls: placement.tls, netns: placement.clientNetns });
  return {
    server(name: ServerName): ServerEndpoint {
      switch (name) {
        case 'node':
          return new NodeHttpsServer({ tls: placement.tls, host: placement.serverHost, ...serverNetns });
        case 'ngtcp2':
          return new Ngtcp2Server({ tls: placement.tls, host: placement.serverHost, ...serverNetns, ...quic });
      }
    },
    client(name: ClientName, definition: CaseDefinition): ClientEndpoint {
      switch (name) {
        case 'node-tls':
          return inClientNetns(new NodeTlsClient(placement.tls), 'node-tls', 'none');
        case 'undici':
          if (definition.application !== 'h2' && definition.application !== 'http/1.1') {
            throw new Error(`undici speaks h2 and http/1.1, not ${definition.application} (case ${definition.id})`);
          }
          return inClientNetns(new UndiciClient(placement.tls, definition.application), 'undici', definition.application);
        case 'ngtcp2':
          return new Ngtcp2Client({ tls: placement.tls, ...clientNetns, ...quic });
      }
    },
  };
}
