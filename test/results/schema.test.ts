import t from 'tap';
import { findScenario } from '../../scenarios/index.js';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { resultSchema } from '../../harness/results/schema.js';
import { readResult, ResultFileError } from '../../harness/results/read.js';
import { writeResult } from '../../harness/results/write.js';
import { JSON_SCHEMA_PATH, resultJsonSchemaText } from '../../harness/results/json-schema.js';
import { calibrationOf, labLink, sampleResultDocument } from '../fixtures/result-document.js';
import { payloadCapacity } from '../../harness/measure/payload-capacity.js';

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'qlab-results-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

t.test('a good document is accepted', async (t) => {
  t.equal(resultSchema.safeParse(sampleResultDocument()).success, true);
});

t.test('bad documents are rejected with the field named', async (t) => {
  const cases: Array<[string, (d: Record<string, unknown>) => void, RegExp]> = [
    ['missing runId', (d) => delete d.runId, /runId/],
    ['unknown status', (d) => (d.status = 'done'), /status/],
    ['extra top-level field', (d) => (d.surprise = 1), /surprise/],
    ['failed sample without a reason', (d) => {
      const c = (d.cases as Array<{ samples: Array<Record<string, unknown>> }>)[0];
      delete c?.samples[1]?.error;
    }, /must say why/],
    ['metric not a number', (d) => {
      const c = (d.cases as Array<{ samples: Array<{ metrics: Record<string, unknown> }> }>)[0];
      if (c?.samples[0]) c.samples[0].metrics.handshakeMs = '2ms';
    }, /handshakeMs/],
    ['bad timestamp', (d) => (d.startedAt = 'yesterday'), /startedAt/],
    ['metric without provenance', (d) => delete (d.metrics as Array<Record<string, unknown>>)[0]?.provenance, /provenance/],
    ['parameters not the workload\'s', (d) => ((d.cases as Array<Record<string, unknown>>)[0]!.parameters = { bodyBytes: 1001 }), /parametersOf\(workload\)/],
    ['loopback configured as {}', (d) => ((d.link as Record<string, unknown>).configured = {}), /configured/],
  ];
  for (const [name, mutate, expected] of cases) {
    const document = sampleResultDocument() as unknown as Record<string, unknown>;
    mutate(document);
    const checked = resultSchema.safeParse(document);
    t.equal(checked.success, false, name);
    t.match(JSON.stringify(checked.error?.issues), expected, name);
  }
});

t.test('the payload capacity and the reference on the wire are optional: results without them (version 3 before they came) still read', async (t) => {
  const document = sampleResultDocument();
  document.link = labLink({ delay: '20ms', rate: '20mbit' });
  const reference = { tool: 'iperf3 TCP', goodputBitsPerSecond: 19_560_000, direction: 'down' as const, congestionControl: 'cubic', seconds: 5, omittedSeconds: 1, retransmits: 0 };
  document.link.achieved = { calibration: calibrationOf({ rttMedianMs: 40, up: {}, down: {} }), tcpReference: reference };
  t.equal(resultSchema.safeParse(document).success, true, 'as recorded before');
  if (document.link.configured === null) throw new Error('a lab link');
  document.link.configured.payloadCapacity = payloadCapacity({ upBitsPerSecond: 20e6, downBitsPerSecond: 20e6, mtuBytes: 1500, ipVersion: 4, rateFramingBytes: 0, tcpTimestamps: true });
  document.link.achieved.tcpReference = { ...reference, wire: { goodputBitsPerSecond: 19_290_000, payloadBytes: 14_467_500, firstToLastMs: 6000, packets: 9991, repeatedPackets: 2 }, flags: ['x'] };
  t.equal(resultSchema.safeParse(document).success, true, 'with them');
  document.link.achieved.tcpReference = { ...reference, wire: null, wireError: 'tcpdump is not installed' };
  t.equal(resultSchema.safeParse(document).success, true, 'a reference not captured');
  const dir = await tempDir();
  await writeResult(document, [join(dir, 'run.json')]);
  t.same((await readResult(join(dir, 'run.json'))).link, document.link, 'round-trips');
});

t.test('write then read round-trips, atomically', async (t) => {
  const dir = await tempDir();
  const path = join(dir, 'nested', 'run.json');
  await writeResult(sampleResultDocument(), [path]);
  t.same(await readResult(path), sampleResultDocument());
  t.same(await readdir(join(dir, 'nested')), ['run.json'], 'no temporary file left');
});

t.test('an invalid document is not written', async (t) => {
  const dir = await tempDir();
  const path = join(dir, 'bad.json');
  const bad = { ...sampleResultDocument(), runId: '' };
  await t.rejects(writeResult(bad, [path]), /does not match the schema: runId/);
  t.same(await readdir(dir), [], 'nothing written');
});

t.test('reading bad files gives one line naming the file', async (t) => {
  const dir = await tempDir();
  const good = JSON.stringify(sampleResultDocument());
  const files: Array<[string, string, RegExp]> = [
    ['truncated.json', good.slice(0, good.length / 2), /truncated\.json: not JSON/],
    ['text.json', 'hello', /text\.json: not JSON/],
    ['v4.json', JSON.stringify({ ...sampleResultDocument(), schemaVersion: 4 }), /v4\.json: schemaVersion 4 is not supported \(this tool reads 1-3\)/],
    ['v0.json', JSON.stringify({ ...sampleResultDocument(), schemaVersion: 0 }), /v0\.json: schemaVersion 0 is not supported/],
    ['other.json', JSON.stringify({ name: 'package' }), /other\.json: not a QUIC lab result \(no schemaVersion\)/],
    ['array.json', '[1, 2]', /array\.json: not a QUIC lab result \(not a JSON object\)/],
    ['empty.json', '', /empty\.json: not JSON/],
    ['missing.json', JSON.stringify({ ...sampleResultDocument(), cases: undefined }), /missing\.json: cases:/],
    [
      'kind.json',
      JSON.stringify({ ...sampleResultDocument(), cases: [{ ...sampleResultDocument().cases[0], workload: { kind: 'download', bodyBytes: 1000 } }] }),
      /^\S*kind\.json: cases\.0\.workload\.kind: Invalid discriminator value\. Expected 'handshake' \| 'transfer' \| 'batch' \| 'copy' \| 'messages' \| 'competition'$/,
    ],
    [
      'v2-parameters.json',
      JSON.stringify({ ...sampleResultDocument(), schemaVersion: 2, cases: [{ ...sampleResultDocument().cases[0], workload: undefined, parameters: { bodyBytes: 1000, surprise: 1 } }] }),
      /v2-parameters\.json: schemaVersion 2 -> 3: cases\.0\.parameters \(quic-h3\): parameters \{"bodyBytes":1000,"surprise":1\} are not a handshake workload \(unknown: surprise\)$/,
    ],
  ];
  for (const [name, text, expected] of files) {
    await writeFile(join(dir, name), text);
    const error = await readResult(join(dir, name)).catch((e: unknown) => e);
    t.type(error, ResultFileError, name);
    t.match((error as Error).message, expected, name);
    t.notMatch((error as Error).message, /\n/, `${name}: one line`);
  }
  await t.rejects(readResult(join(dir, 'absent.json')), /absent\.json: cannot read \(ENOENT\)/);
});

t.test('the JSON Schema file in the repo is up to date', async (t) => {
  t.equal(await readFile(JSON_SCHEMA_PATH, 'utf8'), resultJsonSchemaText(), 'run `npm run schema` after changing harness/results/schema.ts');
});

const CAPTURE = { kind: 'measured', sources: ['packet-capture'] };

t.test('a schemaVersion 1 file (a real run of an earlier version) is read through its migrations', async (t) => {
  const document = await readResult(resolve(import.meta.dirname, '../fixtures/results/handshake-v1.json'), findScenario);
  t.equal(document.schemaVersion, 3);
  t.same(document.headline, ['handshakeMs', 'handshakeRoundTrips', 'ttfbMs', 'ttfbRoundTrips', 'wireHandshakeMs', 'serverCertificateSent', 'serverFirstFlightBytes']);
  const byName = new Map(document.metrics.map((m) => [m.name, m]));
  t.same(
    byName.get('handshakeMs'),
    { name: 'handshakeMs', unit: 'ms', description: byName.get('handshakeMs')?.description, better: 'lower', provenance: { kind: 'measured', sources: ['ngtcp2-qlog', 'node-socket-events'] } },
    'declared by the scenario, measured by the sources the cases recorded',
  );
  t.equal(byName.get('connectMs')?.better, 'lower');
  t.same([...byName.keys()].sort(), [...new Set(document.cases.flatMap((c) => Object.keys(c.summary)))].sort(), 'a definition for every metric');
  t.same(
    Object.fromEntries(document.metrics.map((m) => [m.name, m.provenance])),
    {
      handshakeMs: { kind: 'measured', sources: ['ngtcp2-qlog', 'node-socket-events'] },
      ttfbMs: { kind: 'measured', sources: ['ngtcp2-qlog', 'node-socket-events'] },
      totalMs: { kind: 'measured', sources: ['ngtcp2-qlog', 'node-socket-events'] },
      connectMs: { kind: 'measured', sources: ['node-socket-events'] },
      clientFinishedSentMs: { kind: 'measured', sources: ['ngtcp2-qlog'] },
      bodyBytes: { kind: 'measured', sources: ['client'] },
    },
    'each metric measured by the timing sources its cases recorded, else by the client',
  );
  t.same(
    document.cases.map((c) => [c.id, c.workload, c.parameters]),
    [
      ['tcp-tls-h2', { kind: 'handshake', bodyBytes: 1000 }, { bodyBytes: 1000 }],
      ['quic-h3', { kind: 'handshake', bodyBytes: 1000 }, { bodyBytes: 1000 }],
    ],
  );
  // The lab link, typed: what v1 recorded fits the schema's conditions and calibration.
  t.equal(document.link.configured?.up.burstLoss?.maxBurstPackets, 3);
  t.equal(document.link.configured?.namespaceSettings['client.net.ipv4.tcp_congestion_control'], 'cubic');
  t.equal(document.link.achieved?.calibration?.up.rateSource, 'udp-flood-saturated');
});

t.test('a schemaVersion 2 file (a real loopback run, trimmed) gains workloads, provenance and a null loopback link', async (t) => {
  const path = resolve(import.meta.dirname, '../fixtures/results/handshake-v2.json');
  const v2 = JSON.parse(await readFile(path, 'utf8')) as { cases: Array<{ parameters: unknown }>; link: unknown };
  t.same(v2.link, { backend: 'loopback', profile: null, configured: {}, achieved: null });
  const document = await readResult(path, findScenario);
  t.equal(document.schemaVersion, 3);
  t.same(document.link, { backend: 'loopback', profile: null, configured: null, achieved: null });
  t.same(
    document.cases.map((c) => [c.id, c.workload]),
    [
      ['tcp-tls-h2', { kind: 'handshake', bodyBytes: 1000, session: 'cold' }],
      ['tcp-tls-h2-resumed', { kind: 'handshake', bodyBytes: 1000, session: 'resumed' }],
      ['tcp-tls-h2-0rtt', { kind: 'handshake', bodyBytes: 1000, session: 'early-data' }],
      ['quic-h3', { kind: 'handshake', bodyBytes: 1000, session: 'cold' }],
      ['quic-h3-resumed', { kind: 'handshake', bodyBytes: 1000, session: 'resumed' }],
      ['quic-h3-0rtt', { kind: 'handshake', bodyBytes: 1000, session: 'early-data' }],
    ],
  );
  t.same(
    document.cases.map((c) => c.parameters),
    v2.cases.map((c) => c.parameters),
    'the parameters are the ones v2 recorded',
  );
  t.same(
    Object.fromEntries(document.metrics.map((m) => [m.name, m.provenance])),
    {
      handshakeMs: { kind: 'measured', sources: ['ngtcp2-qlog', 'node-socket-events'] },
      ttfbMs: { kind: 'measured', sources: ['ngtcp2-qlog', 'node-socket-events'] },
      totalMs: { kind: 'measured', sources: ['ngtcp2-qlog', 'node-socket-events'] },
      wireHandshakeMs: CAPTURE,
      wireTtfbMs: CAPTURE,
      serverCertificateSent: CAPTURE,
      serverFirstFlightBytes: CAPTURE,
      clientPacketsBeforeHandshake: CAPTURE,
      serverPacketsBeforeHandshake: CAPTURE,
      clientIpBytesBeforeHandshake: CAPTURE,
      serverIpBytesBeforeHandshake: CAPTURE,
      connectMs: { kind: 'measured', sources: ['node-socket-events'] },
      clientFinishedSentMs: { kind: 'measured', sources: ['ngtcp2-qlog'] },
      amplificationLimitExceeded: CAPTURE,
      bodyBytes: { kind: 'measured', sources: ['client'] },
      // undici records no timing source for the body: the client's own report
      bodyEndMs: { kind: 'measured', sources: ['client', 'ngtcp2-qlog'] },
      bodyStartMs: { kind: 'measured', sources: ['client', 'ngtcp2-qlog'] },
      clientFirstFlightBytes: CAPTURE,
      wireHandshakeRounds: CAPTURE,
    },
  );
});

t.test('a v1 file of a scenario this tool does not know gets definitions from the metric names', async (t) => {
  const dir = await tempDir();
  const path = join(dir, 'future.json');
  const { metrics: _m, headline: _h, ...v1 } = { ...sampleResultDocument(), schemaVersion: 1, scenario: 'someday' };
  v1.cases[0]!.summary = { ...v1.cases[0]!.summary, goodputBitsPerSecond: { n: 1, median: 1, p5: 1, p95: 1, mean: 1, stddev: 0, min: 1, max: 1 } };
  await writeFile(path, JSON.stringify(v1));
  const document = await readResult(path, findScenario);
  t.same(
    document.metrics.map((m) => [m.name, m.unit, m.better, m.provenance]),
    [
      ['goodputBitsPerSecond', 'bits/s', 'higher', { kind: 'measured', sources: ['client'] }],
      ['handshakeMs', 'ms', 'lower', { kind: 'measured', sources: ['ngtcp2-qlog'] }],
    ],
  );
  t.same(document.headline, ['goodputBitsPerSecond', 'handshakeMs']);
});
