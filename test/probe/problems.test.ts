import t from 'tap';
import { predictAmplification } from '../../harness/probe/amplification.js';
import type { AmplificationObservation } from '../../harness/probe/amplification-wire.js';
import { countRoundTrips, exitCode, findProblems, iisHints, renderProblem, type ProblemInput } from '../../harness/probe/problems.js';
import type { QuicConnectionResult } from '../../harness/probe/quic-handshake.js';
import type { TcpTlsProbeResult } from '../../harness/probe/tcp-tls.js';
import type { VersionProbeResult } from '../../harness/probe/version-probe.js';

const tcp: TcpTlsProbeResult = {
  reachable: true,
  connectMs: 20,
  tlsHandshakeMs: 21,
  tlsVersion: 'TLSv1.3',
  alpn: 'h2',
  authorized: true,
  authorizationError: null,
  status: 200,
  altSvc: 'h3=":443"; ma=86400',
  server: 'Caddy',
  chain: [],
  chainBytes: 0,
};
const versions: VersionProbeResult = { answered: true, refused: false, probeVersion: '0x1a1a1a1a', versions: ['0x00000001 (QUIC v1)'], supportsV1: true, datagramsSent: 1, bytesSent: 1200, answerMs: 20 };
const cold: QuicConnectionResult = {
  session: 'cold',
  handshakeOk: true,
  handshakeMs: 21,
  alpn: 'h3',
  quicVersion: '0x00000001',
  resumed: false,
  earlyDataAccepted: false,
  status: 200,
  ttfbMs: 42,
  h3Settings: { received: true, settings: [{ id: 1, name: 'QPACK_MAX_TABLE_CAPACITY', value: 0 }] },
  error: null,
  exchangeError: null,
};
const early: QuicConnectionResult = { ...cold, session: 'early-data', resumed: true, earlyDataAccepted: true };
const fits = predictAmplification({ chain: [{ derBytes: 1000 }, { derBytes: 1000 }], leafSignatureBytes: 256 });
const over = predictAmplification({ chain: [1400, 1400, 1400, 1400].map((derBytes) => ({ derBytes })), leafSignatureBytes: 512 });

const healthy: ProblemInput = {
  tcp,
  altSvc: { header: tcp.altSvc, h3: { protocol: 'h3', host: '', port: 443, maxAgeSeconds: 86400, parameters: {} }, parseError: null, protocols: ['h3'] },
  udpPort: 443,
  versions,
  quic: { client: 'quic-go', clientVersion: 'v0.5', port: 443, cold, earlyData: early },
  amplification: fits,
  amplificationOnWire: { observed: false, reason: 'not captured (--no-capture)' },
  roundTrips: countRoundTrips(20, 21),
};
const codes = (input: ProblemInput): string[] => findProblems(input).problems.map((p) => p.code);

t.test('healthy: no problems, exit 0', async (t) => {
  t.same(findProblems(healthy), { problems: [], notes: [] });
  t.equal(exitCode([]), 0);
});

t.test('no Alt-Svc', async (t) => {
  const { problems } = findProblems({ ...healthy, tcp: { ...tcp, altSvc: null }, altSvc: { header: null, h3: null, parseError: null, protocols: [] } });
  t.same(
    problems.map((p) => p.code),
    ['no-alt-svc'],
  );
  t.equal(exitCode(problems), 1);
  t.equal(
    renderProblem(problems[0] as (typeof problems)[0]),
    'problem no-alt-svc: the response has no Alt-Svc header: browsers are never told about HTTP/3 (likely cause: HTTP/3 is not enabled, or not advertised (IIS: EnableAltSvc), or a proxy in front strips the header)',
  );
});

t.test('Alt-Svc without h3, with a draft only, unreadable, on another host', async (t) => {
  t.same(codes({ ...healthy, altSvc: { header: 'h2=":443"', h3: null, parseError: null, protocols: ['h2'] } }), ['no-h3-in-alt-svc']);
  t.match(findProblems({ ...healthy, altSvc: { header: 'h3-29=":443"', h3: null, parseError: null, protocols: ['h3-29'] } }).problems[0]?.likelyCause, /draft versions/);
  t.same(codes({ ...healthy, altSvc: { header: 'h3=443', h3: null, parseError: 'cannot read', protocols: [] } }), ['alt-svc-unreadable']);
  t.same(codes({ ...healthy, altSvc: { ...healthy.altSvc, h3: { protocol: 'h3', host: 'quic.example', port: 443, maxAgeSeconds: 1, parameters: {} } } }), ['alt-svc-other-host']);
});

t.test('UDP dropped: no version negotiation answer and the handshake timed out', async (t) => {
  const silent = { ...versions, answered: false, versions: [], supportsV1: false, answerMs: null, datagramsSent: 3, bytesSent: 3600 };
  const failed = { ...cold, handshakeOk: false, handshakeMs: null, alpn: null, error: 'timeout: no recent network activity' };
  const problems = findProblems({ ...healthy, versions: silent, quic: { ...healthy.quic!, cold: failed, earlyData: null }, roundTrips: countRoundTrips(20, null) }).problems;
  t.same(
    problems.map((p) => p.code),
    ['udp-unreachable'],
  );
  t.match(problems[0]?.likelyCause, /firewall drops UDP/);
});

t.test('UDP refused, no v1, handshake failed with an answer, ALPN, resumption, 0-RTT', async (t) => {
  t.same(codes({ ...healthy, versions: { ...versions, answered: false, refused: true }, quic: null }), ['udp-port-closed']);
  t.same(codes({ ...healthy, versions: { ...versions, versions: ['0xff00001d (draft-29)'], supportsV1: false } }), ['no-quic-v1']);
  t.same(codes({ ...healthy, quic: { ...healthy.quic!, cold: { ...cold, handshakeOk: false, error: 'CRYPTO_ERROR 0x178' }, earlyData: null } }), ['quic-handshake-failed']);
  t.same(codes({ ...healthy, quic: { ...healthy.quic!, cold: { ...cold, alpn: 'h3-29' } } }), ['no-h3-alpn']);
  t.same(codes({ ...healthy, quic: { ...healthy.quic!, earlyData: { ...early, resumed: false, earlyDataAccepted: false } } }), ['no-resumption']);
  t.same(codes({ ...healthy, quic: { ...healthy.quic!, cold: { ...cold, h3Settings: { received: false, settings: [] } } } }), ['no-h3-settings']);
  t.same(codes({ ...healthy, quic: { ...healthy.quic!, cold: { ...cold, h3Settings: { received: false, settings: [] }, status: null } } }), [], 'no response yet: SETTINGS not judged');
  t.same(codes({ ...healthy, quic: { ...healthy.quic!, cold: { ...cold, h3Settings: null } } }), [], 'a client that does not report SETTINGS');
  t.same(codes({ ...healthy, quic: { ...healthy.quic!, cold: { ...cold, h3Settings: { received: true, settings: [] } } } }), [], 'an empty SETTINGS frame is a SETTINGS frame');
  t.same(findProblems({ ...healthy, quic: { ...healthy.quic!, earlyData: { ...early, earlyDataAccepted: false } } }), {
    problems: [],
    notes: ['0-RTT was not accepted on the resumed connection (servers often turn it off against replay)'],
  });
  t.same(codes({ ...healthy, tcp: { ...tcp, tlsVersion: 'TLSv1.2' } }), ['no-tls13']);
  t.same(codes({ ...healthy, tcp: { ...tcp, authorized: false, authorizationError: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' } }), ['untrusted-certificate']);
  t.same(codes({ ...healthy, tcp: { ...tcp, reachable: false, tlsVersion: null, status: null, error: 'TCP: connect ECONNREFUSED' } }), ['tcp-unreachable']);
});

t.test('a chain over the amplification limit, predicted only (no capture): seen in the handshake time or not', async (t) => {
  const seen = findProblems({ ...healthy, amplification: over, roundTrips: countRoundTrips(20, 41) }).problems;
  t.same(
    seen.map((p) => p.code),
    ['chain-exceeds-amplification-limit'],
  );
  t.equal(
    seen[0]?.message,
    "the server's first flight (about 6888 bytes, the certificate message 5628) exceeds 3 x 1200 = 3600 bytes: QUIC pays 1 extra round trip(s) (predicted, seen in the handshake time: 2.0 round trips of the TCP RTT; not observed on the wire: not captured (--no-capture))",
  );
  t.match(findProblems({ ...healthy, amplification: over, roundTrips: countRoundTrips(20, 21) }).problems[0]?.message, /\(predicted, not seen in the handshake time; not observed on the wire/);
  t.match(findProblems({ ...healthy, amplification: over, roundTrips: countRoundTrips(0.1, 3) }).problems[0]?.message, /\(predicted; not observed on the wire: not captured \(--no-capture\)\)$/);
  t.same(codes({ ...healthy, roundTrips: countRoundTrips(20, 41) }), ['extra-round-trip'], 'an extra round trip the chain does not explain');
});

const waited: AmplificationObservation = {
  observed: true,
  clientBytesBefore: 1200,
  limitBytes: 3600,
  serverBytesBeforeFirstWait: 3540,
  serverDatagramsBeforeFirstWait: 3,
  serverHandshakeBytes: 7100,
  waitedForClient: true,
  waitMs: 40.25,
  limitIgnored: false,
  handshakeRoundTripsOnWire: 2,
  handshakeMsOnWire: 81,
  notes: [],
};
const fitted: AmplificationObservation = { ...waited, serverBytesBeforeFirstWait: 3100, serverDatagramsBeforeFirstWait: 3, serverHandshakeBytes: 3100, waitedForClient: false, waitMs: null, handshakeRoundTripsOnWire: 1 };

t.test('the amplification limit on the wire decides: predicted and seen, seen only, predicted only, neither', async (t) => {
  const both = findProblems({ ...healthy, amplification: over, amplificationOnWire: waited, roundTrips: countRoundTrips(40, 81) });
  t.same(
    both.problems.map((p) => p.code),
    ['chain-exceeds-amplification-limit'],
  );
  t.equal(
    both.problems[0]?.message,
    "the server's first flight did not fit the anti-amplification limit: it sent 3540 bytes in 3 datagrams against 3 x 1200 = 3600, then waited 40.3 ms for the client's next datagram (7100 bytes up to its Finished): QUIC pays an extra round trip (predicted (first flight about 6888 bytes, the certificate message 5628) and seen on the wire; 2 round trips on the wire, seen in the handshake time: 2.0 round trips of the TCP RTT)",
  );
  const wireOnly = findProblems({ ...healthy, amplification: fits, amplificationOnWire: waited, roundTrips: countRoundTrips(0.1, 3) }).problems;
  t.same(
    wireOnly.map((p) => p.code),
    ['chain-exceeds-amplification-limit'],
  );
  t.match(wireOnly[0]?.message, /\(seen on the wire, not predicted from the chain served over TCP \(about 2842 bytes\); 2 round trips on the wire\)$/);
  t.match(wireOnly[0]?.likelyCause, /another certificate on the QUIC listener/);
  t.same(findProblems({ ...healthy, amplification: over, amplificationOnWire: fitted }), {
    problems: [],
    notes: [
      "the chain's first flight (about 6888 bytes) was predicted over 3 x 1200 = 3600 bytes, not observed: on the wire the server sent 3100 bytes against 3 x 1200 = 3600 without waiting (certificate compression, or a larger client first flight)",
    ],
  });
  t.same(findProblems({ ...healthy, amplificationOnWire: fitted }), { problems: [], notes: [] });
  t.same(codes({ ...healthy, amplificationOnWire: fitted, roundTrips: countRoundTrips(20, 41) }), ['extra-round-trip'], 'the wire shows no wait: the extra round trip has another cause');
  t.match(findProblems({ ...healthy, amplificationOnWire: { ...fitted, limitIgnored: true } }).notes, [/does not keep to the anti-amplification limit/]);
});

t.test('round trips: counted only over a measurable RTT', async (t) => {
  t.same(countRoundTrips(20, 41), { tcpRttMs: 20, quicHandshakeMs: 41, quicHandshakeRoundTrips: 2.05, extraRoundTripSeen: true });
  t.same(countRoundTrips(20, 25), { tcpRttMs: 20, quicHandshakeMs: 25, quicHandshakeRoundTrips: 1.25, extraRoundTripSeen: false });
  t.same(countRoundTrips(0.2, 3), { tcpRttMs: 0.2, quicHandshakeMs: 3, quicHandshakeRoundTrips: null, extraRoundTripSeen: null });
  t.same(countRoundTrips(null, 3), { tcpRttMs: null, quicHandshakeMs: 3, quicHandshakeRoundTrips: null, extraRoundTripSeen: null });
});

t.test('IIS hints only when the Server header says IIS', async (t) => {
  t.same(iisHints('Caddy'), []);
  t.same(iisHints(null), []);
  const hints = iisHints('Microsoft-IIS/10.0');
  t.equal(hints.length, 5);
  t.match(hints.join('\n'), /Windows Server 2022/);
  t.match(hints.join('\n'), /TLS 1\.3/);
  t.match(hints.join('\n'), /HKLM\\SYSTEM\\CurrentControlSet\\Services\\HTTP\\Parameters\\EnableHttp3 = 1/);
  t.match(hints.join('\n'), /EnableAltSvc = 1/);
  t.match(hints.join('\n'), /UDP 443/);
});
