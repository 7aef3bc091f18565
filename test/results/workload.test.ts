// Typed workloads: the flat parameters a result records are derived from them, and equal what
// schemaVersion 2 recorded for every case of every scenario.
import t from 'tap';
import { SCENARIOS } from '../../scenarios/index.js';
import { parametersOf, workloadFromParameters, workloadOfCase, WorkloadError, type Workload } from '../../harness/results/workload.js';
import type { CaseDefinition } from '../../harness/scenario/types.js';

t.test('parametersOf: the flat parameters of each kind', async (t) => {
  const expected: Array<[Workload, Record<string, string | number | boolean>]> = [
    [{ kind: 'handshake', bodyBytes: 1000 }, { bodyBytes: 1000 }],
    [{ kind: 'handshake', bodyBytes: 1000, session: 'early-data' }, { bodyBytes: 1000, session: 'early-data' }],
    [{ kind: 'handshake', bodyBytes: 1000, certificate: { keyType: 'rsa4096', intermediates: 0 } }, { bodyBytes: 1000, keyType: 'rsa4096', intermediates: 0 }],
    [{ kind: 'transfer', bodyBytes: 1_000_000, direction: 'up' }, { bodyBytes: 1_000_000, direction: 'up' }],
    [{ kind: 'transfer', bodyBytes: 2_000_000, direction: 'down', impairment: 'burst2' }, { bodyBytes: 2_000_000, direction: 'down', impairment: 'burst2' }],
    [{ kind: 'transfer', bodyBytes: 4_000_000, rebind: { kind: 'address', afterMs: 800 } }, { bodyBytes: 4_000_000, rebind: 'address', rebindAfterMs: 800 }],
    [{ kind: 'batch', objects: 100, objectBytes: 10_000, connections: 6 }, { objects: 100, objectBytes: 10_000, connections: 6 }],
    [{ kind: 'batch', objects: 20, objectBytes: 200_000 }, { objects: 20, objectBytes: 200_000 }],
    [{ kind: 'copy', bodyBytes: 4_194_304, direction: 'up', encryption: 'required' }, { bodyBytes: 4_194_304, direction: 'up', encryption: 'required' }],
    [{ kind: 'copy', bodyBytes: 4_194_304, direction: 'down', readBytes: 1_048_576 }, { bodyBytes: 4_194_304, direction: 'down', readBytes: 1_048_576 }],
  ];
  for (const [workload, parameters] of expected) {
    t.strictSame(parametersOf(workload), parameters, workload.kind);
    t.strictSame(workloadFromParameters(parameters), workload, `${workload.kind} back from its parameters`);
  }
});

/** What run.ts recorded as a case's parameters up to schemaVersion 2. */
function v2Parameters(definition: CaseDefinition): Record<string, string | number | boolean> {
  return {
    ...definition.parameters,
    ...(definition.session !== undefined ? { session: definition.session } : {}),
    ...(definition.certificate !== undefined ? { keyType: definition.certificate.keyType, intermediates: definition.certificate.intermediates } : {}),
  };
}

t.test("every scenario's cases: the derived parameters are the ones schemaVersion 2 recorded", async (t) => {
  const kinds = new Map<string, Set<string>>();
  for (const scenario of SCENARIOS) {
    const cases = [
      ...scenario.cases,
      ...(scenario.transfers ? [...scenario.transfers.cases({ sizesBytes: [4 * 1024 * 1024], direction: 'up' }), ...scenario.transfers.cases({ sizesBytes: [4 * 1024 * 1024], direction: 'down' })] : []),
      ...(scenario.objectSets ? scenario.objectSets.cases([{ count: 3, bytes: 5 }]) : []),
    ];
    for (const definition of cases) {
      const workload = workloadOfCase(definition);
      t.strictSame(parametersOf(workload), v2Parameters(definition), `${scenario.name} ${definition.id}`);
      kinds.set(scenario.name, (kinds.get(scenario.name) ?? new Set()).add(workload.kind));
    }
  }
  t.strictSame(
    Object.fromEntries([...kinds].map(([name, set]) => [name, [...set]])),
    {
      handshake: ['handshake'],
      'certificate-size': ['handshake'],
      throughput: ['transfer'],
      'loss-recovery': ['transfer'],
      multiplexing: ['batch'],
      migration: ['transfer'],
      'smb-copy': ['copy'],
    },
  );
});

t.test('parameters that are no workload are refused, saying which', async (t) => {
  t.throws(() => workloadFromParameters({ bodyBytes: 1000, surprise: 1 }), new WorkloadError('parameters {"bodyBytes":1000,"surprise":1} are not a handshake workload (unknown: surprise)'));
  t.throws(() => workloadFromParameters({ objects: 'many', objectBytes: 10 }), /are not a batch workload \(objects: /);
  t.throws(() => workloadFromParameters({}), /are not a handshake workload \(bodyBytes: /);
  t.throws(() => workloadFromParameters({ bodyBytes: 1, direction: 'sideways' }), /not a transfer workload \(direction: /);
});
