// What smb-probe prints: one block per transport, the certificate chain and what is wrong
// with it for SMB over QUIC, and the SMB2 NEGOTIATE over QUIC and over TCP side by side.
import type { NegotiateOutcome } from './negotiate-exchange.js';
import type { SmbQuicNegotiate, SmbQuicProbeResult } from './quic-probe.js';
import type { SmbTcpProbeResult } from './tcp-probe.js';

const ms = (value: number | null): string => (value === null ? '-' : `${value.toFixed(1)} ms`);

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
  const lines = [`SMB over TCP   ${result.host}:${result.port}: ${result.reachable ? 'reachable' : 'not reachable'}` + (result.reachable ? `, connect ${ms(result.connectMs)}` : '')];
  if (result.error) lines.push(`  error: ${result.error}`);
  return lines;
}

/** One transport's NEGOTIATE for the comparison: null when the transport was not probed. */
export interface NegotiateSide {
  /** Why there is no outcome when the exchange was not even tried ("no SMB over QUIC handshake"). */
  notTried?: string;
  negotiateMs: number | null;
  dialectsOffered: string[];
  outcome: NegotiateOutcome | null;
  error?: string;
}

export function quicNegotiateSide(result: SmbQuicProbeResult): NegotiateSide {
  const negotiate: SmbQuicNegotiate | null = result.negotiate;
  if (negotiate === null) return { notTried: result.alpn === 'smb' ? 'not tried' : 'no SMB over QUIC handshake', negotiateMs: null, dialectsOffered: [], outcome: null };
  return { negotiateMs: negotiate.negotiateMs, dialectsOffered: negotiate.dialectsOffered, outcome: negotiate.outcome, ...(negotiate.error !== undefined ? { error: negotiate.error } : {}) };
}

export function tcpNegotiateSide(result: SmbTcpProbeResult): NegotiateSide {
  if (!result.reachable) return { notTried: 'no TCP connection', negotiateMs: null, dialectsOffered: [], outcome: null };
  const outcome: NegotiateOutcome | null =
    result.dialect === null || result.signingEnabled === null || result.signingRequired === null || result.encryptionSupported === null || result.serverGuid === null
      ? null
      : {
          dialect: result.dialect,
          signingEnabled: result.signingEnabled,
          signingRequired: result.signingRequired,
          encryptionSupported: result.encryptionSupported,
          cipher: result.cipher,
          signingAlgorithm: result.signingAlgorithm,
          capabilities: result.capabilities,
          preauthHash: result.preauthHash,
          maxTransactSize: result.maxTransactSize ?? 0,
          maxReadSize: result.maxReadSize ?? 0,
          maxWriteSize: result.maxWriteSize ?? 0,
          serverGuid: result.serverGuid,
          serverSystemTime: result.serverSystemTime,
        };
  return { negotiateMs: result.negotiateMs, dialectsOffered: result.dialectsOffered, outcome, ...(result.error !== undefined ? { error: result.error } : {}) };
}

const ROWS: Array<[label: string, value: (o: NegotiateOutcome) => string]> = [
  ['dialect', (o) => o.dialect],
  ['signing', (o) => `${o.signingEnabled ? 'enabled' : 'off'}, ${o.signingRequired ? 'required' : 'not required'}${o.signingAlgorithm ? ` (${o.signingAlgorithm})` : ''}`],
  ['encryption', (o) => `${o.encryptionSupported ? 'yes' : 'no'}${o.cipher ? ` (${o.cipher})` : ''}`],
  ['capabilities', (o) => o.capabilities.join(' ') || '-'],
  ['max read/write', (o) => `${o.maxReadSize}/${o.maxWriteSize} bytes`],
  ['server GUID', (o) => o.serverGuid],
];

/**
 * The NEGOTIATE over QUIC and over TCP in two columns, a row per property, "differs" where
 * the two answers differ; then why a side has no answer. Either side may be null (not probed).
 */
export function renderNegotiateComparison(quic: NegotiateSide | null, tcp: NegotiateSide | null): string[] {
  const sides = [quic, tcp];
  const cell = (side: NegotiateSide | null, value: (o: NegotiateOutcome) => string): string => {
    if (side === null) return 'not probed';
    if (side.outcome !== null) return value(side.outcome);
    return side.notTried ?? 'no answer';
  };
  const rows: string[][] = [
    ['SMB2 NEGOTIATE', 'over QUIC', 'over TCP'],
    ['offered', ...sides.map((side) => (side === null ? 'not probed' : side.dialectsOffered.join(' ') || '-'))],
    ['answered in', ...sides.map((side) => (side === null ? 'not probed' : side.negotiateMs !== null ? ms(side.negotiateMs) : (side.notTried ?? 'no answer')))],
    // The properties only when one side has an answer to show.
    ...(sides.some((side) => side?.outcome != null) ? ROWS.map(([label, value]) => [label, ...sides.map((side) => cell(side, value))]) : []),
  ];
  const widths = [0, 1].map((column) => Math.max(...rows.map((row) => row[column]?.length ?? 0)));
  const both = quic?.outcome != null && tcp?.outcome != null;
  const lines = rows.map((row, index) => {
    const [label = '', left = '', right = ''] = row;
    const differs = both && index >= 3 && left !== right;
    return `  ${label.padEnd(widths[0] ?? 0)}  ${left.padEnd(widths[1] ?? 0)}  ${right}${differs ? '   <- differs' : ''}`.trimEnd();
  });
  if (quic?.error) lines.push(`  over QUIC: ${quic.error}`);
  if (tcp?.error) lines.push(`  over TCP: ${tcp.error}`);
  if (both && quic.outcome?.serverGuid === tcp.outcome?.serverGuid) lines.push('  the same SMB server answered both (same server GUID)');
  return lines;
}
