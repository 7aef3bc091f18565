// The run loop with a competition's companion flows, with scripted endpoints: every flow gets
// its client and a server (its own when the server serves one client at a time), the sample
// sees them, the result names them, and everything is closed and stopped at the end.
import t from 'tap';
import { runScenario } from '../../harness/run/loop.js';
import type { CaseDefinition, ScenarioDefinition } from '../../harness/scenario/types.js';
import type { EndpointFactory, ExchangeClient, MessagesClient, ServerEndpoint } from '../../harness/endpoints/types.js';
import type { ImplementationDescriptor } from '../../harness/endpoints/descriptor.js';
import type { CompetitionFlow, MessageProbe } from '../../harness/results/workload.js';
import { resultSchema } from '../../harness/results/schema.js';
import { certificates, link, tls } from '../fixtures/scripted-run.js';

const role = (name: string, oneClientAtATime?: string) => ({
  name,
  implementation: `${name}-impl`,
  selectable: false,
  speaks: [],
  sessionModes: ['cold' as const],
  version: async () => '1',
  ...(oneClientAtATime !== undefined ? { oneClientAtATime } : {}),
});
const implementations: ImplementationDescriptor[] = [
  { name: 'shared', install: '-', server: role('shared'), client: { ...role('shared'), can: { exchange: true, batch: 'no', copy: 'no', messages: 'no' } }, open: () => ({}) },
  { name: 'single', install: '-', server: role('single', 'one test at a time'), client: { ...role('single'), can: { exchange: true, batch: 'no', copy: 'no', messages: 'no' } }, open: () => ({}) },
  { name: 'messenger', install: '-', server: role('messenger'), client: { ...role('messenger'), can: { exchange: 'no', batch: 'no', copy: 'no', messages: true } }, open: () => ({}) },
];

function factory(calls: string[]): EndpointFactory {
  let port = 1000;
  return {
    server: (name): ServerEndpoint => {
      const own = ++port;
      return {
        implementation: name,
        speaks: [],
        start: async () => {
          calls.push(`start ${name}:${own}`);
          return { host: '127.0.0.1', port: own, serverName: 'server.lab.example' };
        },
        stop: async () => {
          calls.push(`stop ${name}:${own}`);
        },
        info: () => ({ implementation: `${name}-server`, version: String(own), settings: {} }),
      };
    },
    client: (name, endpointCase): ExchangeClient | MessagesClient => ({
      ...((name as string) === 'messenger'
        ? {
            exchangeMessages: async () => {
              calls.push(`messages ${endpointCase.id}`);
              return { handshakeMs: 1, sessionMs: 2, messages: [], strayEchoes: 0, drainDeadlineMs: 3, errors: [] };
            },
          }
        : { exchange: async () => ({ handshakeMs: 1 }) }),
      implementation: name,
      protocol: endpointCase.protocol,
      application: endpointCase.application,
      sessionModes: ['cold'],
      timingSources: {},
      prepare: async () => {
        calls.push(`prepare ${endpointCase.id}`);
      },
      close: async () => {
        calls.push(`close ${endpointCase.id}`);
      },
      info: () => ({ implementation: `${name}-client`, version: '1', settings: {} }),
    }),
  };
}

const flow = (id: string, name: string): CompetitionFlow => ({ id, protocol: 'tcp', application: 'none', client: name, server: name, congestionControl: 'cubic', bodyBytes: 10, startAfterMs: 0 });
const competing = (id: string, flows: CompetitionFlow[]): CaseDefinition =>
  ({ id, protocol: 'tcp', application: 'none', client: flows[0]?.client, server: flows[0]?.server, workload: { kind: 'competition', flows, probe: { ratePerSecond: 1, idleMs: 0 } } }) as CaseDefinition;

/** A one-sample scripted scenario of `cases`, measured by `measure`. */
const scripted = (cases: CaseDefinition[], measure: ScenarioDefinition['measure']): ScenarioDefinition => ({
  name: 'scripted',
  abbreviation: 'S',
  description: 'test',
  metrics: [{ name: 'flows', unit: 'count', description: '' }],
  defaults: { samples: 1, warmup: 0, sampleTimeoutMs: 1000 },
  cases,
  measure,
});

t.test('companion flows get their clients and servers; one-client servers one per flow', async (t) => {
  const calls: string[] = [];
  const seen: string[] = [];
  const scenario = scripted(
    [competing('mixed', [flow('s1', 'shared'), flow('s2', 'shared'), flow('x', 'single')]), competing('pair', [flow('x1', 'single'), flow('x2', 'single')])],
    async ({ caseDefinition, target, companions }) => {
      seen.push(`${caseDefinition.id}: own ${target.port}, ${(companions ?? []).map((c) => `${c.flow.id} ${c.target.port}`).join(', ')}`);
      return { metrics: { flows: 1 + (companions ?? []).length } };
    },
  );
  const document = await runScenario(scenario, { samples: 1, warmup: 0, sampleTimeoutMs: 1000, tls, certificates, link, implementations, endpoints: factory(calls) });
  t.equal(document.status, 'completed', document.errors.join('; '));
  // "shared" serves both of its flows from one server; "single" gets one server per flow, never shared across cases.
  t.same(seen.sort(), ['mixed: own 1001, s2 1001, x 1002', 'pair: own 1003, x2 1004']);
  t.same(
    calls.filter((c) => c.startsWith('start')),
    ['start shared:1001', 'start single:1002', 'start single:1003', 'start single:1004'],
  );
  t.ok(
    ['mixed/s2', 'mixed/x', 'pair/x2', 'mixed', 'pair'].every((id) => calls.includes(`prepare ${id}`) && calls.includes(`close ${id}`)),
    'every client prepared and closed',
  );
  t.equal(calls.filter((c) => c.startsWith('stop')).length, 4, 'every server stopped');
  const mixed = document.cases.find((c) => c.id === 'mixed');
  t.same(
    mixed?.companions?.map((c) => [c.flow, c.client.implementation, c.server.version]),
    [
      ['s2', 'shared-client', '1001'],
      ['x', 'single-client', '1002'],
    ],
  );
  t.equal(resultSchema.safeParse(document).success, true, 'the result with companions is valid');
});

t.test('a message probe gets its realtime client and server, the sample sees it, the result names it', async (t) => {
  const calls: string[] = [];
  const probe: MessageProbe = {
    id: 'ws-long-stream',
    protocol: 'tcp-tls',
    application: 'websocket',
    client: 'messenger',
    server: 'messenger',
    messages: { kind: 'messages', messageBytes: 200, ratePerSecond: 50, count: 10, mode: 'long-stream' },
  };
  const probed = competing('probed', [flow('s1', 'shared'), flow('s2', 'shared')]);
  if (probed.workload.kind === 'competition') probed.workload.probe.messages = probe;
  const seen: string[] = [];
  const scenario = scripted([probed, competing('plain', [flow('p1', 'shared'), flow('p2', 'shared')])], async ({ caseDefinition, messageProbe }) => {
    if (messageProbe !== undefined) {
      const timings = await messageProbe.client.exchangeMessages({ target: messageProbe.target, mode: 'long-stream', count: 10, messageBytes: 200, ratePerSecond: 50, drainTimeoutMs: 10, timeoutMs: 100 });
      seen.push(`${caseDefinition.id}: ${messageProbe.probe.id} at ${messageProbe.target.port}, session ${timings.sessionMs}`);
    } else seen.push(`${caseDefinition.id}: no message probe`);
    return { metrics: { flows: 2 } };
  });
  const document = await runScenario(scenario, { samples: 1, warmup: 0, sampleTimeoutMs: 1000, tls, certificates, link, implementations, endpoints: factory(calls) });
  t.equal(document.status, 'completed', document.errors.join('; '));
  t.same(seen, ['probed: ws-long-stream at 1002, session 2', 'plain: no message probe']);
  t.same(calls, [
    'start shared:1001',
    'prepare probed/s2',
    'start messenger:1002',
    'prepare probed/probe-ws-long-stream',
    'prepare probed',
    'prepare plain/p2',
    'prepare plain',
    'messages probed/probe-ws-long-stream',
    'close probed',
    'close plain',
    'close probed/s2',
    'close probed/probe-ws-long-stream',
    'close plain/p2',
    'stop shared:1001',
    'stop messenger:1002',
  ]);
  const recorded = document.cases.find((c) => c.id === 'probed');
  t.same([recorded?.messageProbe?.id, recorded?.messageProbe?.client.implementation, recorded?.messageProbe?.server.version], ['ws-long-stream', 'messenger-client', '1002']);
  t.equal(document.cases.find((c) => c.id === 'plain')?.messageProbe, undefined);
  t.equal(resultSchema.safeParse(document).success, true, 'the result with a message probe is valid');
});

t.test('a case whose first flow is not its own endpoints is refused before anything runs', async (t) => {
  const bad = { ...competing('bad', [flow('a', 'shared'), flow('b', 'shared')]), client: 'single' } as unknown as CaseDefinition;
  const scenario = scripted([bad], async () => ({ metrics: {} }));
  const calls: string[] = [];
  const document = await runScenario(scenario, { samples: 1, warmup: 0, sampleTimeoutMs: 1000, tls, certificates, link, implementations, endpoints: factory(calls) });
  t.equal(document.status, 'failed');
  t.match(document.errors[0], /case bad: its first flow must be its own client, server, protocol and application/);
  t.same(calls, [], 'no server started');
});
