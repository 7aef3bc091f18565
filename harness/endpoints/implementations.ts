// Every implementation the lab can run, one line each. Adding one: a folder under endpoints/
// with an index.ts that exports its descriptor (see descriptor.ts), and a line here. The
// registry, the name types and the matrix's checks are derived from this list.
import { caddy } from './caddy/index.js';
import { chromium } from './chromium/index.js';
import { curl } from './curl/index.js';
import type { ClientNameOf, ImplementationDescriptor, ServerNameOf } from './descriptor.js';
import { ngtcp2 } from './ngtcp2/index.js';
import { node } from './node/index.js';
import { quicGo } from './quic-go/index.js';
import { quiche } from './quiche/index.js';
import { aioquic } from './aioquic/index.js';
import { samba } from './samba/index.js';
import { target } from './target/index.js';
import { undici } from './undici/index.js';
import { webTransportGo } from './webtransport-go/index.js';
import { ws } from './ws/index.js';
import { failsWebtransport } from './fails-webtransport/index.js';
import { iperf3 } from './iperf3/index.js';

/** In the order the command line lists them. */
export const IMPLEMENTATIONS = [node, undici, ngtcp2, quicGo, quiche, aioquic, caddy, curl, chromium, samba, webTransportGo, ws, failsWebtransport, iperf3, target] as const satisfies readonly ImplementationDescriptor[];

type Listed = (typeof IMPLEMENTATIONS)[number];
/** A server's name on the command line and in case definitions ("node", "ngtcp2", "quic-go", ...). */
export type ServerName = ServerNameOf<Listed>;
/** A client's name ("node-tls", "undici", "ngtcp2", "quic-go", ...). */
export type ClientName = ClientNameOf<Listed>;
