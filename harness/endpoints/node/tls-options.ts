// TLS client options every Node-side client shares: TLS 1.3 only, verified against the lab CA,
// and no session cache, so a "cold" handshake is really cold. The secure context (the parsed
// CA) is built once per CA file: building it inside a timed connect would add a millisecond
// or two before the SYN leaves, which the packet capture shows.
import { readFileSync } from 'node:fs';
import { createSecureContext, type ConnectionOptions, type SecureContext } from 'node:tls';
import type { ServerAddress, TlsMaterial } from '../types.js';

const contexts = new Map<string, SecureContext>();

function labSecureContext(caFile: string): SecureContext {
  let context = contexts.get(caFile);
  if (!context) {
    context = createSecureContext({ ca: readFileSync(caFile), minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' });
    contexts.set(caFile, context);
  }
  return context;
}

export function labTlsClientOptions(tls: TlsMaterial, target: ServerAddress, alpn: string[]): ConnectionOptions {
  return {
    host: target.host,
    port: target.port,
    servername: target.serverName,
    secureContext: labSecureContext(tls.caFile),
    rejectUnauthorized: true,
    minVersion: 'TLSv1.3',
    maxVersion: 'TLSv1.3',
    ALPNProtocols: alpn,
  };
}
