// The QUIC handshake of a WebTransport session, from Chromium's own net log (--log-net-log):
// the page sees only the session's `ready`, but the browser's network stack logs every
// packet of the session's dedicated QUIC connection with its send time (sent_time_us, the
// connection's clock, in µs).
//
// The file is one JSON document written a line at a time: the constants (event and source
// type numbers) on the first line, then one event per line. It is read line by line, so a log
// cut short by a killed browser still yields the events written before.

/** The net log's file name in the browser's private directory. */
export const NET_LOG_FILE = 'netlog.json';
/** The flags that make Chromium write its net log (events without cookies or credentials) to `path`. */
export function netLogFlags(path: string): string[] {
  return [`--log-net-log=${path}`, '--net-log-capture-mode=Default'];
}

interface NetLogEvent {
  type: number;
  phase: number;
  source: { id: number; type: number };
  params?: Record<string, unknown>;
}

/**
 * The QUIC handshake of the WebTransport session to `url` in ms: from the first packet the
 * client sent (its Initial) to its first 1-RTT packet (it has 1-RTT keys only once it has
 * verified the server's Finished and sent its own: the handshake is complete on its side).
 * Throws when the log has no such session, more than one, or no 1-RTT packet in it.
 */
export function webTransportHandshakeMs(netLog: string, url: string): number {
  const [head, ...lines] = netLog.split('\n');
  let constants: { logEventTypes: Record<string, number>; logSourceType: Record<string, number>; logEventPhase: Record<string, number> };
  try {
    constants = (JSON.parse(`${(head ?? '').replace(/,\s*$/, '')}}`) as { constants: typeof constants }).constants;
  } catch {
    throw new Error('chromium: the net log has no constants line');
  }
  const type = (name: string): number => {
    const n = constants.logEventTypes[name];
    if (n === undefined) throw new Error(`chromium: the net log knows no event ${name}`);
    return n;
  };
  const [alive, packetSent, clientSource, begin] = [type('QUIC_SESSION_WEBTRANSPORT_CLIENT_ALIVE'), type('QUIC_SESSION_PACKET_SENT'), constants.logSourceType.WEB_TRANSPORT_CLIENT, constants.logEventPhase.PHASE_BEGIN];
  const sessions = new Set<number>();
  const sent: NetLogEvent[] = [];
  for (const line of lines) {
    if (!line.startsWith('{')) continue;
    let event: NetLogEvent;
    try {
      event = JSON.parse(line.replace(/,\s*$/, '')) as NetLogEvent;
    } catch {
      continue; // the last line of a log cut short
    }
    if (event.source.type !== clientSource) continue;
    if (event.type === alive && event.phase === begin && event.params?.url === url) sessions.add(event.source.id);
    else if (event.type === packetSent) sent.push(event);
  }
  if (sessions.size !== 1) throw new Error(`chromium: the net log has ${sessions.size} WebTransport sessions to ${url}, expected one`);
  const mine = sent.filter((e) => sessions.has(e.source.id));
  const times = (level?: string): number[] => mine.filter((e) => level === undefined || e.params?.encryption_level === level).map((e) => Number(e.params?.sent_time_us));
  const first = Math.min(...times());
  const oneRtt = Math.min(...times('ENCRYPTION_FORWARD_SECURE'));
  if (!Number.isFinite(first) || !Number.isFinite(oneRtt)) throw new Error(`chromium: the net log's WebTransport session to ${url} sent no 1-RTT packet: no completed handshake`);
  return (oneRtt - first) / 1000;
}
