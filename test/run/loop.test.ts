// The run loop's own logic, with scripted endpoints (the real ones are in the integration tests).
import t from 'tap';
import { runScenario } from '../../harness/run/loop.js';
import type { ScenarioDefinition } from '../../harness/scenario/types.js';
import type { EndpointFactory, ExchangeClient, ServerEndpoint } from '../../harness/endpoints/types.js';
import { resultSchema } from '../../harness/results/schema.js';

import { certificates, link, scriptedScenario, tls } from '../fixtures/scripted-run.js';

function scriptedFactory(calls: string[], behaviour: (caseId: string, call: number) => Promise<number>): EndpointFactory {
  const counts = new Map<string, number>();
  const server = (name: string): ServerEndpoint => ({
    implementation: name,
    speaks: [],
    start: async () => ({ host: '127.0.0.1', port: 1, serverName: 'server.lab.example' }),
    stop: async () => {
      calls.push(`stop ${name}`);
    },
    info: () => ({ implementation: name, version: '1', settings: {} }),
  });
  return {
    server,
    client: (name, definition): ExchangeClient => ({
      implementation: name,
      protocol: definition.protocol,
      application: definition.application,
      sessionModes: ['cold'],
      timingSources: { handshakeMs: { source: 'script', resolutionMs: 1 } },
      prepare: async () => {},
      exchange: async () => {
        const n = counts.get(definition.id) ?? 0;
        counts.set(definition.id, n + 1);
        calls.push(`${definition.id}#${n}`);
        return { handshakeMs: await behaviour(definition.id, n) };
      },
      info: () => ({ implementation: name, version: '1', settings: {} }),
    }),
  };
}

const scenario: ScenarioDefinition = scriptedScenario([
  { id: 'a', protocol: 'tcp-tls', application: 'h2', client: 'undici', server: 'node', workload: { kind: 'handshake', bodyBytes: 1 } },
  { id: 'b', protocol: 'quic', application: 'h3', client: 'ngtcp2', server: 'ngtcp2', workload: { kind: 'handshake', bodyBytes: 1 } },
]);

t.test('samples are interleaved, warm-up is not recorded, servers are stopped', async (t) => {
  const calls: string[] = [];
  const document = await runScenario(scenario, {
    samples: 3,
    warmup: 1,
    sampleTimeoutMs: 1000,
    tls,
    certificates,
    link,
    endpoints: scriptedFactory(calls, async (id, n) => (id === 'a' ? 10 + n : 1 + n)),
  });
  t.same(calls, ['a#0', 'b#0', 'b#1', 'a#1', 'a#2', 'b#2', 'b#3', 'a#3', 'stop node', 'stop ngtcp2']);
  t.equal(document.status, 'completed');
  t.equal(resultSchema.safeParse(document).success, true);
  const a = document.cases.find((c) => c.id === 'a');
  t.same(
    a?.samples.map((s) => s.metrics.handshakeMs),
    [11, 12, 13],
    'warm-up (10) dropped',
  );
  t.equal(a?.summary.handshakeMs?.median, 12);
  t.same(a?.timingSources, { handshakeMs: { source: 'script', resolutionMs: 1 } });
});

t.test('a failed or hung sample is recorded and the run goes on', async (t) => {
  const calls: string[] = [];
  const document = await runScenario(scenario, {
    samples: 2,
    warmup: 0,
    sampleTimeoutMs: 50,
    tls,
    certificates,
    link,
    endpoints: scriptedFactory(calls, async (id, n) => {
      if (id === 'a' && n === 0) throw new Error('connection refused');
      if (id === 'b' && n === 1) return new Promise<number>(() => {});
      return 5;
    }),
  });
  t.equal(document.status, 'completed');
  const [a, b] = document.cases;
  t.same(
    a?.samples.map((s) => [s.status, s.error]),
    [
      ['failed', 'connection refused'],
      ['ok', undefined],
    ],
  );
  t.same(
    b?.samples.map((s) => s.status),
    ['ok', 'failed'],
  );
  t.match(b?.samples[1]?.error, /timed out after 5050 ms/);
  t.equal(b?.summary.handshakeMs?.n, 1, 'summaries use ok samples only');
});

t.test('an interrupt ends the run as aborted with what it has', async (t) => {
  const calls: string[] = [];
  const controller = new AbortController();
  const document = await runScenario(scenario, {
    samples: 10,
    warmup: 0,
    sampleTimeoutMs: 1000,
    tls,
    certificates,
    link,
    signal: controller.signal,
    endpoints: scriptedFactory(calls, async (_id, n) => {
      if (n === 1) controller.abort(new Error('interrupted by SIGINT'));
      return 1;
    }),
  });
  t.equal(document.status, 'aborted');
  t.same(document.errors, ['interrupted by SIGINT']);
  t.ok(calls.includes('stop node') && calls.includes('stop ngtcp2'), 'servers stopped');
  t.ok(document.cases.every((c) => c.samples.length < 10));
  t.equal(resultSchema.safeParse(document).success, true);
});

t.test('a server that cannot start fails the run, with the reason', async (t) => {
  const calls: string[] = [];
  const factory = scriptedFactory(calls, async () => 1);
  const broken: EndpointFactory = {
    ...factory,
    server: (name, material) => (name === 'ngtcp2' ? { ...factory.server(name, material), start: async () => Promise.reject(new Error('gtlsserver: not ready after 5000 ms')) } : factory.server(name, material)),
  };
  const document = await runScenario(scenario, { samples: 1, warmup: 0, sampleTimeoutMs: 100, tls, certificates, link, endpoints: broken });
  t.equal(document.status, 'failed');
  t.same(document.errors, ['gtlsserver: not ready after 5000 ms']);
  t.ok(calls.includes('stop node'), 'the server that did start is stopped');
});

/** Runs whose sample hangs: only something else (an interrupt, the link's death) can end it before the 60 s timeout. */
const HUNG_SAMPLE_RUN = { samples: 3, warmup: 0, sampleTimeoutMs: 60_000, tls, certificates, link };

t.test('an interrupt does not wait for a hung sample', async (t) => {
  const calls: string[] = [];
  const controller = new AbortController();
  const started = Date.now();
  setTimeout(() => controller.abort(new Error('interrupted by SIGINT')), 100);
  const document = await runScenario(scenario, {
    ...HUNG_SAMPLE_RUN,
    signal: controller.signal,
    endpoints: scriptedFactory(calls, async (id) => (id === 'b' ? new Promise<number>(() => {}) : 1)),
  });
  t.ok(Date.now() - started < 5000, 'ended promptly');
  t.equal(document.status, 'aborted');
  t.same(document.cases.find((c) => c.id === 'b')?.samples, [], 'the interrupted sample is dropped, not failed');
  t.same(
    document.cases.find((c) => c.id === 'a')?.samples.map((s) => s.status),
    ['ok'],
  );
});

t.test('variants: unsupported ones are recorded with the reason, session and certificate become parameters', async (t) => {
  const calls: string[] = [];
  const started: string[] = [];
  const factory = scriptedFactory(calls, async () => 30);
  const endpoints: EndpointFactory = {
    ...factory,
    server: (name, material) => {
      started.push(`${name} ${material.caFile}`);
      return factory.server(name, material);
    },
  };
  const variants: ScenarioDefinition = {
    ...scenario,
    cases: [
      { id: 'cold', protocol: 'quic', application: 'h3', client: 'ngtcp2', server: 'ngtcp2', workload: { kind: 'handshake', bodyBytes: 1, session: 'cold' } },
      { id: 'ecdsa', protocol: 'quic', application: 'h3', client: 'ngtcp2', server: 'ngtcp2', workload: { kind: 'handshake', bodyBytes: 1, certificate: { keyType: 'ecdsa-p256', intermediates: 2 } } },
      { id: 'tcp-0rtt', protocol: 'tcp-tls', application: 'h2', client: 'undici', server: 'node', workload: { kind: 'handshake', bodyBytes: 1, session: 'early-data' }, unsupported: 'no early data in Node' },
    ],
  };
  const sweepCertificates = { keyType: 'ECDSA', keyBits: 256, chainLength: 3, chainBytes: 1500, caFingerprintSha256: 'y' };
  const document = await runScenario(variants, {
    samples: 1,
    warmup: 0,
    sampleTimeoutMs: 1000,
    tls,
    certificates,
    link,
    endpoints,
    roundTripMs: 60,
    certificatesFor: async (spec) => ({ material: { ...tls, caFile: `/sweep/${spec.keyType}-${spec.intermediates}/ca.pem` }, info: sweepCertificates }),
  });
  t.equal(document.status, 'completed');
  t.equal(resultSchema.safeParse(document).success, true);
  t.same(started, ['ngtcp2 /dev/null', 'ngtcp2 /sweep/ecdsa-p256-2/ca.pem'], 'one server per certificate');
  t.same(
    document.cases.map((c) => c.id),
    ['cold', 'ecdsa', 'tcp-0rtt'],
    "in the scenario's order",
  );
  const [cold, ecdsa, tcp0rtt] = document.cases;
  t.same(cold?.parameters, { bodyBytes: 1, session: 'cold' });
  t.same(cold?.workload, { kind: 'handshake', bodyBytes: 1, session: 'cold' });
  t.same(ecdsa?.parameters, { bodyBytes: 1, keyType: 'ecdsa-p256', intermediates: 2 });
  t.same(ecdsa?.workload, { kind: 'handshake', bodyBytes: 1, certificate: { keyType: 'ecdsa-p256', intermediates: 2 } });
  t.same(tcp0rtt?.workload, { kind: 'handshake', bodyBytes: 1, session: 'early-data' }, 'an unsupported case records its workload too');
  t.same(
    document.metrics.map((m) => [m.name, m.provenance]),
    [
      ['handshakeMs', { kind: 'measured', sources: ['script'] }],
      ['handshakeRoundTrips', { kind: 'derived', from: ['handshakeMs', 'link.achieved.calibration.rttMedianMs'], method: "handshakeMs divided by the run's calibrated median round trip" }],
    ],
    'measured by the timing source the cases recorded, round trips derived',
  );
  t.same(ecdsa?.certificates, sweepCertificates);
  t.equal(tcp0rtt?.unsupported, 'no early data in Node');
  t.same(tcp0rtt?.samples, []);
  t.notOk(
    calls.some((c) => c.startsWith('tcp-0rtt')),
    'an unsupported variant is never sampled',
  );
  t.equal(cold?.samples[0]?.metrics.handshakeRoundTrips, 0.5, '30 ms over a 60 ms round trip');
});

t.test('a case asking for a session mode its client lacks fails the run before sampling', async (t) => {
  const document = await runScenario(
    { ...scenario, cases: [{ id: 'r', protocol: 'quic', application: 'h3', client: 'ngtcp2', server: 'ngtcp2', workload: { kind: 'handshake', bodyBytes: 1, session: 'resumed' } }] },
    { samples: 1, warmup: 0, sampleTimeoutMs: 100, tls, certificates, link, endpoints: scriptedFactory([], async () => 1) },
  );
  t.equal(document.status, 'failed');
  t.match(document.errors[0], /cannot do session mode "resumed"/);
});

t.test('a case whose client cannot do what it needs fails the run before sampling', async (t) => {
  const calls: string[] = [];
  const batchScenario: ScenarioDefinition<'batch'> = {
    ...scenario,
    cases: scenario.cases.slice(0, 1),
    needs: 'batch',
    async measure({ client, target, timeoutMs }) {
      const { handshakeMs } = await client.exchangeBatch({ target, paths: ['/1'], timeoutMs });
      return { metrics: { handshakeMs } };
    },
  };
  const result = await runScenario(batchScenario, { samples: 1, warmup: 0, sampleTimeoutMs: 1000, tls, certificates, link, endpoints: scriptedFactory(calls, async () => 1) });
  t.equal(result.status, 'failed');
  t.match(result.errors, [/case a: the undici client cannot do what the case needs \(batch\)/]);
  t.notOk(
    calls.some((call) => call.startsWith('a#')),
    'no sample taken',
  );
  t.ok(calls.includes('stop node'), 'the server started for it is stopped');
});

t.test('a case that changes the link: the link is restored before each sample of it and the one after', async (t) => {
  const calls: string[] = [];
  const rebinding: ScenarioDefinition = {
    ...scenario,
    cases: [
      { id: 'a', protocol: 'tcp-tls', application: 'h2', client: 'undici', server: 'node', workload: { kind: 'transfer', bodyBytes: 1, rebind: { kind: 'port', afterMs: 1 } } },
      { id: 'b', protocol: 'quic', application: 'h3', client: 'ngtcp2', server: 'ngtcp2', workload: { kind: 'transfer', bodyBytes: 1 } },
    ],
  };
  await runScenario(rebinding, {
    samples: 2,
    warmup: 0,
    sampleTimeoutMs: 1000,
    tls,
    certificates,
    link,
    endpoints: scriptedFactory(calls, async () => 1),
    linkControl: {
      rebind: async () => {},
      restore: async () => {
        calls.push('restore');
      },
    },
  });
  t.same(calls, ['restore', 'a#0', 'restore', 'b#0', 'b#1', 'restore', 'a#1', 'stop node', 'stop ngtcp2']);
});

t.test("with the emulator's counters, each sample records the drops by cause during it", async (t) => {
  const calls: string[] = [];
  let queueOverflowDown = 0;
  // Every sample: 7 queue drops; the counters are read before and after it, never reset.
  const stats = async () => {
    const counts = (queueOverflow: number) => ({ dropped: { loss: 0, burstLoss: 0, queueOverflow, outage: 0, noBuffer: 0, writeError: 0 } });
    return { up: counts(0), down: counts(queueOverflowDown) };
  };
  const document = await runScenario(scenario, {
    samples: 2,
    warmup: 0,
    sampleTimeoutMs: 1000,
    tls,
    certificates,
    link,
    endpoints: scriptedFactory(calls, async () => {
      queueOverflowDown += 7;
      return 1;
    }),
    linkStats: stats,
  });
  t.equal(resultSchema.safeParse(document).success, true);
  const a = document.cases.find((c) => c.id === 'a');
  t.same(
    a?.samples.map((s) => [s.metrics.linkDropsQueueOverflowDownPackets, s.metrics.linkDropsLossUpPackets]),
    [
      [7, 0],
      [7, 0],
    ],
  );
  t.match(
    document.metrics.find((m) => m.name === 'linkDropsQueueOverflowDownPackets'),
    { unit: 'count', provenance: { kind: 'measured', sources: ['link-emulator'] }, description: /queue overflowing/ },
  );
});

t.test("the link's death ends the sample in flight at once, fails it with the reason, and ends the run", async (t) => {
  const calls: string[] = [];
  let linkDies = (_reason: string): void => {};
  const linkLost = new Promise<string>((resolve) => (linkDies = resolve));
  const journaled: string[] = [];
  const started = Date.now();
  const document = await runScenario(scenario, {
    ...HUNG_SAMPLE_RUN,
    linkLost,
    journal: { begin: async (head) => void journaled.push(`head ${head.cases.map((c) => c.id).join(',')}`), sample: async (caseId, sample) => void journaled.push(`${caseId}#${sample.index} ${sample.status}`) },
    // b's second sample never ends by itself: the link dies 50 ms into it.
    endpoints: scriptedFactory(calls, (id, n) => {
      if (id !== 'b' || n !== 1) return Promise.resolve(1);
      setTimeout(() => linkDies('the link emulator exited with signal SIGKILL'), 50);
      return new Promise<number>(() => {});
    }),
  });
  t.ok(Date.now() - started < 5000, 'at once, not at the 60 s timeout');
  t.same(calls, ['a#0', 'b#0', 'b#1', 'stop node', 'stop ngtcp2']);
  t.equal(document.status, 'failed');
  t.same(document.errors, ['the link emulator exited with signal SIGKILL during sample 1 of b: the run ends, the samples taken are kept']);
  t.same(
    document.cases.find((c) => c.id === 'b')?.samples.map((s) => s.error ?? s.status),
    ['ok', "the link emulator exited with signal SIGKILL during sample 1 of b (the lab's link went down)"],
  );
  t.same(journaled, ['head a,b', 'a#0 ok', 'b#0 ok', 'b#1 failed'], 'the journal heard the head, then each sample as it completed');
  t.equal(resultSchema.safeParse(document).success, true);
});
