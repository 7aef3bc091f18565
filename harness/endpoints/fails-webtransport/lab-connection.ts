// @fails-components/webtransport's WebTransport over HTTP/2 on a TLS connection of ours. The
// package's HTTP/2 client dials "https://<URL host>:<port>" itself and takes no trust anchor,
// server name or key log: it would resolve the lab's server name (which no resolver knows) and
// trust the system's CAs. So its transport's one connect step is replaced by this one: a
// node:tls socket to the target's address (TLS 1.3 only, verified against the lab CA with the
// server name, key log kept, timed from the connect call), and node:http2 over it with the
// package's own settings (extended CONNECT, the WebTransport flow-control SETTINGS). The
// session, its capsules, streams and flow control stay the package's. Left out: the package's
// once-a-second PING to estimate the RTT (for its stats, which nothing here reads).
import { connect as http2Connect, type ClientHttp2Session, type ClientSessionOptions, type Settings } from 'node:http2';
import { performance } from 'node:perf_hooks';
import { connect as tlsConnect } from 'node:tls';
import type { WebTransport } from '@fails-components/webtransport';
import type { ServerAddress, TlsMaterial } from '../types.js';
import type { KeylogWriter } from '../node/keylog-writer.js';
import { labTlsClientOptions } from '../node/tls-options.js';

/** The connection's milestones, in performance.now() time, and why it failed. */
export interface LabConnectionState {
  handshakeDoneMs?: number;
  error?: string;
}

export interface LabConnection {
  tls: TlsMaterial;
  target: ServerAddress;
  keylog?: KeylogWriter;
  state: LabConnectionState;
}

/** What the package's Http2WebTransportClient has that the connect step uses (lib/http2/node/client.js). */
interface PackageHttp2Client {
  clientInt?: ClientHttp2Session;
  jsobj: { onClientConnected(event: { success: boolean }): void; onClientWebTransportSupport(event: object): void };
  initialSessionFlowControlWindow: number;
  initialStreamFlowControlWindow: number;
  initialUnidirectionalStreams: number;
  initialBidirectionalStreams: number;
  createTransport(): void;
}

/** The WebTransport HTTP/2 SETTINGS (draft-ietf-webtrans-http2), as the package numbers them. */
const WT_SETTINGS = { initialMaxData: 0x2b61, initialMaxStreamDataUni: 0x2b62, initialMaxStreamDataBidi: 0x2b63, initialMaxStreamsUni: 0x2b64, initialMaxStreamsBidi: 0x2b65 } as const;

function connectTransport(this: PackageHttp2Client, lab: LabConnection): void {
  const { state } = lab;
  const socket = tlsConnect(labTlsClientOptions(lab.tls, lab.target, ['h2']));
  socket.setNoDelay(true);
  if (lab.keylog) {
    const keylog = lab.keylog;
    socket.on('keylog', (line) => keylog.write(line));
  }
  socket.once('secureConnect', () => (state.handshakeDoneMs = performance.now()));
  const options = {
    createConnection: () => socket,
    settings: {
      enableConnectProtocol: true,
      customSettings: {
        [WT_SETTINGS.initialMaxData]: this.initialSessionFlowControlWindow,
        [WT_SETTINGS.initialMaxStreamDataUni]: this.initialStreamFlowControlWindow,
        [WT_SETTINGS.initialMaxStreamDataBidi]: this.initialStreamFlowControlWindow,
        [WT_SETTINGS.initialMaxStreamsUni]: this.initialUnidirectionalStreams,
        [WT_SETTINGS.initialMaxStreamsBidi]: this.initialBidirectionalStreams,
      },
    },
    remoteCustomSettings: Object.values(WT_SETTINGS),
  } as ClientSessionOptions;
  const session = http2Connect(`https://${lab.target.serverName}:${lab.target.port}`, options);
  this.clientInt = session;
  let connected = false;
  session.on('connect', () => {
    connected = true;
    this.jsobj.onClientConnected({ success: true });
  });
  session.on('error', (error: Error) => {
    state.error ??= `${state.handshakeDoneMs === undefined ? 'TLS handshake failed: ' : ''}${error.message}`;
    if (!connected) this.jsobj.onClientConnected({ success: false });
  });
  session.on('remoteSettings', (settings: Settings) => {
    if (settings.enableConnectProtocol === true) this.jsobj.onClientWebTransportSupport({});
  });
}

type WebTransportClass = typeof WebTransport;
export type LabHttp2WebTransport = WebTransport;

let labClass: Promise<new (url: string, options: ConstructorParameters<WebTransportClass>[1], lab: LabConnection) => WebTransport> | undefined;

/**
 * The package's WebTransport, reliable only (HTTP/2), its connection made by connectTransport.
 * Loaded on first use: importing the package tries (and fails) to load its HTTP/3 addon and
 * says so on stdout and stderr, which no command that never uses it should print.
 */
export function labHttp2WebTransport(): NonNullable<typeof labClass> {
  labClass ??= import('@fails-components/webtransport').then(
    ({ WebTransport }) =>
      class extends WebTransport {
        constructor(url: string, options: ConstructorParameters<WebTransportClass>[1], lab: LabConnection) {
          super(url, { ...options, labConnection: lab } as ConstructorParameters<WebTransportClass>[1]);
        }

        // Called by the base constructor, before this class's own fields exist: the connection's
        // parameters come in `args`. The package's HTTP client keeps args.createReliableClient and
        // calls it once the connection is started; its transport gets our connect step.
        override createClient(args: Parameters<WebTransport['createClient']>[0]): ReturnType<WebTransport['createClient']> {
          const { labConnection, ...packageArgs } = args as typeof args & { labConnection: LabConnection };
          const made = super.createClient({ ...packageArgs, forceReliable: true } as typeof args);
          const client = made.client as unknown as { args: { createReliableClient: (client: unknown) => PackageHttp2Client } };
          const packageFactory = client.args.createReliableClient;
          client.args.createReliableClient = (httpClient) => {
            const transport = packageFactory(httpClient);
            transport.createTransport = () => connectTransport.call(transport, labConnection);
            return transport;
          };
          return made;
        }
      },
  );
  return labClass;
}
