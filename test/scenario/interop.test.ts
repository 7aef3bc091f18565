// The interop matrix: pairs derived from the implementations' descriptors, each test's wire
// check, the verdict per case, the check stage of the pipeline and the run's exit code.
import t from 'tap';
import { H3, H1_H2, defineImplementation, knownVersion, type ImplementationDescriptor } from '../../harness/endpoints/descriptor.js';
import { IMPLEMENTATIONS } from '../../harness/endpoints/implementations.js';
import { namesOf, clientRole, serverRole } from '../../harness/endpoints/registry.js';
import { analyzeConnections } from '../../harness/capture/wire-analysis.js';
import { expandMatrix } from '../../harness/scenario/matrix.js';
import { shapeScenario } from '../../harness/run/shape.js';
import { withCheck } from '../../harness/run/pipeline.js';
import { runExitCode } from '../../harness/run/session.js';
import { caseVerdict } from '../../harness/scenario/verdict.js';
import type { Sample } from '../../harness/results/schema.js';
import { INTEROP_TESTS } from '../../scenarios/interop-tests.js';
import { clientZeroRttPackets, interop, testOf } from '../../scenarios/interop.js';
import { QUIET_PACKET_FIELDS } from '../fixtures/wire-packet.js';
import { sampleResultDocument } from '../fixtures/result-document.js';

const never = () => ({});
const role = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  implementation: `${name}-impl`,
  selectable: true,
  speaks: H3,
  sessionModes: ['cold', 'resumed', 'early-data'] as const,
  version: () => knownVersion('1'),
  ...extra,
});
const can = { exchange: true, batch: true, copy: 'no', messages: 'no' } as const;
// A made-up list: two HTTP/3 stacks with both roles, a TCP-only server and a client that cannot resume.
const LIST: readonly ImplementationDescriptor[] = [
  defineImplementation({ name: 'tcp', install: '', server: role('tcp', { speaks: H1_H2 }), open: never }),
  defineImplementation({ name: 'alpha', install: '', server: role('alpha'), client: { ...role('alpha'), can }, open: never }),
  defineImplementation({
    name: 'beta',
    install: '',
    server: role('beta', { sessionModes: ['cold', 'resumed'], sessionNote: 'no tickets for early data' }),
    client: { ...role('beta', { sessionModes: ['cold'], sessionNote: 'fresh profile' }), can: { ...can, batch: 'one request at a time' } },
    open: never,
  }),
];

t.test('one case per test, metadata from the test', async (t) => {
  t.same(
    interop.cases.map((c) => [c.id, c.needs, c.timeoutMs, c.workload.kind]),
    [
      ['handshake', 'exchange', 10_000, 'handshake'],
      ['transfer', 'exchange', 30_000, 'transfer'],
      ['resumption', 'exchange', 10_000, 'handshake'],
      ['zerortt', 'exchange', 10_000, 'handshake'],
      ['multistream', 'batch', 30_000, 'batch'],
      ['rebind-port', 'exchange', 30_000, 'transfer'],
    ],
  );
  t.same(
    INTEROP_TESTS.map((test) => test.abbreviation),
    ['H', 'D', 'R', 'Z', 'M', 'BP'],
  );
  t.equal(testOf({ id: 'zerortt@caddy/chromium' }).name, 'zerortt');
  t.throws(() => testOf({ id: 'nope@a/b' }), /no interop test "nope"/);
});

t.test('every pair of the list that speaks HTTP/3, ids naming the pair, gaps with the descriptors reasons', async (t) => {
  const expanded = expandMatrix({ ...interop, cases: interop.cases.filter((c) => ['handshake', 'zerortt', 'multistream'].includes(c.id)) }, {}, LIST);
  t.same(
    expanded.cases.map((c) => `${c.id}${c.unsupported ? ` UNSUPPORTED ${c.unsupported}` : ''}`),
    [
      'handshake@alpha/alpha',
      'handshake@alpha/beta',
      'handshake@beta/alpha',
      'handshake@beta/beta',
      'zerortt@alpha/alpha',
      'zerortt@alpha/beta UNSUPPORTED beta: no early-data sessions (fresh profile)',
      'zerortt@beta/alpha UNSUPPORTED beta: no early-data sessions (no tickets for early data)',
      'zerortt@beta/beta UNSUPPORTED beta: no early-data sessions (no tickets for early data)',
      'multistream@alpha/alpha',
      'multistream@alpha/beta UNSUPPORTED beta: one request at a time',
      'multistream@beta/alpha',
      'multistream@beta/beta UNSUPPORTED beta: one request at a time',
    ],
  );
  const narrowed = expandMatrix(interop, { servers: ['beta'], clients: ['alpha'] }, LIST);
  t.same([...new Set(narrowed.cases.map((c) => `${c.server}/${c.client}`))], ['beta/alpha'], '--server/--client narrow it');
});

t.test("the lab's own list: every selectable HTTP/3 server x client, whatever the list holds", async (t) => {
  const shaped = shapeScenario(interop, {});
  const h3 = (r: { speaks: ReadonlyArray<{ protocol: string }> }) => r.speaks.some((s) => s.protocol === 'quic');
  const servers = namesOf('server', IMPLEMENTATIONS, true).filter((n) => h3(serverRole(n)));
  const clients = namesOf('client', IMPLEMENTATIONS, true).filter((n) => h3(clientRole(n)));
  t.ok(servers.includes('ngtcp2') && servers.includes('caddy') && clients.includes('ngtcp2') && clients.includes('chromium'));
  const pairs = servers.flatMap((s) => clients.map((c) => `${s}/${c}`));
  t.same([...new Set(shaped.cases.map((c) => `${c.server}/${c.client}`))].sort(), [...pairs].sort());
  t.equal(shaped.cases.length, pairs.length * INTEROP_TESTS.length);
  t.ok(shaped.cases.every((c) => c.id.endsWith(`@${c.server}/${c.client}`)));
  const onlySome = shapeScenario(interop, { variants: ['handshake'], servers: ['ngtcp2'], clients: ['ngtcp2'] });
  t.same(
    onlySome.cases.map((c) => c.id),
    ['handshake@ngtcp2/ngtcp2'],
  );
});

const wire = { quicVersion: '0x00000001', wireAlpn: 'h3' };
const seen = { wireHandshakeMs: 31, wireTtfbMs: 62 };
const check = (name: string, metrics: Record<string, number>, negotiated: Sample['negotiated'] = wire) => testOf({ id: name }).check({ metrics, negotiated });

t.test('handshake: QUIC v1, h3, the handshake, the Certificate and the response on the wire, the body verified', async (t) => {
  const good = { ...seen, serverCertificateSent: 1, verifiedBodyBytes: 1000 };
  t.equal(check('handshake', good), undefined);
  t.equal(check('handshake', good, {}), 'no QUIC version on the wire (no capture, or no connection of the sample in it)');
  t.equal(check('handshake', good, { ...wire, quicVersion: '0x6b3343cf' }), 'QUIC version 0x6b3343cf on the wire, not v1 (0x00000001)');
  t.equal(check('handshake', good, { quicVersion: '0x00000001' }), "no ALPN on the wire (the server's EncryptedExtensions were not decrypted)");
  t.equal(check('handshake', good, { ...wire, wireAlpn: 'h3-29' }), 'the server chose ALPN h3-29 on the wire, not h3');
  t.equal(check('handshake', { ...good, wireHandshakeMs: undefined as unknown as number }), "the wire shows no completed handshake (the server's Finished was not seen)");
  t.equal(check('handshake', { serverCertificateSent: 1, verifiedBodyBytes: 1000, wireHandshakeMs: 31 }), 'the wire shows no response data on a request stream');
  t.equal(check('handshake', { ...good, serverCertificateSent: 0 }), 'no Certificate from the server on a cold handshake');
  t.equal(check('handshake', { ...seen, verifiedBodyBytes: 1000 }), "the server's handshake flight could not be read on the wire");
  t.equal(check('handshake', { ...good, verifiedBodyBytes: 999 }), '999 of 1000 body bytes verified');
  t.equal(check('handshake', { ...seen, serverCertificateSent: 1 }), 'the body was not verified (the client could not check it)');
});

t.test('transfer, resumption, 0-RTT, many streams, rebinding: what each needs on the wire', async (t) => {
  t.equal(check('transfer', { ...seen, wireGoodputBitsPerSecond: 9e6, verifiedBodyBytes: 1_000_000 }), undefined);
  t.equal(check('transfer', { ...seen, verifiedBodyBytes: 1_000_000 }), "the wire does not show the body's first and last packets (no wire goodput)");
  t.equal(check('resumption', { ...seen, serverCertificateSent: 0, verifiedBodyBytes: 1000 }), undefined);
  t.equal(check('resumption', { ...seen, serverCertificateSent: 1, verifiedBodyBytes: 1000 }), 'the server sent its Certificate: a full handshake on the wire, not a resumed one');
  t.equal(check('zerortt', { ...seen, wireClientZeroRttPackets: 2, serverCertificateSent: 0, verifiedBodyBytes: 1000 }), undefined);
  t.equal(check('zerortt', { ...seen, wireClientZeroRttPackets: 0, serverCertificateSent: 0, verifiedBodyBytes: 1000 }), 'no 0-RTT packet from the client on the wire');
  t.equal(check('multistream', { ...seen, connections: 1, wireAllDoneMs: 300, verifiedBodyBytes: 500_000 }), undefined);
  t.equal(check('multistream', { ...seen, connections: 2, wireAllDoneMs: 300, verifiedBodyBytes: 500_000 }), 'the client opened 2 connections, not one');
  t.equal(check('multistream', { ...seen, connections: 1, verifiedBodyBytes: 500_000 }), 'the wire does not show all 50 responses end');
  t.equal(check('rebind-port', { ...seen, completedOnSameConnection: 1, pathChallenges: 4, verifiedBodyBytes: 2_000_000 }), undefined);
  t.equal(check('rebind-port', { ...seen, completedOnSameConnection: 1, pathChallenges: 0, verifiedBodyBytes: 2_000_000 }), 'no PATH_CHALLENGE from the server on the wire: the new path was not validated');
  t.equal(check('rebind-port', { ...seen, completedOnSameConnection: 0, pathChallenges: 1, verifiedBodyBytes: 2_000_000 }), 'the download did not finish on its own connection');
});

t.test("0-RTT packets are the client's long-header 0-RTT packets of the connection", async (t) => {
  const client = { ip: '198.18.0.1', port: 40000 };
  const server = { ip: '198.18.0.2', port: 4433 };
  const packet = (frame: number, fromClient: boolean, types: Array<'initial' | '0rtt' | 'handshake'>) => ({
    ...QUIET_PACKET_FIELDS,
    frame,
    timeEpochMs: 1000 + frame,
    transport: 'udp' as const,
    src: fromClient ? client : server,
    dst: fromClient ? server : client,
    ipBytes: 1228,
    payloadBytes: 1200,
    quicLongPacketTypes: types,
  });
  const [connection] = analyzeConnections([packet(1, true, ['initial', '0rtt']), packet(2, true, ['0rtt']), packet(3, false, ['initial', 'handshake'])], [{ ...server, transport: 'udp' }]);
  t.equal(clientZeroRttPackets(connection as NonNullable<typeof connection>), 2);
});

const ok = (index: number, metrics: Record<string, number> = {}): Sample => ({ index, status: 'ok', startedAt: '2026-11-26T07:00:01.000Z', metrics });
const failed = (index: number, error: string): Sample => ({ index, status: 'failed', error, startedAt: '2026-11-26T07:00:01.000Z', metrics: {} });

t.test('the check stage fails a measured sample that fails its test, keeping its metrics', async (t) => {
  const definition = { ...interop.cases[0]!, id: 'handshake@caddy/ngtcp2' };
  const sample = ok(0, { handshakeMs: 30, verifiedBodyBytes: 1000 });
  const checked = withCheck(sample, definition, interop.check!);
  t.same(checked, { ...sample, status: 'failed', error: 'check: no QUIC version on the wire (no capture, or no connection of the sample in it)' });
  t.equal(withCheck(failed(1, 'timed out'), definition, interop.check!).error, 'timed out', 'a failed sample stays as it was');
  const passing = { ...ok(2, { ...seen, serverCertificateSent: 1, verifiedBodyBytes: 1000 }), negotiated: wire };
  t.equal(withCheck(passing, definition, interop.check!), passing);
});

t.test('the verdict of a case', async (t) => {
  t.same(caseVerdict({ unsupported: 'chromium: no resumed sessions', samples: [] }), { status: 'unsupported', reason: 'chromium: no resumed sessions' });
  t.same(caseVerdict({ samples: [ok(0), ok(1)] }), { status: 'passed' });
  t.same(caseVerdict({ samples: [ok(0), failed(1, 'check: no 0-RTT packet from the client on the wire')] }), {
    status: 'failed',
    reason: 'check: no 0-RTT packet from the client on the wire (1 of 2 samples failed; the first: sample 1)',
  });
  t.same(caseVerdict({ samples: [failed(0, 'timed out'), failed(1, 'refused')] }), { status: 'failed', reason: 'timed out (every sample failed; the first: sample 0)' });
  t.same(caseVerdict({ samples: [] }), { status: 'failed', reason: 'no sample was taken (the run ended first)' });
});

t.test('exit code: 1 when a supported case failed its test, 0 when every case passed or was unsupported', async (t) => {
  const document = sampleResultDocument();
  const base = document.cases[0]!;
  const passed = { ...base, samples: [ok(0)], verdict: { status: 'passed' as const } };
  const unsupported = { ...base, id: 'b', samples: [], unsupported: 'no', verdict: { status: 'unsupported' as const, reason: 'no' } };
  const failing = { ...base, id: 'c', samples: [failed(0, 'x')], verdict: { status: 'failed' as const, reason: 'x' } };
  t.equal(runExitCode({ status: 'completed', cases: [passed, unsupported] }), 0);
  t.equal(runExitCode({ status: 'completed', cases: [passed, unsupported, failing] }), 1);
  t.equal(runExitCode({ status: 'completed', cases: [failing] }), 3, 'no sample succeeded: 3 as before');
  t.equal(runExitCode({ status: 'aborted', cases: [passed, failing] }), 130);
});
