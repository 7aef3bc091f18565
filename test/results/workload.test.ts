// Typed workloads: the flat parameters a result records are derived from them, and equal what
// schemaVersion 2 recorded for every case of every scenario.
import t from 'tap';
import { SCENARIOS } from '../../scenarios/index.js';
import { parametersOf, workloadFromParameters, WorkloadError, type Workload } from '../../harness/results/workload.js';

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

t.test("every scenario's cases: parameters derived from the declared workload, as schemaVersion 2 recorded them", async (t) => {
  const kinds = new Map<string, Set<string>>();
  const recorded = new Map<string, Record<string, string | number | boolean>>();
  for (const scenario of SCENARIOS) {
    const cases = [
      ...scenario.cases,
      ...(scenario.transfers ? [...scenario.transfers.cases({ sizesBytes: [4 * 1024 * 1024], direction: 'up' }), ...scenario.transfers.cases({ sizesBytes: [4 * 1024 * 1024], direction: 'down' })] : []),
      ...(scenario.objectSets ? scenario.objectSets.cases([{ count: 3, bytes: 5 }]) : []),
    ];
    for (const definition of cases) {
      const parameters = parametersOf(definition.workload);
      // What a v2 reader and a case key see; and v2 files migrate back to the same workload (competitions are v3 only: recorded whole).
      if (definition.workload.kind === 'competition') t.throws(() => workloadFromParameters(parameters), /a competition workload is recorded whole/, `${scenario.name} ${definition.id}: no way back`);
      else t.strictSame(workloadFromParameters(parameters), definition.workload, `${scenario.name} ${definition.id}: round trip`);
      recorded.set(`${scenario.name} ${definition.id}`, parameters);
      kinds.set(scenario.name, (kinds.get(scenario.name) ?? new Set()).add(definition.workload.kind));
    }
  }
  // One case of each scenario, with the parameters schemaVersion 2 wrote for it.
  t.strictSame(
    Object.fromEntries(
      [
        'handshake quic-h3-0rtt',
        'handshake tcp-tls-h1',
        'certificate-size quic-h3-ecdsa-p256-i2',
        'throughput tcp-tls-h2-4194304B',
        'loss-recovery quic-h3-2MB-burst2',
        'multiplexing tcp-tls-h1x6-3x5B',
        'migration quic-h3-4MB-rebind-address',
        'smb-copy smb3-put-4194304B-encrypted',
        'smb-copy smb-style-h3-get-4194304B',
        'realtime wt-h3-long-stream',
        'competition h3-vs-iperf3-bbr',
      ].map((key) => [key, recorded.get(key)]),
    ),
    {
      'handshake quic-h3-0rtt': { bodyBytes: 1000, session: 'early-data' },
      'handshake tcp-tls-h1': { bodyBytes: 1000, session: 'cold' },
      'certificate-size quic-h3-ecdsa-p256-i2': { bodyBytes: 1000, keyType: 'ecdsa-p256', intermediates: 2 },
      'throughput tcp-tls-h2-4194304B': { bodyBytes: 4_194_304, direction: 'down' },
      'loss-recovery quic-h3-2MB-burst2': { bodyBytes: 2_000_000, direction: 'down', impairment: 'burst2' },
      'multiplexing tcp-tls-h1x6-3x5B': { objects: 3, objectBytes: 5, connections: 6 },
      'migration quic-h3-4MB-rebind-address': { bodyBytes: 4_000_000, rebind: 'address', rebindAfterMs: 800 },
      'smb-copy smb3-put-4194304B-encrypted': { bodyBytes: 4_194_304, direction: 'up', encryption: 'required' },
      'smb-copy smb-style-h3-get-4194304B': { bodyBytes: 4_194_304, direction: 'down', readBytes: 1_048_576 },
      'realtime wt-h3-long-stream': { messageBytes: 200, ratePerSecond: 50, messages: 1000, mode: 'long-stream' },
      'competition h3-vs-iperf3-bbr': { flows: 'h3-ngtcp2:cubic vs iperf3-bbr:bbr', flowBytes: 25_000_000, staggerMs: 0, probeRatePerSecond: 20 },
    },
  );
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
      interop: ['handshake', 'transfer', 'batch'],
      realtime: ['messages'],
      competition: ['competition'],
    },
  );
});

t.test('parameters that are no workload are refused, saying which', async (t) => {
  t.throws(() => workloadFromParameters({ bodyBytes: 1000, surprise: 1 }), new WorkloadError('parameters {"bodyBytes":1000,"surprise":1} are not a handshake workload (unknown: surprise)'));
  t.throws(() => workloadFromParameters({ objects: 'many', objectBytes: 10 }), /are not a batch workload \(objects: /);
  t.throws(() => workloadFromParameters({}), /are not a handshake workload \(bodyBytes: /);
  t.throws(() => workloadFromParameters({ bodyBytes: 1, direction: 'sideways' }), /not a transfer workload \(direction: /);
});
