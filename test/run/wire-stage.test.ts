// Joining capture connections to samples, the metrics they add, and the flags.
import t from 'tap';
import { NO_TRANSFER, wireConnection } from '../fixtures/wire-packet.js';
import type { Sample } from '../../harness/results/schema.js';
import { provenanceFor } from '../../harness/results/metric-definitions.js';
import { connectionOfSample, preferWireMetrics, WIRE_TIMING_SOURCE, wireFlags, wireMetrics, withWireMetrics } from '../../harness/run/wire-stage.js';

const connection = wireConnection;

const QLOG = { source: 'ngtcp2-qlog', resolutionMs: 1 };

t.test('a sample gets the last connection to its server that began in its window', async (t) => {
  const priming = connection({ firstPacketEpochMs: 1000, client: { ip: '198.18.0.1', port: 1 } });
  const measured = connection({ firstPacketEpochMs: 1300, client: { ip: '198.18.0.1', port: 2 } });
  const otherServer = connection({ firstPacketEpochMs: 1400, server: { ip: '198.18.0.2', port: 4434 } });
  const tcp = connection({ firstPacketEpochMs: 1450, transport: 'tcp' });
  const later = connection({ firstPacketEpochMs: 2500 });
  const all = [measured, otherServer, later, priming, tcp];
  t.equal(connectionOfSample(all, { port: 4433, transport: 'udp' }, { startEpochMs: 990, endEpochMs: 2000 }), measured);
  t.equal(connectionOfSample(all, { port: 4433, transport: 'udp' }, { startEpochMs: 3000, endEpochMs: 4000 }), undefined);
});

t.test('wire metrics: numbers as they are, booleans as 0/1, unknowns left out', async (t) => {
  t.same(wireMetrics(connection({})), {
    clientPacketsBeforeHandshake: 1,
    clientIpBytesBeforeHandshake: 1228,
    serverPacketsBeforeHandshake: 2,
    serverIpBytesBeforeHandshake: 1900,
    wireHandshakeMs: 61.5,
    wireTtfbMs: 122.25,
    serverCertificateSent: 1,
    serverFirstFlightBytes: 1844,
    clientFirstFlightBytes: 1200,
    amplificationLimitExceeded: 0,
    wireHandshakeRounds: 1,
  });
  const unreadable = wireMetrics(connection({ serverCertificateSent: null, ttfbMs: null, exceedsAmplificationLimit: null, handshakeRounds: null }));
  t.notOk('serverCertificateSent' in unreadable || 'wireTtfbMs' in unreadable || 'amplificationLimitExceeded' in unreadable || 'wireHandshakeRounds' in unreadable);
});

t.test('flags: earlier than the wire beyond the resolution, later beyond it plus the delivery allowance, certificates against the session mode', async (t) => {
  const quiet = { undecryptablePackets: 0, notes: [] };
  t.same(wireFlags({ session: 'cold' }, { handshakeMs: 62, wireHandshakeMs: 61.5, serverCertificateSent: 1 }, { handshakeMs: QLOG }, quiet), [], 'within 1 ms of a 1 ms source');
  t.same(wireFlags({ session: 'cold' }, { handshakeMs: 64, wireHandshakeMs: 61.5, ttfbMs: 122, wireTtfbMs: 123.5 }, { handshakeMs: QLOG, ttfbMs: QLOG }, quiet), [
    'handshakeMs 64.000 ms vs wireHandshakeMs 61.500 ms: later by more than 2 ms (resolution + delivery)',
    'ttfbMs 122.000 ms vs wireTtfbMs 123.500 ms: earlier by more than 1 ms',
  ]);
  const fine = { source: 'events', resolutionMs: 0.001 };
  t.same(
    wireFlags({ session: 'cold' }, { handshakeMs: 41.7, wireHandshakeMs: 41.2, ttfbMs: 82.0, wireTtfbMs: 82.0005 }, { handshakeMs: fine, ttfbMs: fine }, quiet),
    [],
    'a fine clock may be later by its delivery time (0.5 ms), and equal within its resolution',
  );
  t.same(wireFlags({ session: 'cold' }, { handshakeMs: 42.3, wireHandshakeMs: 41.2, ttfbMs: 81.9, wireTtfbMs: 82.0 }, { handshakeMs: fine, ttfbMs: fine }, quiet), [
    'handshakeMs 42.300 ms vs wireHandshakeMs 41.200 ms: later by more than 1.001 ms (resolution + delivery)',
    'ttfbMs 81.900 ms vs wireTtfbMs 82.000 ms: earlier by more than 0.001 ms',
  ]);
  t.same(wireFlags({ session: 'resumed' }, { serverCertificateSent: 1 }, {}, quiet), ['the server sent a Certificate on a resumed connection']);
  t.same(wireFlags({ session: 'early-data' }, { serverCertificateSent: 0 }, {}, quiet), []);
  t.same(wireFlags({}, { serverCertificateSent: 0 }, {}, quiet), ['no Certificate from the server on a full handshake'], 'no session mode means cold');
  t.same(wireFlags({ session: 'early-data' }, {}, {}, { undecryptablePackets: 1, notes: ['ttfbMs unknown'] }), ['1 packet(s) of the connection could not be decrypted', 'ttfbMs unknown']);
});

t.test('the wire stage: ok samples get metrics and flags, failed ones are left alone, a missing connection is flagged, nothing is mutated', async (t) => {
  const samples: Sample[] = [
    { index: 0, status: 'ok', startedAt: '2026-11-26T00:00:00.000Z', metrics: { handshakeMs: 61 } },
    { index: 1, status: 'failed', error: 'timeout', startedAt: '2026-11-26T00:00:01.000Z', metrics: {} },
    { index: 2, status: 'ok', startedAt: '2026-11-26T00:00:02.000Z', metrics: { handshakeMs: 61 } },
  ];
  const windows = new Map([
    [0, { startEpochMs: 900, endEpochMs: 1100 }],
    [1, { startEpochMs: 1100, endEpochMs: 1900 }],
    [2, { startEpochMs: 5000, endEpochMs: 6000 }],
  ]);
  const before = structuredClone(samples);
  const of = { definition: { protocol: 'quic' as const }, timingSources: { handshakeMs: QLOG }, serverPort: 4433, windows };
  const staged = samples.map((sample) => withWireMetrics(sample, of, [connection({}), connection({ firstPacketEpochMs: 1500 })]));
  t.equal(staged[0]?.metrics.wireHandshakeMs, 61.5);
  t.equal(staged[0]?.flags, undefined);
  t.equal(staged[1], samples[1], 'a failed sample passes through');
  t.same(staged[2]?.flags, ['no connection of this sample in the packet capture']);
  t.same(samples, before, 'the input samples are unchanged');
});

t.test('every metric the capture gives says so in its provenance', async (t) => {
  const names = Object.keys(wireMetrics(connection({})));
  t.ok(names.length >= 11);
  for (const name of names) t.same(provenanceFor(name, undefined), { kind: 'measured', sources: [WIRE_TIMING_SOURCE.source] }, name);
});

t.test('a transfer: the wire body metrics, a goodput flag past 1%, and what was negotiated', async (t) => {
  const transfer = { ...NO_TRANSFER, responseStartEpochMs: 1130, responseEndEpochMs: 1930, alpn: 'h3', quicVersion: 1 };
  const sample: Sample = {
    index: 0,
    status: 'ok',
    startedAt: '2026-12-05T00:00:00.000Z',
    metrics: { bodyBytes: 2_000_000, goodputBitsPerSecond: 20_300_000, completionMs: 930.4 },
    negotiated: { clientAlpn: 'h3' },
  };
  const of = {
    definition: { protocol: 'quic' as const, workload: { kind: 'transfer' as const, bodyBytes: 2_000_000 } },
    timingSources: { handshakeMs: QLOG },
    serverPort: 4433,
    windows: new Map([[0, { startEpochMs: 900, endEpochMs: 1100 }]]),
  };
  const staged = withWireMetrics(sample, of, [connection({ transfer })]);
  t.equal(staged.metrics.wireGoodputBitsPerSecond, 20_000_000);
  t.equal(staged.metrics.wireCompletionMs, 930);
  t.strictSame(staged.flags, ['goodputBitsPerSecond 20.300 Mbit/s vs wireGoodputBitsPerSecond 20.000 Mbit/s: apart by 1.5%, more than 1%'], "completionMs is within the qlog's 1 ms");
  t.strictSame(staged.negotiated, { clientAlpn: 'h3', wireAlpn: 'h3', quicVersion: '0x00000001' });
  const otherAlpn = withWireMetrics({ ...sample, metrics: { bodyBytes: 2_000_000 }, negotiated: { clientAlpn: 'h2' } }, of, [connection({ transfer })]);
  t.strictSame(otherAlpn.flags, ['the client reported ALPN h2, the server chose h3 on the wire']);
  const smb = withWireMetrics({ ...sample, metrics: { bodyBytes: 1 } }, { ...of, definition: { protocol: 'tcp' as const, workload: { kind: 'copy' as const, bodyBytes: 1, direction: 'down' as const } } }, [
    connection({ transport: 'tcp', transfer: { ...NO_TRANSFER, serverRepeatedPackets: 2 } }),
  ]);
  t.strictSame(smb.metrics, { bodyBytes: 1, wireRepeatedPackets: 2 }, 'SMB over TCP: no TLS handshake metrics, no TLS notes');
});

t.test('headlines show the wire metric where the run has it', async (t) => {
  t.strictSame(preferWireMetrics(['goodputBitsPerSecond', 'completionMs', 'longestStallMs'], new Set(['goodputBitsPerSecond', 'wireGoodputBitsPerSecond', 'completionMs'])), [
    'wireGoodputBitsPerSecond',
    'completionMs',
    'longestStallMs',
  ]);
  t.strictSame(preferWireMetrics(['handshakeMs', 'wireHandshakeMs'], new Set(['wireHandshakeMs'])), ['wireHandshakeMs'], 'no metric twice');
  t.strictSame(preferWireMetrics(['handshakeRoundTrips', 'ttfbRoundTrips'], new Set(['wireHandshakeRoundTrips'])), ['wireHandshakeRoundTrips', 'ttfbRoundTrips'], 'round trips of a timing follow it');
});
