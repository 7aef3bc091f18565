// What the @fails-components/webtransport server, client and descriptor share.
import { readFileSync } from 'node:fs';
import { projectPath } from '../../project-root.js';

export const ECHO_PATH = '/echo';
export const FAILS_MODES = ['datagram', 'stream-per-message', 'long-stream'] as const;
/** Over HTTP/2 a "datagram" is a DATAGRAM capsule on the CONNECT stream: reliable and ordered behind everything on the TCP connection. */
export const DATAGRAM_NOTE = 'WebTransport over HTTP/2 carries datagrams in capsules on the session stream: reliable and in order (TCP), never lost or reordered';
export const HTTP3_NOTE =
  "its HTTP/3 transport is the separate package @fails-components/webtransport-transport-http3-quiche, a native addon whose prebuilt binary is downloaded from outside the package registries at install time and whose source build needs BoringSSL and Google's quiche from outside them: not available here (WebTransport over HTTP/3 comes from webtransport-go)";

/** The installed package's version (its package.json is not among its exports). */
export function failsVersion(): string {
  return (JSON.parse(readFileSync(projectPath('node_modules/@fails-components/webtransport/package.json'), 'utf8')) as { version: string }).version;
}
