// What smb-probe prints: one block per transport, the certificate chain and what is wrong
// with it for SMB over QUIC, and the SMB2 NEGOTIATE outcome.
import type { SmbQuicProbeResult } from './quic-probe.js';
import type { SmbTcpProbeResult } from './tcp-probe.js';

const ms = (value: number | null): string => (value === null ? '-' : `${value.toFixed(1)} ms`);
const yesNo = (value: boolean | null): string => (value === null ? '-' : value ? 'yes' : 'no');

export function renderQuicProbe(result: SmbQuicProbeResult): string[] {
  const { host, port, serverName } = result.target;
  const lines = [
    `SMB over QUIC  ${host}:${port} (${serverName}): ${result.reachable ? 'reachable' : 'not reachable'}` +
      (result.reachable ? `, handshake ${ms(result.handshakeMs)}${result.timing.retry ? ' (with a Retry round trip)' : ''}, ALPN ${result.alpn ?? 'none'}` : ''),
  ];
  for (const [i, c] of result.certificateChain.entries()) {
    lines.push(`  #${i} ${c.subject}`, `     SANs ${c.subjectAltNames.join(', ') || '-'}; issuer ${c.issuer}`, `     valid ${c.notBefore} to ${c.notAfter}; ${c.keyType} ${c.keyBits ?? ''}`.trimEnd());
  }
  lines.push(...(result.problems.length > 0 ? result.problems.map((p) => `  problem: ${p}`) : result.reachable ? ['  no problems for SMB over QUIC'] : []));
  if (result.error) lines.push(`  error: ${result.error}`);
  return lines;
}

export function renderTcpProbe(result: SmbTcpProbeResult): string[] {
  const lines = [`SMB over TCP   ${result.host}:${result.port}: ${result.reachable ? 'reachable' : 'not reachable'}` + (result.reachable ? `, connect ${ms(result.connectMs)}, NEGOTIATE ${ms(result.negotiateMs)}` : '')];
  if (result.dialect !== null) {
    lines.push(
      `  dialects offered ${result.dialectsOffered.join(', ')}; chosen ${result.dialect}`,
      `  signing enabled ${yesNo(result.signingEnabled)}, required ${yesNo(result.signingRequired)}${result.signingAlgorithm ? ` (${result.signingAlgorithm})` : ''}; ` +
        `encryption ${yesNo(result.encryptionSupported)}${result.cipher ? ` (${result.cipher})` : ''}`,
    );
  }
  if (result.error) lines.push(`  error: ${result.error}`);
  return lines;
}
