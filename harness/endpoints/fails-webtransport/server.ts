// Driver for the WebTransport-over-HTTP/2 echo server (server-main.ts), run as a child process
// in the server namespace.
import { NodeTlsScriptServer, type NodeTlsServerKind } from '../node/script-server.js';
import type { TlsMaterial } from '../types.js';
import { DATAGRAM_NOTE, ECHO_PATH, failsVersion } from './settings.js';

const FAILS_SERVER: NodeTlsServerKind = {
  implementation: 'fails-webtransport-server',
  speaks: [{ protocol: 'tcp-tls', application: 'webtransport' }],
  script: 'harness/endpoints/fails-webtransport/server-main.ts',
  version: failsVersion,
  settings: {
    transport: 'WebTransport over HTTP/2 (Http2Server, reliable only)',
    tls: 'TLSv1.3 only',
    path: ECHO_PATH,
    echo: 'every datagram and every bidirectional stream sent back as it arrives',
    datagrams: DATAGRAM_NOTE,
  },
};

export function failsWebTransportServer(options: { tls: TlsMaterial; host: string; port?: number; netns?: string }): NodeTlsScriptServer {
  return new NodeTlsScriptServer(FAILS_SERVER, options);
}
