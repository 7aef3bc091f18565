// Endpoint implementations by name: the one place that maps a case's client and server names
// to drivers.
import type { EndpointFactory } from '../scenario/run.js';
import type { CaseDefinition, ClientName, ServerName } from '../scenario/types.js';
import { Ngtcp2Client } from './ngtcp2-client.js';
import { Ngtcp2Server } from './ngtcp2-server.js';
import { NodeHttpsServer } from './node-https-server.js';
import { NodeTlsClient } from './node-tls-client.js';
import type { ClientEndpoint, ServerEndpoint, TlsMaterial } from './types.js';
import { UndiciClient } from './undici-client.js';

export interface EndpointPlacement {
  tls: TlsMaterial;
  /** Address servers listen on. */
  serverHost: string;
}

export function endpointFactory(placement: EndpointPlacement): EndpointFactory {
  return {
    server(name: ServerName): ServerEndpoint {
      switch (name) {
        case 'node':
          return new NodeHttpsServer({ tls: placement.tls, host: placement.serverHost });
        case 'ngtcp2':
          return new Ngtcp2Server({ tls: placement.tls, host: placement.serverHost });
      }
    },
    client(name: ClientName, definition: CaseDefinition): ClientEndpoint {
      switch (name) {
        case 'node-tls':
          return new NodeTlsClient(placement.tls);
        case 'undici':
          if (definition.application !== 'h2' && definition.application !== 'http/1.1') {
            throw new Error(`undici speaks h2 and http/1.1, not ${definition.application} (case ${definition.id})`);
          }
          return new UndiciClient(placement.tls, definition.application);
        case 'ngtcp2':
          return new Ngtcp2Client({ tls: placement.tls });
      }
    },
  };
}
