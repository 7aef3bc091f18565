// What h3-probe prints: one block per check, then each problem on one line with its cause.
import type { AmplificationWire } from './amplification-wire.js';
import { renderH3Settings } from './h3-settings.js';
import { renderProblem } from './problems.js';
import type { H3ProbeResult } from './h3-probe.js';

const ms = (value: number | null | undefined): string => (value === null || value === undefined ? '-' : `${value.toFixed(1)} ms`);
const yesNo = (value: boolean | null | undefined): string => (value === null || value === undefined ? '-' : value ? 'yes' : 'no');

export function renderH3Probe(r: H3ProbeResult): string[] {
  const t = r.target;
  const lines = [`target   ${t.url} -> ${t.address} (${t.resolvedBy === 'dns' ? 'resolved once by DNS' : t.resolvedBy === '--resolve' ? 'from --resolve' : 'address literal'})`];
  const tcp = r.tcp;
  lines.push(
    `TCP+TLS  ${tcp.reachable ? `connect ${ms(tcp.connectMs)} (the RTT), TLS ${ms(tcp.tlsHandshakeMs)} ${tcp.tlsVersion ?? '-'}, ALPN ${tcp.alpn ?? 'none'}, status ${tcp.status ?? '-'}` : 'not reachable'}`,
    `         Server ${tcp.server ?? '-'}; Alt-Svc ${tcp.altSvc ?? '-'}`,
  );
  if (r.altSvc.h3) lines.push(`         h3 advertised on UDP ${r.altSvc.h3.port}${r.altSvc.h3.host ? ` of ${r.altSvc.h3.host}` : ''}, max-age ${r.altSvc.h3.maxAgeSeconds} s`);
  if (tcp.chain.length > 0)
    lines.push(`chain    ${tcp.chain.length} certificate(s), ${tcp.chainBytes} bytes: ${tcp.chain.map((c) => `${c.subject} (${c.keyType} ${c.curve ?? c.keyBits ?? ''}, ${c.derBytes} B)`).join(' <- ')}`);
  if (r.amplification) {
    const a = r.amplification;
    lines.push(`         first flight about ${a.firstFlightBytes} bytes against 3 x ${a.clientInitialBytes} = ${a.limitBytes}: ${a.exceedsLimit ? `over, ${a.extraRoundTrips} extra round trip(s) predicted` : 'fits'}`);
  }
  const v = r.versions;
  if (v) lines.push(`QUIC     UDP ${r.udpPort}: version negotiation ${v.answered ? `answered in ${ms(v.answerMs)}: ${v.versions.join(', ')}` : v.refused ? 'refused (ICMP port unreachable)' : 'no answer'}`);
  const q = r.quic;
  if (q) {
    const c = q.cold;
    lines.push(`         cold (${q.client} ${q.clientVersion ?? ''}): ${c.handshakeOk ? `handshake ${ms(c.handshakeMs)}, ALPN ${c.alpn}, version ${c.quicVersion ?? '-'}, status ${c.status ?? '-'}` : `failed: ${c.error}`}`);
    if (c.handshakeOk) lines.push(`         HTTP/3 SETTINGS: ${c.h3Settings !== null ? renderH3Settings(c.h3Settings) : `not reported by the ${q.client} client`}`);
    if (r.amplificationOnWire) lines.push(`         on the wire: ${renderAmplificationWire(r.amplificationOnWire)}`);
    if (r.roundTrips.quicHandshakeRoundTrips !== null) lines.push(`         handshake = ${r.roundTrips.quicHandshakeRoundTrips.toFixed(2)} x the TCP RTT`);
    else if (c.handshakeOk) lines.push(`         round trips not counted: TCP RTT ${ms(r.roundTrips.tcpRttMs)} is below what can be told from processing time`);
    const e = q.earlyData;
    if (e) lines.push(`         second connection: ${e.handshakeOk ? `resumed ${yesNo(e.resumed)}, 0-RTT accepted ${yesNo(e.earlyDataAccepted)}, handshake ${ms(e.handshakeMs)}` : `failed: ${e.error}`}`);
  }
  lines.push(...r.notes.map((n) => `note: ${n}`), ...r.problems.map(renderProblem));
  if (r.hints.length > 0) lines.push('IIS: the Server header says IIS; HTTP/3 there needs:', ...r.hints.map((h) => `  - ${h}`));
  lines.push(r.problems.length === 0 ? 'healthy: no problems found' : `${r.problems.length} problem(s) found`);
  return lines;
}

/** The cold handshake's flight against the anti-amplification limit, as captured. */
export function renderAmplificationWire(w: AmplificationWire): string {
  if (!w.observed) return `not observed: ${w.reason}`;
  const rounds = w.handshakeRoundTripsOnWire !== null ? `; the handshake took ${w.handshakeRoundTripsOnWire} round trip(s)` : '';
  const total = w.serverHandshakeBytes !== null ? ` (${w.serverHandshakeBytes} bytes up to its Finished)` : '';
  const flight = `the server sent ${w.serverBytesBeforeFirstWait} bytes in ${w.serverDatagramsBeforeFirstWait} datagram(s) against 3 x ${w.clientBytesBefore} = ${w.limitBytes}`;
  return w.waitedForClient ? `${flight}, then waited ${w.waitMs?.toFixed(1) ?? '-'} ms for the client's next datagram${total}${rounds}` : `${flight} without waiting for the client${rounds}`;
}
