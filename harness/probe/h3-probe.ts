// One h3-probe run: TCP+TLS (connect RTT, TLS version, ALPN, Alt-Svc, Server, the chain), then
// on the UDP port Alt-Svc names (the URL's port when none): a version negotiation probe and
// the QUIC handshakes (cold, then resumed with 0-RTT); the chain's first flight against the
// anti-amplification limit, predicted, and the handshake's round trips, measured. Everything
// goes to the one address the target resolved to.
import { readFile } from 'node:fs/promises';
import { parseAltSvc, h3Entry, type AltSvcEntry } from './alt-svc.js';
import { predictAmplification, signatureBytes, type AmplificationPrediction } from './amplification.js';
import type { AmplificationWire } from './amplification-wire.js';
import { startHandshakeCapture } from './handshake-capture.js';
import { exitCode, findProblems, iisHints, countRoundTrips, type Problem, type RoundTrips } from './problems.js';
import { probeQuicHandshake, type QuicClientPeer, type QuicHandshakeResult } from './quic-handshake.js';
import { probeTcpTls, type TcpTlsProbeResult } from './tcp-tls.js';
import type { ProbeTarget } from './target.js';
import { probeVersions, type VersionProbeResult } from './version-probe.js';

export interface H3ProbeOptions {
  target: ProbeTarget;
  caFile?: string;
  quicClient: QuicClientPeer;
  /** Bound of each step (TCP+TLS, version probe, each QUIC connection). */
  timeoutMs: number;
  /** Capture the QUIC connections to observe the handshake's flight on the wire (default true). */
  capture?: boolean;
}

export interface H3ProbeResult {
  kind: 'h3-probe';
  startedAt: string;
  finishedAt: string;
  target: ProbeTarget;
  tcp: TcpTlsProbeResult;
  altSvc: { header: string | null; entries: AltSvcEntry[]; h3: AltSvcEntry | null; parseError: string | null };
  udpPort: number;
  versions: VersionProbeResult | null;
  quic: QuicHandshakeResult | null;
  amplification: AmplificationPrediction | null;
  /** The cold handshake's flight against the limit, as captured; null when no QUIC connection was tried. */
  amplificationOnWire: AmplificationWire | null;
  roundTrips: RoundTrips;
  problems: Problem[];
  notes: string[];
  hints: string[];
  exitCode: 0 | 1;
}

export async function runH3Probe(options: H3ProbeOptions): Promise<H3ProbeResult> {
  const startedAt = new Date();
  const ca = options.caFile !== undefined ? await readFile(options.caFile, 'utf8') : undefined;
  const tcp = await probeTcpTls({ target: options.target, timeoutMs: options.timeoutMs, ...(ca !== undefined ? { ca } : {}) });

  let entries: AltSvcEntry[] = [];
  let parseError: string | null = null;
  if (tcp.altSvc !== null) {
    try {
      entries = parseAltSvc(tcp.altSvc).entries;
    } catch (error) {
      parseError = error instanceof Error ? error.message : String(error);
    }
  }
  const h3 = h3Entry({ clear: false, entries });
  // Only the target's own address is contacted: an h3 entry on another host is reported, not followed.
  const udpPort = h3 !== null && h3.host === '' ? h3.port : options.target.port;
  const followable = h3 === null || h3.host === '';

  const versions = followable ? await probeVersions({ address: options.target.address, port: udpPort, timeoutMs: options.timeoutMs }) : null;
  let quic: QuicHandshakeResult | null = null;
  let amplificationOnWire: AmplificationWire | null = null;
  if (followable && !versions?.refused) {
    // The QUIC connections are captured (the cold one is read) unless --no-capture says not to.
    const capture = options.capture === false ? null : await startHandshakeCapture({ address: options.target.address, port: udpPort, serverName: options.target.host });
    try {
      const keylog = capture?.keylogFile ?? undefined;
      quic = await probeQuicHandshake({
        client: options.quicClient,
        target: options.target,
        port: udpPort,
        timeoutMs: options.timeoutMs,
        ...(options.caFile !== undefined ? { caFile: options.caFile } : {}),
        ...(keylog !== undefined ? { keylogFile: keylog } : {}),
      });
    } finally {
      amplificationOnWire = capture !== null ? await capture.finish() : { observed: false, reason: 'not captured (--no-capture)' };
    }
  }

  const leaf = tcp.chain[0];
  const amplification = leaf !== undefined ? predictAmplification({ chain: tcp.chain, leafSignatureBytes: signatureBytes(leaf) }) : null;
  const roundTrips = countRoundTrips(tcp.connectMs, quic?.cold.handshakeMs ?? null);
  const altSvc = { header: tcp.altSvc, entries, h3, parseError };
  const { problems, notes } = findProblems({ tcp, altSvc: { ...altSvc, protocols: entries.map((e) => e.protocol) }, udpPort, versions, quic, amplification, amplificationOnWire, roundTrips });
  return {
    kind: 'h3-probe',
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    target: options.target,
    tcp,
    altSvc,
    udpPort,
    versions,
    quic,
    amplification,
    amplificationOnWire,
    roundTrips,
    problems,
    notes,
    hints: iisHints(tcp.server),
    exitCode: exitCode(problems),
  };
}
