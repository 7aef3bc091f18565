// Before a run against a target: its name resolved once, one HTTPS GET (its Server and Alt-Svc
// headers, the certificate chain it sends, whether it verifies), and the TLS material every
// client gets. A target that cannot be reached or verified is refused here, before any sample.
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { RemoteServer } from '../endpoints/target/server.js';
import type { TlsMaterial } from '../endpoints/types.js';
import { probeTcpTls, type TcpTlsProbeResult } from '../probe/tcp-tls.js';
import { resolveTarget, type ProbeTarget } from '../probe/target.js';
import type { CertificatesInfo } from '../results/schema.js';
import { SYSTEM_CA_BUNDLE } from '../pki/system-trust.js';
import type { TargetRequest } from './target-run.js';
import { TargetRequestError } from './target-error.js';

const PREPARE_TIMEOUT_MS = 10_000;

export interface PreparedTarget {
  resolved: ProbeTarget;
  remote: RemoteServer;
  tls: TlsMaterial;
  certificates: CertificatesInfo;
  /** What the GET before the run saw (its connect time is one round trip of the path). */
  probe: TcpTlsProbeResult;
}

/** The chain the target sent, as the result records a run's certificates. */
export function certificatesOfChain(probe: Pick<TcpTlsProbeResult, 'chain' | 'chainBytes'>, caFingerprintSha256: string): CertificatesInfo {
  const leaf = probe.chain[0];
  if (leaf === undefined) throw new TargetRequestError('--target: the server sent no certificate');
  return {
    // As the lab PKI records its own: "RSA" or "ECDSA", and the key's bits.
    keyType: leaf.keyType,
    keyBits: leaf.keyBits ?? 1,
    chainLength: probe.chain.length,
    chainBytes: probe.chainBytes,
    caFingerprintSha256,
  };
}

export async function prepareTarget(request: TargetRequest, lookupName?: (host: string) => Promise<string>): Promise<PreparedTarget> {
  const resolved = await resolveTarget(request.url, request.resolve, lookupName).catch((error: unknown) => {
    throw new TargetRequestError(error instanceof Error ? error.message : String(error));
  });
  if (request.viaLab && !/^\d+\.\d+\.\d+\.\d+$/.test(resolved.address)) throw new TargetRequestError(`--via-lab: IPv4 targets only, ${resolved.host} is ${resolved.address}`);
  const caFile = request.caFile ?? SYSTEM_CA_BUNDLE;
  const ca = await readFile(caFile, 'utf8').catch((error: unknown) => {
    throw new TargetRequestError(`--ca ${caFile}: ${error instanceof Error ? error.message : String(error)}`);
  });
  const probe = await probeTcpTls({ target: resolved, timeoutMs: PREPARE_TIMEOUT_MS, ca });
  const where = `${resolved.host}:${resolved.port} (${resolved.address})`;
  if (!probe.reachable) throw new TargetRequestError(`--target: ${where} is not reachable over TCP: ${probe.error ?? 'no answer'}`);
  if (probe.authorized !== true) throw new TargetRequestError(`--target: ${where}'s certificate does not verify against ${caFile}: ${probe.authorizationError ?? probe.error ?? 'unknown reason'} (give the CA with --ca)`);
  if (probe.tlsVersion !== 'TLSv1.3') throw new TargetRequestError(`--target: ${where} negotiated ${probe.tlsVersion ?? 'no TLS'}, the lab compares TLS 1.3 only`);
  const caFingerprint = request.caFile !== undefined ? new X509Certificate(ca).fingerprint256.replaceAll(':', '').toLowerCase() : 'system trust store';
  return {
    resolved,
    remote: {
      address: { host: resolved.address, port: resolved.port, serverName: resolved.host },
      serverHeader: probe.server,
      altSvc: probe.altSvc,
      url: request.url.template,
    },
    // Clients verify the server only: no chain or key of ours.
    tls: { caFile, serverName: resolved.host, chainFile: '', keyFile: '' },
    certificates: certificatesOfChain(probe, caFingerprint),
    probe,
  };
}
