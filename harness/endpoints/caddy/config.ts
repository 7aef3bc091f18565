// The JSON configuration the lab's Caddy runs with (Caddy 2.11 native format, not a
// Caddyfile: every setting is spelled out, nothing is adapted or defaulted behind our back).
//
// One server, one port: HTTP/1.1 and HTTP/2 on TCP, HTTP/3 (quic-go) on UDP, TLS 1.3 only
// with the lab certificate loaded from files. Nothing reaches outside the host: the admin
// endpoint is off, automatic HTTPS is off (no ACME, no redirect listener on port 80), OCSP
// stapling is off (the lab certificates carry no responder or issuer URL either), and the
// configuration is not autosaved.
//
// What it serves: GET or HEAD of "/N" is the file named N in `bodiesDir` (Go's
// http.ServeContent: Range requests, ETag, Last-Modified); any other method on "/N" is a 405
// (the static file server cannot take and count an upload); anything else, or a size with
// no file, is a 404 whose body says why.
import type { TlsMaterial } from '../types.js';

/** The one server's name in the config (and in Caddy's logs). */
export const CADDY_SERVER_NAME = 'lab';
/** Tag of the lab certificate: the connection policy selects it by this, whatever the SNI. */
const CERTIFICATE_TAG = 'lab-certificate';
/** Paths the lab serves: "/N", N of up to 10 digits (files/generated-body.ts's bodySizeFromPath). */
const BODY_PATH_PATTERN = '^/[0-9]{1,10}$';

export interface CaddyConfigInput {
  /** IP literal to listen on. */
  host: string;
  /** TCP and UDP port. */
  port: number;
  tls: Pick<TlsMaterial, 'chainFile' | 'keyFile' | 'serverName'>;
  /** Directory of the body files, each named by its size in bytes. */
  bodiesDir: string;
  /** Caddy's storage (certmagic's locks and cleaning marks; no certificates are issued). */
  storageDir: string;
  /** Caddy's own log level; default INFO (quic-go's buffer warning and startup lines). */
  logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** How long a stopping server lets open connections finish (default 1 s, under ManagedProcess's 2 s SIGKILL). */
  gracePeriod?: string;
}

/** A listener address as Caddy parses it ("[::1]:443" for IPv6). */
export function caddyListenAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export function caddyConfig(input: CaddyConfigInput): Record<string, unknown> {
  const notFoundBody = 'Not found: this lab server serves GET /N for the sizes N prepared for it (CaddyServer.prepareBodies), nothing else.\n';
  return {
    admin: { disabled: true, config: { persist: false } },
    logging: {
      logs: {
        default: { writer: { output: 'stderr' }, encoder: { format: 'json' }, level: input.logLevel ?? 'INFO' },
      },
    },
    storage: { module: 'file_system', root: input.storageDir },
    apps: {
      tls: {
        certificates: {
          load_files: [{ certificate: input.tls.chainFile, key: input.tls.keyFile, tags: [CERTIFICATE_TAG] }],
        },
        // This is what keeps Caddy from stapling the loaded certificates (without it, it tries and logs
        // "no OCSP server specified in certificate" for the lab's; a certificate with a
        // responder URL would be fetched from it).
        disable_ocsp_stapling: true,
        // The catch-all automation policy: no subject is managed (automatic HTTPS is off), and
        // its OCSP maintenance is off as well.
        automation: { policies: [{ disable_ocsp_stapling: true }] },
      },
      http: {
        grace_period: input.gracePeriod ?? '1s',
        servers: {
          [CADDY_SERVER_NAME]: {
            listen: [caddyListenAddress(input.host, input.port)],
            protocols: ['h1', 'h2', 'h3'],
            automatic_https: { disable: true },
            tls_connection_policies: [
              {
                certificate_selection: { any_tag: [CERTIFICATE_TAG] },
                // A client that sends no SNI (an IP literal) still gets the lab certificate.
                default_sni: input.tls.serverName,
                protocol_min: 'tls1.3',
                protocol_max: 'tls1.3',
              },
            ],
            routes: [
              {
                match: [{ path_regexp: { pattern: BODY_PATH_PATTERN }, method: ['GET', 'HEAD'] }],
                handle: [{ handler: 'file_server', root: input.bodiesDir }],
                terminal: true,
              },
              {
                match: [{ path_regexp: { pattern: BODY_PATH_PATTERN } }],
                handle: [
                  {
                    handler: 'static_response',
                    status_code: 405,
                    headers: { Allow: ['GET, HEAD'] },
                    body: 'Method not allowed: the lab Caddy server serves files and takes no uploads.\n',
                    close: false,
                  },
                ],
                terminal: true,
              },
              { handle: [{ handler: 'static_response', status_code: 404, body: notFoundBody }], terminal: true },
            ],
            // A "/N" whose file is missing: the file server's 404 error, answered with the reason.
            errors: {
              routes: [
                {
                  match: [{ expression: '{http.error.status_code} == 404' }],
                  handle: [{ handler: 'static_response', status_code: 404, body: notFoundBody }],
                },
              ],
            },
          },
        },
      },
    },
  };
}
