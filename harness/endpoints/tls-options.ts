// TLS client options every Node-side client shares: TLS 1.3 only, verified against the lab CA,
// and no session cache, so a "cold" handshake is really cold.
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { ServerAddress, TlsMaterial } from './types.js';

export function labTlsClientOptions(tls: TlsMaterial, target: ServerAddress, alpn: string[]): ConnectionOptions {
  return {
    host: target.host,
    port: target.port,
    servername: target.serverName,
    ca: readFileSync(tls.caFile),
    rejectUnauthorized: true,
    minVersion: 'TLSv1.3',
    maxVersion: 'TLSv1.3',
    ALPNProtocols: alpn,
  };
}
