// The QUIC side, through one of the lab's peer clients (aioquic by default, or quic-go) (peers/CONTRACT.md): a cold connection
// (handshake time, ALPN, version) and then an early-data one (a priming connection that
// fetches /0 and waits for a session ticket, then a connection that resumes and sends its
// request as 0-RTT). The client verifies the chain against --ca (the system bundle when none
// is given) and checks a response body against the lab's pattern: on a real site the body is
// not the pattern, so an error after the response headers is not a transport problem and is
// kept apart (`exchangeError`).
import { parseContractOutput, type ContractResult } from '../endpoints/peer-program/contract.js';
import { peerBuilt, peerMissingHint, peerPath } from '../endpoints/peer-build.js';
import { runCommand } from '../process/managed-process.js';
import { SYSTEM_CA_BUNDLE } from '../pki/system-trust.js';
import { h3Settings, type H3Settings } from './h3-settings.js';
import type { ProbeTarget } from './target.js';

/** The lab's peer clients the probe can drive (peers/CONTRACT.md). */
export const QUIC_CLIENT_PEERS = ['aioquic', 'quic-go'] as const;
export type QuicClientPeer = (typeof QUIC_CLIENT_PEERS)[number];
/**
 * aioquic's ClientHello (an X25519 or P-256 key share) fits one 1200-byte Initial datagram, as
 * the anti-amplification prediction assumes. quic-go's carries Go's X25519MLKEM768 hybrid key
 * share (about 1.2 KB by itself) and takes two Initial datagrams (2560 bytes of UDP payload
 * on loopback with v0.66.0, as the probe's capture shows), which doubles the server's budget.
 */
export const DEFAULT_QUIC_CLIENT: QuicClientPeer = 'aioquic';

export interface QuicConnectionResult {
  session: 'cold' | 'early-data';
  handshakeOk: boolean;
  handshakeMs: number | null;
  alpn: string | null;
  quicVersion: string | null;
  resumed: boolean | null;
  earlyDataAccepted: boolean | null;
  status: number | null;
  ttfbMs: number | null;
  /** The server's HTTP/3 SETTINGS; null when the client does not report them (quic-go) or the handshake failed. */
  h3Settings: H3Settings | null;
  /** Why the connection (or the priming one) failed. */
  error: string | null;
  /** A failure after the response headers (a body that is not the lab pattern): not the transport's. */
  exchangeError: string | null;
}

export interface QuicHandshakeResult {
  client: string;
  clientVersion: string | null;
  port: number;
  cold: QuicConnectionResult;
  earlyData: QuicConnectionResult | null;
}

export function quicClientAvailable(peer: QuicClientPeer): { ok: true } | { ok: false; hint: string } {
  return peerBuilt(peer) ? { ok: true } : { ok: false, hint: peerMissingHint(peer) };
}

/** One client run; network outcomes are results, a broken client is an `error`. */
async function connectOnce(
  peer: QuicClientPeer,
  target: ProbeTarget,
  port: number,
  session: 'cold' | 'early-data',
  caFile: string | undefined,
  timeoutMs: number,
  keylogFile: string | undefined,
): Promise<{ connection: QuicConnectionResult; version: string | null }> {
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  const connect = target.address.includes(':') ? `[${target.address}]:${port}` : `${target.address}:${port}`;
  const args = [
    'client',
    '--connect',
    connect,
    '--ca',
    caFile ?? SYSTEM_CA_BUNDLE,
    '--session',
    session,
    '--timeout-ms',
    String(timeoutMs),
    ...(keylogFile !== undefined ? ['--keylog', keylogFile] : []),
    `https://${host}:${port}${target.path}`,
  ];
  const run = await runCommand({ name: `${peer} client`, command: peerPath(peer, 'bin', peer), args, timeoutMs: timeoutMs + 5000 });
  let parsed: ContractResult | null = null;
  let failure: string | null = null;
  try {
    parsed = parseContractOutput(peer, run.stdout, run.code);
  } catch (error) {
    failure = `${error instanceof Error ? error.message : String(error)}${run.stderr.trim() ? `; stderr: ${run.stderr.trim().split('\n').slice(-1)[0]}` : ''}`;
  }
  return { connection: connectionResult(session, parsed, failure), version: parsed?.version ?? null };
}

/** The contract's JSON as the probe reads it. */
export function connectionResult(session: 'cold' | 'early-data', r: ContractResult | null, failure: string | null): QuicConnectionResult {
  const handshakeOk = r?.handshakeMs !== undefined && r.alpn !== undefined;
  const afterHeaders = handshakeOk && r?.status !== undefined;
  const error = failure ?? (r?.error !== undefined && !afterHeaders ? r.error : null);
  return {
    session,
    handshakeOk,
    handshakeMs: r?.handshakeMs ?? null,
    alpn: r?.alpn ?? null,
    quicVersion: r?.quicVersion ?? null,
    resumed: r?.resumed ?? null,
    earlyDataAccepted: r?.earlyDataAccepted ?? null,
    status: r?.status ?? null,
    ttfbMs: r?.ttfbMs ?? null,
    h3Settings: handshakeOk ? h3Settings(r?.h3Settings) : null,
    error,
    exchangeError: afterHeaders && r?.error !== undefined ? r.error : null,
  };
}

/** `keylogFile`: the clients append their TLS secrets there (for a capture to be read). */
export async function probeQuicHandshake(options: { client: QuicClientPeer; target: ProbeTarget; port: number; caFile?: string; timeoutMs: number; keylogFile?: string }): Promise<QuicHandshakeResult> {
  const cold = await connectOnce(options.client, options.target, options.port, 'cold', options.caFile, options.timeoutMs, options.keylogFile);
  // 0-RTT only means something once a cold handshake worked.
  const early = cold.connection.handshakeOk ? await connectOnce(options.client, options.target, options.port, 'early-data', options.caFile, options.timeoutMs, options.keylogFile) : null;
  return { client: options.client, clientVersion: cold.version, port: options.port, cold: cold.connection, earlyData: early?.connection ?? null };
}
