// The peer contract's JSON (peers/CONTRACT.md) as the generic endpoint reads it: exact
// timings from a real quic-go client line, and a clear error for anything else.
import t from 'tap';
import { batchTimings, exchangeTimings, parseContractOutput, partialTransfer } from '../../harness/endpoints/peer-program/contract.js';
import { expectedBodyBytes } from '../../harness/endpoints/peer-program/client.js';
import { listeningPort } from '../../harness/endpoints/peer-program/server.js';
import { transportArguments, transportSettings, type PeerProgram } from '../../harness/endpoints/peer-program/peer.js';

// Printed by peers/quic-go (v0.66.0) for a 100 kB download on loopback.
const DOWNLOAD =
  '{"implementation":"quic-go","version":"v0.66.0","clockResolutionMs":0.001,"handshakeMs":30.464,"ttfbMs":31.794,"bodyStartMs":31.814,"bodyEndMs":32.726,"totalMs":32.746,"bodyBytes":100000,"verifiedBodyBytes":100000,"status":200,"alpn":"h3","quicVersion":"0x00000001","resumed":false,"earlyDataAccepted":false,"lostPackets":0,"timingSource":"quic-go qlog events (handshake), http3 reads (body)"}\n';
const UPLOAD =
  '{"implementation":"quic-go","version":"v0.66.0","clockResolutionMs":0.001,"handshakeMs":1.448,"ttfbMs":5.387,"bodyStartMs":1.552,"bodyEndMs":5.399,"totalMs":5.399,"verifiedBodyBytes":300000,"uploadedBytes":300000,"status":200,"alpn":"h3","quicVersion":"0x00000001","resumed":false,"earlyDataAccepted":false,"lostPackets":0,"timingSource":"quic-go qlog events (handshake), http3 reads (body)"}';
const BATCH =
  '{"implementation":"quic-go","version":"v0.66.0","clockResolutionMs":0.001,"handshakeMs":4.935,"ttfbMs":5.561,"totalMs":5.741,"status":200,"objects":[{"path":"/1000","bytes":1000,"verifiedBytes":1000,"completedMs":5.606},{"path":"/2000","bytes":2000,"verifiedBytes":2000,"completedMs":5.741}],"timingSource":"quic-go tracer"}';
const FAILED = '{"implementation":"quic-go","version":"v0.66.0","clockResolutionMs":0.001,"timingSource":"quic-go tracer","error":"QUIC handshake failed: the server certificate does not chain to --ca"}';

t.test('a download: every timing as printed, the response body as bodyBytes', async (t) => {
  const r = parseContractOutput('quic-go', DOWNLOAD, 0);
  t.same(exchangeTimings('quic-go', r, false), {
    handshakeMs: 30.464,
    totalMs: 32.746,
    ttfbMs: 31.794,
    bodyStartMs: 31.814,
    bodyEndMs: 32.726,
    verifiedBodyBytes: 100000,
    alpn: 'h3',
    resumed: false,
    earlyDataAccepted: false,
    bodyBytes: 100000,
  });
  t.equal(r.quicVersion, '0x00000001');
  t.equal(r.lostPackets, 0);
});

t.test('an upload: the request body is bodyBytes, verified by the server', async (t) => {
  const timings = exchangeTimings('quic-go', parseContractOutput('quic-go', UPLOAD, 0), true);
  t.equal(timings.bodyBytes, 300000);
  t.equal(timings.uploadedBytes, 300000);
  t.equal(timings.verifiedBodyBytes, 300000);
  t.equal(timings.bodyStartMs, 1.552);
});

t.test('a batch: objects in the order asked for', async (t) => {
  const r = parseContractOutput('quic-go', BATCH, 0);
  t.same(batchTimings('quic-go', r, ['/1000', '/2000']), {
    handshakeMs: 4.935,
    objects: [
      { path: '/1000', bytes: 1000, verifiedBytes: 1000, completedMs: 5.606 },
      { path: '/2000', bytes: 2000, verifiedBytes: 2000, completedMs: 5.741 },
    ],
    totalMs: 5.741,
    connections: 1,
  });
  t.throws(() => batchTimings('quic-go', r, ['/2000', '/1000']), /not the 2 paths asked for/);
  t.throws(() => batchTimings('quic-go', r, ['/1000']), /not the 1 paths/);
});

t.test('a failure: exit 1 with its error; a broken-off download says how far it got', async (t) => {
  t.equal(parseContractOutput('quic-go', FAILED, 1).error, 'QUIC handshake failed: the server certificate does not chain to --ca');
  const broken = JSON.stringify({ ...JSON.parse(FAILED), error: 'body broke off', partial: { bodyBytes: 52000, lastByteMs: 700.2, failedAtMs: 1200 } });
  t.same(partialTransfer(parseContractOutput('quic-go', broken, 1)), { bodyBytes: 52000, lastByteMs: 700.2, failedAtMs: 1200 });
  t.equal(partialTransfer(parseContractOutput('quic-go', DOWNLOAD, 0)), null);
});

t.test('bad output is a clear error naming the peer', async (t) => {
  t.throws(() => parseContractOutput('quiche', '', 0), /^quiche client: expected one JSON line on stdout, got 0 \(exit 0\)/);
  t.throws(() => parseContractOutput('quiche', `${DOWNLOAD}${DOWNLOAD}`, 0), /expected one JSON line on stdout, got 2/);
  t.throws(() => parseContractOutput('quiche', 'panicked at src/main.rs', 101), /quiche client: its output is not JSON \(exit 101\): "panicked at src\/main.rs"/);
  t.throws(() => parseContractOutput('aioquic', DOWNLOAD.replace('"handshakeMs":30.464', '"handshakeMs":"30"'), 0), /aioquic client: its output does not follow peers\/CONTRACT.md \(handshakeMs: /);
  t.throws(() => parseContractOutput('aioquic', DOWNLOAD.replace('"status":200', '"statusCode":200'), 0), /does not follow peers\/CONTRACT.md \(\(top\): Unrecognized key/);
  t.throws(() => parseContractOutput('aioquic', DOWNLOAD.replace('"handshakeMs":30.464', '"handshakeMs":-1'), 0), /handshakeMs/);
  t.throws(() => parseContractOutput('aioquic', DOWNLOAD.replace('"quicVersion":"0x00000001"', '"quicVersion":"1"'), 0), /quicVersion/);
  t.throws(() => parseContractOutput('quic-go', DOWNLOAD, 1), /exit 1 without an error/);
  t.throws(() => parseContractOutput('quic-go', FAILED, 0), /exit 0 with an error: QUIC handshake failed/);
  t.throws(() => parseContractOutput('quic-go', FAILED, 2), /exit 2: QUIC handshake failed/);
  t.throws(() => exchangeTimings('quic-go', parseContractOutput('quic-go', FAILED.replace(',"error":"QUIC handshake failed: the server certificate does not chain to --ca"', ''), 0), false), /without handshakeMs or totalMs/);
});

t.test('the bytes an exchange must move', async (t) => {
  t.equal(expectedBodyBytes('/1000', undefined, undefined), 1000);
  t.equal(expectedBodyBytes('/1000', undefined, 400), 600);
  t.equal(expectedBodyBytes('/1000', 5000, undefined), 5000);
  t.equal(expectedBodyBytes('/index.html', undefined, undefined), null);
});

t.test('the listening line gives the port', async (t) => {
  t.equal(listeningPort('{"event":"listening","address":"198.18.0.2:4433"}'), 4433);
  t.equal(listeningPort('{"event":"listening","address":"[2001:2::2]:50123"}\n'), 50123);
  t.throws(() => listeningPort('{"event":"listening","address":"198.18.0.2"}'), /not a listening line with a port/);
});

t.test('what a stack lacks is refused before a run, and its defaults are recorded', async (t) => {
  const program: PeerProgram = {
    peer: 'quic-go',
    implementation: { server: 'quic-go-server', client: 'quic-go-client' },
    defaultCongestionControl: 'reno',
    congestionControls: ['reno'],
    initialRtt: { defaultMs: 100, settable: false },
  };
  t.same(transportArguments(program, { congestionControl: 'reno', maxWindowBytes: 1000.5 }), ['--cc', 'reno', '--max-window-bytes', '1001']);
  t.throws(() => transportArguments(program, { congestionControl: 'cubic' }), /quic-go: no cubic congestion control \(it has reno\)/);
  t.throws(() => transportArguments(program, { initialRttMs: 40 }), /quic-go: the initial RTT cannot be set \(fixed at 100 ms\)/);
  t.same(transportSettings(program, {}), { congestionControl: 'reno', initialRttMs: 100, maxWindowBytes: null });
});
