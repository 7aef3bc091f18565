// The QUIC handshake of a WebTransport session from Chromium's net log (net-log.ts), on a log
// shaped as Chromium 156 writes it: constants on the first line, then one event per line.
import t from 'tap';
import { webTransportHandshakeMs } from '../../harness/endpoints/chromium/net-log.js';

const URL = 'https://server.lab.example:4433/echo';
const CONSTANTS = {
  logEventTypes: { QUIC_SESSION_WEBTRANSPORT_CLIENT_ALIVE: 7, QUIC_SESSION_PACKET_SENT: 9, QUIC_SESSION_PACKET_RECEIVED: 10 },
  logSourceType: { URL_REQUEST: 1, WEB_TRANSPORT_CLIENT: 40 },
  logEventPhase: { PHASE_BEGIN: 1, PHASE_END: 2, PHASE_NONE: 0 },
};

const alive = (id: number, url: string): object => ({ params: { url }, phase: 1, source: { id, type: 40 }, time: '100', type: 7 });
const sent = (id: number, level: string, us: number): object => ({
  params: { encryption_level: level, packet_number: 1, sent_time_us: us, size: 1250 },
  phase: 0,
  source: { id, type: 40 },
  time: String(Math.floor(us / 1000)),
  type: 9,
});

function log(events: object[], cut = false): string {
  const lines = [`{"constants":${JSON.stringify(CONSTANTS)},`, '"events": [', ...events.map((e) => `${JSON.stringify(e)},`)];
  if (cut) lines.push('{"params":{"encryption_level":"ENCRYP');
  else lines.push(']}');
  return lines.join('\n');
}

const SESSION = [
  alive(39, URL),
  sent(39, 'ENCRYPTION_INITIAL', 45_078_240_383),
  sent(39, 'ENCRYPTION_INITIAL', 45_078_240_414),
  { params: { size: 1280 }, phase: 0, source: { id: 39, type: 40 }, time: '45078246', type: 10 },
  sent(39, 'ENCRYPTION_HANDSHAKE', 45_078_247_536),
  sent(39, 'ENCRYPTION_FORWARD_SECURE', 45_078_247_897),
  sent(39, 'ENCRYPTION_FORWARD_SECURE', 45_078_248_662),
];

t.test('first packet to first 1-RTT packet, in ms, of the session to the URL only', async (t) => {
  t.equal(webTransportHandshakeMs(log(SESSION), URL), 7.514);
  // Another session (another URL) and a URL request's events are not this one's.
  const others = [alive(50, 'https://server.lab.example:9/echo'), sent(50, 'ENCRYPTION_INITIAL', 45_000_000_000), { ...sent(12, 'ENCRYPTION_INITIAL', 1), source: { id: 12, type: 1 } }];
  t.equal(webTransportHandshakeMs(log([...others, ...SESSION]), URL), 7.514);
  t.equal(webTransportHandshakeMs(log(SESSION, true), URL), 7.514, 'a log cut short mid-line');
});

t.test('no session, two, no 1-RTT packet, no constants: errors that say so', async (t) => {
  t.throws(() => webTransportHandshakeMs(log(SESSION.slice(1)), URL), /the net log has 0 WebTransport sessions to https:\/\/server\.lab\.example:4433\/echo, expected one/);
  t.throws(() => webTransportHandshakeMs(log([...SESSION, alive(41, URL)]), URL), /has 2 WebTransport sessions/);
  t.throws(() => webTransportHandshakeMs(log(SESSION.slice(0, 5)), URL), /sent no 1-RTT packet: no completed handshake/);
  t.throws(() => webTransportHandshakeMs('', URL), /no constants line/);
  t.throws(() => webTransportHandshakeMs(`{"constants":{"logEventTypes":{},"logSourceType":{},"logEventPhase":{}},\n`, URL), /knows no event QUIC_SESSION_WEBTRANSPORT_CLIENT_ALIVE/);
});
