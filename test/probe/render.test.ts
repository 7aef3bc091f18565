// The probe's text: the QUIC block with the server's SETTINGS and the cold handshake as captured.
import t from 'tap';
import type { H3ProbeResult } from '../../harness/probe/h3-probe.js';
import { LONG_CHAIN_ON_WIRE } from '../fixtures/amplification-wire.js';
import { h3Settings } from '../../harness/probe/h3-settings.js';
import type { QuicConnectionResult } from '../../harness/probe/quic-handshake.js';
import { renderAmplificationWire, renderH3Probe } from '../../harness/probe/render.js';

const cold: QuicConnectionResult = {
  session: 'cold',
  handshakeOk: true,
  handshakeMs: 81.5,
  alpn: 'h3',
  quicVersion: '0x00000001',
  resumed: false,
  earlyDataAccepted: false,
  status: 200,
  ttfbMs: 122,
  h3Settings: h3Settings([
    [6, 65536],
    [1, 0],
    [0x2b603742, 1],
  ]),
  error: null,
  exchangeError: null,
};
const result: H3ProbeResult = {
  kind: 'h3-probe',
  startedAt: '2026-01-01T00:00:00.000Z',
  finishedAt: '2026-01-01T00:00:01.000Z',
  target: { url: 'https://server.lab.example:443/1000', host: 'server.lab.example', port: 443, path: '/1000', address: '198.18.0.2', resolvedBy: '--resolve' },
  tcp: { reachable: true, connectMs: 40.2, tlsHandshakeMs: 41, tlsVersion: 'TLSv1.3', alpn: 'h2', authorized: true, authorizationError: null, status: 200, altSvc: null, server: 'Caddy', chain: [], chainBytes: 0 },
  altSvc: { header: null, entries: [], h3: null, parseError: null },
  udpPort: 443,
  versions: null,
  quic: { client: 'aioquic', clientVersion: '1.7.2', port: 443, cold, earlyData: null },
  amplification: null,
  amplificationOnWire: LONG_CHAIN_ON_WIRE,
  roundTrips: { tcpRttMs: 40.2, quicHandshakeMs: 81.5, quicHandshakeRoundTrips: 81.5 / 40.2, extraRoundTripSeen: true },
  problems: [],
  notes: [],
  hints: [],
  exitCode: 0,
};

t.test('the QUIC block: cold handshake, SETTINGS, the wire, the round trips', async (t) => {
  const lines = renderH3Probe(result);
  const start = lines.findIndex((l) => l.includes('cold (aioquic'));
  t.same(lines.slice(start, start + 4), [
    '         cold (aioquic 1.7.2): handshake 81.5 ms, ALPN h3, version 0x00000001, status 200',
    '         HTTP/3 SETTINGS: MAX_FIELD_SECTION_SIZE=65536, QPACK_MAX_TABLE_CAPACITY=0, 0x2b603742=1',
    "         on the wire: the server sent 3550 bytes in 3 datagram(s) against 3 x 1200 = 3600, then waited 40.2 ms for the client's next datagram (5650 bytes up to its Finished); the handshake took 2 round trip(s)",
    '         handshake = 2.03 x the TCP RTT',
  ]);
  const quicGo = renderH3Probe({ ...result, quic: { ...result.quic!, client: 'quic-go', cold: { ...cold, h3Settings: null } }, amplificationOnWire: { observed: false, reason: 'not captured: capturing packets needs root' } });
  t.ok(quicGo.includes('         HTTP/3 SETTINGS: not reported by the quic-go client'));
  t.ok(quicGo.includes('         on the wire: not observed: not captured: capturing packets needs root'));
});

t.test('a flight that fit', async (t) => {
  t.equal(
    renderAmplificationWire({
      ...(result.amplificationOnWire as Extract<H3ProbeResult['amplificationOnWire'], { observed: true }>),
      serverBytesBeforeFirstWait: 1952,
      serverDatagramsBeforeFirstWait: 2,
      waitedForClient: false,
      waitMs: null,
      handshakeRoundTripsOnWire: 1,
    }),
    'the server sent 1952 bytes in 2 datagram(s) against 3 x 1200 = 3600 without waiting for the client; the handshake took 1 round trip(s)',
  );
});
