// An implementation setup skipped (its toolchain missing): unavailable in an every-pair run,
// refused before setup in any other, and shown as such in the verdict and its table.
import t from 'tap';
import { H3, defineImplementation, knownVersion, type ImplementationDescriptor } from '../../harness/endpoints/descriptor.js';
import { markUnavailable, missingRoles } from '../../harness/run/availability.js';
import { caseVerdict } from '../../harness/scenario/verdict.js';
import { verdictCounts } from '../../harness/report/interop-table.js';
import { RunOptionsError } from '../../harness/run/options.js';
import type { AnyScenario, CaseDefinition } from '../../harness/scenario/types.js';
import type { ClientName, ServerName } from '../../harness/endpoints/implementations.js';

const role = (name: string, installed: boolean) => ({ name, implementation: name, selectable: true, speaks: H3, sessionModes: ['cold'] as const, version: () => (installed ? knownVersion('1') : Promise.resolve(null)) });
const can = { exchange: true, batch: true, copy: 'no', messages: 'no' } as const;
const LIST: readonly ImplementationDescriptor[] = [
  defineImplementation({ name: 'here', install: 'always there', server: role('here', true), client: { ...role('here', true), can }, open: () => ({}) }),
  defineImplementation({ name: 'gone', install: 'peers/gone, built with cargo by npm run setup', server: role('gone', false), client: { ...role('gone', false), can }, open: () => ({}) }),
];
const workload = { kind: 'handshake', bodyBytes: 1000, session: 'cold' } as const;
const pair = (id: string, server: string, client: string, extra: Partial<CaseDefinition> = {}): CaseDefinition => ({
  id,
  protocol: 'quic',
  application: 'h3',
  server: server as ServerName,
  client: client as ClientName,
  workload,
  ...extra,
});
const scenario = (everyPair: boolean): AnyScenario =>
  ({
    name: 'x',
    description: '',
    metrics: [],
    cases: [pair('a@here/here', 'here', 'here'), pair('a@gone/here', 'gone', 'here'), pair('a@here/gone', 'here', 'gone'), pair('b@gone/gone', 'gone', 'gone', { unsupported: 'no b' })],
    everyPair,
    measure: async () => ({}),
  }) as unknown as AnyScenario;

t.test('missing roles: only those the runnable cases use, with the install hint', async (t) => {
  const missing = await missingRoles(scenario(true), LIST);
  t.same([...missing].sort(), [
    ['client:gone', 'gone is not installed (peers/gone, built with cargo by npm run setup)'],
    ['server:gone', 'gone is not installed (peers/gone, built with cargo by npm run setup)'],
  ]);
  t.same([...(await missingRoles({ cases: [pair('a', 'here', 'here'), pair('u', 'gone', 'gone', { unsupported: 'no' })] }, LIST))], [], 'an unsupported case probes nothing');
});

t.test('every-pair runs mark the cases unavailable; others are refused before setup', async (t) => {
  const missing = await missingRoles(scenario(true), LIST);
  const marked = markUnavailable(scenario(true), missing);
  t.same(
    marked.cases.map((c) => [c.id, c.unavailable ?? null, c.unsupported ?? null]),
    [
      ['a@here/here', null, null],
      ['a@gone/here', 'gone is not installed (peers/gone, built with cargo by npm run setup)', null],
      ['a@here/gone', 'gone is not installed (peers/gone, built with cargo by npm run setup)', null],
      ['b@gone/gone', null, 'no b'],
    ],
  );
  t.equal(markUnavailable(scenario(false), new Map()).cases.length, 4, 'nothing missing: unchanged');
  t.throws(() => markUnavailable(scenario(false), missing), new RunOptionsError('gone is not installed (peers/gone, built with cargo by npm run setup): run `npm run setup`, which says why it skipped it'));
});

t.test('the verdict and the counts say unavailable', async (t) => {
  t.same(caseVerdict({ unavailable: 'gone is not installed', samples: [] }), { status: 'unavailable', reason: 'gone is not installed' });
  t.same(caseVerdict({ unsupported: 'no b', unavailable: 'gone', samples: [] }), { status: 'unsupported', reason: 'no b' }, 'unsupported first: it holds wherever the stack is installed');
  t.equal(verdictCounts({ passed: 3, failed: 0, unsupported: 1, unavailable: 2 }), '3 passed, 0 failed, 1 unsupported, 2 unavailable');
  t.equal(verdictCounts({ passed: 3, failed: 1, unsupported: 1, unavailable: 0 }), '3 passed, 1 failed, 1 unsupported');
});
