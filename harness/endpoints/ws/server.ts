// Driver for the ws echo server (server-main.ts), run as a child process in the server namespace.
import { NodeTlsScriptServer, type NodeTlsServerKind } from '../node/script-server.js';
import type { TlsMaterial } from '../types.js';
import { WS_VERSION } from './client.js';
import { ECHO_PATH, WS_MAX_PAYLOAD_BYTES } from './settings.js';

const WS_SERVER: NodeTlsServerKind = {
  implementation: 'ws-server',
  speaks: [{ protocol: 'tcp-tls', application: 'websocket' }],
  script: 'harness/endpoints/ws/server-main.ts',
  version: () => WS_VERSION,
  settings: {
    tls: 'TLSv1.3 only',
    openssl: process.versions.openssl ?? null,
    path: ECHO_PATH,
    echo: 'every binary message sent back as it is',
    perMessageDeflate: false,
    maxPayloadBytes: WS_MAX_PAYLOAD_BYTES,
    tcpNoDelay: true,
  },
};

export function wsServer(options: { tls: TlsMaterial; host: string; port?: number; netns?: string }): NodeTlsScriptServer {
  return new NodeTlsScriptServer(WS_SERVER, options);
}
