// What is wrong with the deployment, each problem one line with its likely cause, plus
// notes (worth knowing, not wrong) and, where the Server header says IIS, what HTTP/3 on IIS
// needs. The exit code follows: 0 no problems, 1 problems.
import type { AmplificationPrediction } from './amplification.js';
import type { AmplificationWire } from './amplification-wire.js';
import type { AltSvcEntry } from './alt-svc.js';
import type { QuicHandshakeResult } from './quic-handshake.js';
import type { TcpTlsProbeResult } from './tcp-tls.js';
import type { VersionProbeResult } from './version-probe.js';

export interface Problem {
  code: string;
  message: string;
  likelyCause: string;
}

/** Below this TCP RTT, a handshake's time is mostly processing: round trips are not counted. */
export const MIN_RTT_FOR_ROUND_TRIPS_MS = 10;
/** A cold QUIC handshake completes at the client after 1 RTT; this many or more means an extra one. */
export const EXTRA_ROUND_TRIP_THRESHOLD = 1.6;

export interface RoundTrips {
  tcpRttMs: number | null;
  quicHandshakeMs: number | null;
  /** quicHandshakeMs / tcpRttMs; null when the RTT is too small to tell (MIN_RTT_FOR_ROUND_TRIPS_MS) or a side is missing. */
  quicHandshakeRoundTrips: number | null;
  extraRoundTripSeen: boolean | null;
}

export function countRoundTrips(tcpRttMs: number | null, quicHandshakeMs: number | null): RoundTrips {
  const measurable = tcpRttMs !== null && quicHandshakeMs !== null && tcpRttMs >= MIN_RTT_FOR_ROUND_TRIPS_MS;
  const roundTrips = measurable ? quicHandshakeMs / tcpRttMs : null;
  return { tcpRttMs, quicHandshakeMs, quicHandshakeRoundTrips: roundTrips, extraRoundTripSeen: roundTrips === null ? null : roundTrips >= EXTRA_ROUND_TRIP_THRESHOLD };
}

export interface ProblemInput {
  tcp: TcpTlsProbeResult;
  altSvc: { header: string | null; h3: AltSvcEntry | null; parseError: string | null; protocols: string[] };
  /** The UDP port probed (the advertised one, else the URL's). */
  udpPort: number;
  versions: VersionProbeResult | null;
  quic: QuicHandshakeResult | null;
  amplification: AmplificationPrediction | null;
  /** The cold handshake's flight as captured; null when no QUIC connection was tried. */
  amplificationOnWire: AmplificationWire | null;
  roundTrips: RoundTrips;
}

export function findProblems(input: ProblemInput): { problems: Problem[]; notes: string[] } {
  const problems: Problem[] = [];
  const notes: string[] = [];
  const add = (code: string, message: string, likelyCause: string): void => void problems.push({ code, message, likelyCause });
  const { tcp, altSvc, versions, quic, amplification, amplificationOnWire, roundTrips } = input;

  if (!tcp.reachable) add('tcp-unreachable', `no TCP connection: ${tcp.error ?? 'unknown'}`, 'the server is down, the address is wrong or a firewall drops TCP');
  else if (tcp.tlsVersion === null) add('tls-failed', `no TLS handshake over TCP: ${tcp.error ?? 'unknown'}`, 'not a TLS server on this port, or no protocol version or cipher in common');
  else {
    if (tcp.tlsVersion !== 'TLSv1.3') add('no-tls13', `TLS over TCP negotiated ${tcp.tlsVersion}, not TLS 1.3`, 'TLS 1.3 is disabled on the server; QUIC carries only TLS 1.3');
    if (tcp.authorized === false)
      add('untrusted-certificate', `the certificate does not verify: ${tcp.authorizationError ?? 'unknown'}`, 'a missing intermediate, a private CA (give it with --ca) or a name the certificate lacks');
    if (tcp.status === null) add('no-http-response', `no HTTP response over TCP: ${tcp.error ?? 'unknown'}`, 'the server closed or stalled the request');
  }

  if (tcp.status !== null) {
    if (altSvc.header === null)
      add('no-alt-svc', 'the response has no Alt-Svc header: browsers are never told about HTTP/3', 'HTTP/3 is not enabled, or not advertised (IIS: EnableAltSvc), or a proxy in front strips the header');
    else if (altSvc.parseError !== null) add('alt-svc-unreadable', `Alt-Svc "${altSvc.header}": ${altSvc.parseError}`, 'a malformed header; clients ignore it');
    else if (altSvc.h3 === null)
      add(
        'no-h3-in-alt-svc',
        `Alt-Svc advertises ${altSvc.protocols.join(', ') || 'nothing'} but not h3`,
        altSvc.protocols.some((p) => p.startsWith('h3-')) ? 'only draft versions (h3-29...): current clients want "h3"' : 'HTTP/3 is not configured',
      );
    else if (altSvc.h3.host !== '')
      add('alt-svc-other-host', `Alt-Svc sends HTTP/3 to another host, ${altSvc.h3.host}:${altSvc.h3.port}: not probed (only the given target is contacted)`, 'a separate QUIC front end; probe it by its own URL');
  }

  if (versions !== null) {
    if (versions.refused) add('udp-port-closed', `UDP ${input.udpPort}: ICMP port unreachable`, 'no QUIC listener on this port');
    else if (versions.answered && !versions.supportsV1) add('no-quic-v1', `the server offers ${versions.versions.join(', ')}, not QUIC v1`, 'an old QUIC stack (draft versions only)');
    else if (!versions.answered && quic?.cold.handshakeOk) notes.push(`the server did not answer a version negotiation probe (${versions.probeVersion}) but completed a handshake: it ignores unknown versions`);
  }

  if (quic !== null) {
    const { cold, earlyData } = quic;
    if (!cold.handshakeOk) {
      const silent = versions !== null && !versions.answered && !versions.refused;
      if (silent)
        add('udp-unreachable', `no answer on UDP ${input.udpPort}: ${cold.error ?? 'the QUIC handshake timed out'}`, 'a firewall drops UDP to this port (or no QUIC listener); TCP works, so clients fall back silently');
      else if (!versions?.refused) add('quic-handshake-failed', `the QUIC handshake on UDP ${input.udpPort} failed: ${cold.error ?? 'unknown'}`, 'the certificate, ALPN or TLS settings of the QUIC listener');
    } else {
      if (cold.alpn !== 'h3') add('no-h3-alpn', `the QUIC handshake selected ALPN ${cold.alpn ?? 'none'}, not h3`, 'HTTP/3 is not what the QUIC listener serves');
      // RFC 9114 section 6.2.1: SETTINGS is the first frame of each side's control stream. Judged only once a response came.
      else if (cold.status !== null && cold.h3Settings?.received === false)
        add(
          'no-h3-settings',
          `the server answered over HTTP/3 but sent no SETTINGS frame on its control stream (RFC 9114 section 6.2.1 requires one)`,
          'an incomplete HTTP/3 implementation, or its control stream was lost or blocked',
        );
      if (earlyData === null || !earlyData.handshakeOk)
        add('second-connection-failed', `a second connection (resumption, 0-RTT) failed: ${earlyData?.error ?? 'not tried'}`, 'the server sent no session ticket, or the connection failed');
      else if (earlyData.resumed === false)
        add('no-resumption', 'a second QUIC connection did not resume the TLS session: every connection pays a full handshake', 'session tickets off, or tickets not shared between the server instances behind the address');
      else if (earlyData.earlyDataAccepted === false) notes.push('0-RTT was not accepted on the resumed connection (servers often turn it off against replay)');
    }
  }

  const timed =
    roundTrips.extraRoundTripSeen === true
      ? `, seen in the handshake time: ${roundTrips.quicHandshakeRoundTrips?.toFixed(1)} round trips of the TCP RTT`
      : roundTrips.extraRoundTripSeen === false
        ? ', not seen in the handshake time'
        : '';
  // The capture decides when there is one; the prediction (and the handshake time) speak otherwise.
  const wire = amplificationOnWire?.observed === true ? amplificationOnWire : null;
  const chainCause = 'a long or heavy certificate chain (RSA-4096 keys, several intermediates, a root sent along); ECDSA and a chain of leaf + one intermediate fit';
  if (wire?.limitIgnored) notes.push(`the server sent more than 3 x the client's ${wire.clientBytesBefore} bytes before the client's next datagram: it does not keep to the anti-amplification limit (RFC 9000 section 8.1)`);
  if (wire?.waitedForClient) {
    const predicted = amplification?.exceedsLimit
      ? `predicted (first flight about ${amplification.firstFlightBytes} bytes, the certificate message ${amplification.certificateMessageBytes}) and seen on the wire`
      : `seen on the wire, not predicted from the chain served over TCP${amplification ? ` (about ${amplification.firstFlightBytes} bytes)` : ''}`;
    add(
      'chain-exceeds-amplification-limit',
      `the server's first flight did not fit the anti-amplification limit: it sent ${wire.serverBytesBeforeFirstWait} bytes in ${wire.serverDatagramsBeforeFirstWait} datagrams against 3 x ${wire.clientBytesBefore} = ${wire.limitBytes}, then waited ${wire.waitMs?.toFixed(1) ?? '-'} ms for the client's next datagram (${wire.serverHandshakeBytes ?? '?'} bytes up to its Finished): QUIC pays an extra round trip (${predicted}; ${wire.handshakeRoundTripsOnWire ?? '?'} round trips on the wire${timed})`,
      amplification?.exceedsLimit ? chainCause : 'a first flight larger than the chain over TCP suggests: another certificate on the QUIC listener, or large transport parameters or extensions',
    );
  } else if (wire !== null && amplification?.exceedsLimit) {
    notes.push(
      `the chain's first flight (about ${amplification.firstFlightBytes} bytes) was predicted over 3 x ${amplification.clientInitialBytes} = ${amplification.limitBytes} bytes, not observed: on the wire the server sent ${wire.serverBytesBeforeFirstWait} bytes against 3 x ${wire.clientBytesBefore} = ${wire.limitBytes} without waiting (certificate compression, or a larger client first flight)`,
    );
  } else if (wire === null && amplification?.exceedsLimit) {
    add(
      'chain-exceeds-amplification-limit',
      `the server's first flight (about ${amplification.firstFlightBytes} bytes, the certificate message ${amplification.certificateMessageBytes}) exceeds 3 x ${amplification.clientInitialBytes} = ${amplification.limitBytes} bytes: QUIC pays ${amplification.extraRoundTrips} extra round trip(s) (predicted${timed}; not observed on the wire: ${amplificationOnWire?.observed === false ? amplificationOnWire.reason : 'no QUIC connection'})`,
      chainCause,
    );
  }
  // An extra round trip in the handshake time that the limit does not explain.
  if (roundTrips.extraRoundTripSeen === true && !problems.some((p) => p.code === 'chain-exceeds-amplification-limit')) {
    add(
      'extra-round-trip',
      `the QUIC handshake took ${roundTrips.quicHandshakeRoundTrips?.toFixed(1)} round trips of the TCP RTT (${roundTrips.tcpRttMs?.toFixed(1)} ms)`,
      'a Retry (address validation), slow signing on the server or packet loss',
    );
  }
  return { problems, notes };
}

/** The known requirements for HTTP/3 on IIS (HTTP.sys), shown when the Server header names it. */
export function iisHints(server: string | null): string[] {
  if (server === null || !/microsoft-iis/i.test(server)) return [];
  const key = 'HKLM\\SYSTEM\\CurrentControlSet\\Services\\HTTP\\Parameters';
  return [
    'HTTP/3 on IIS needs Windows Server 2022 or later (HTTP.sys with msquic)',
    'TLS 1.3 enabled (on by default in Windows Server 2022) and a TLS 1.3 cipher suite allowed',
    `${key}\\EnableHttp3 = 1 (DWORD), then restart HTTP.sys or the server`,
    `${key}\\EnableAltSvc = 1 (DWORD): HTTP.sys then sends the Alt-Svc header that tells clients about HTTP/3`,
    'UDP 443 open inbound in Windows Defender Firewall and every firewall on the path',
  ];
}

export function exitCode(problems: readonly Problem[]): 0 | 1 {
  return problems.length === 0 ? 0 : 1;
}

export function renderProblem(problem: Problem): string {
  return `problem ${problem.code}: ${problem.message} (likely cause: ${problem.likelyCause})`;
}
