import t from 'tap';
import { findScenario } from '../../scenarios/index.js';
import { TargetRequestError } from '../../harness/target/target-error.js';
import { shapeScenario } from '../../harness/run/shape.js';
import { checkByteBudget, checkTargetCases, plannedBodyBytes, sampleBodyBytes, scenarioForTarget } from '../../harness/target/target-run.js';
import type { AnyScenario } from '../../harness/scenario/types.js';

function refusal(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

const scenario = (name: string): AnyScenario => {
  const found = findScenario(name);
  if (!found) throw new Error(`no scenario ${name}`);
  return found;
};

t.test("the target is every case's server; ids, clients and unsupported reasons stay", async (t) => {
  const handshake = scenarioForTarget(scenario('handshake'));
  t.same(
    handshake.cases.map((c) => [c.id, c.server, c.client]),
    scenario('handshake').cases.map((c) => [c.id, 'target', c.client]),
  );
  t.match(handshake.cases.find((c) => c.id === 'tcp-tls-h2-0rtt')?.unsupported, /early data/);
  t.equal(scenarioForTarget(scenario('throughput')).linkReference, false, 'no iperf3 reference against a target');
});

t.test('--sizes, --objects and --client shape a target scenario; other clients get matrix ids', async (t) => {
  const throughput = shapeScenario(scenarioForTarget(scenario('throughput')), { sizesBytes: [5_000_000] });
  t.same(
    throughput.cases.map((c) => [c.id, c.server]),
    [
      ['tcp-tls-h1-5MB', 'target'],
      ['tcp-tls-h2-5MB', 'target'],
      ['quic-h3-5MB', 'target'],
    ],
  );
  // Debian's curl has no HTTP/3: the pair that cannot speak the case is left out.
  const withCurl = shapeScenario(scenarioForTarget(scenario('handshake')), { clients: ['curl'], variants: ['quic-h3', 'tcp-tls-h2'] });
  t.same(
    withCurl.cases.map((c) => c.id),
    ['tcp-tls-h2@target/curl'],
  );
  const multiplexing = shapeScenario(scenarioForTarget(scenario('multiplexing')), { objects: [{ count: 4, bytes: 1000 }] });
  t.ok(multiplexing.cases.length > 0 && multiplexing.cases.every((c) => c.server === 'target'));
});

t.test('scenarios that cannot run against a target, and uploads, are refused', async (t) => {
  for (const name of ['loss-recovery', 'migration', 'smb-copy', 'interop']) {
    t.throws(() => scenarioForTarget(scenario(name)), { message: /cannot run against a remote server/ }, name);
    t.ok(refusal(() => scenarioForTarget(scenario(name))) instanceof TargetRequestError, `${name}: a TargetRequestError`);
  }
  const up = shapeScenario(scenarioForTarget(scenario('throughput')), { direction: 'up' });
  t.throws(() => checkTargetCases(up), /uploads need a server/);
  t.doesNotThrow(() => checkTargetCases(shapeScenario(scenarioForTarget(scenario('throughput')), { direction: 'down' })));
});

t.test('planned bytes: every round of every measured case; the budget refuses more', async (t) => {
  t.equal(sampleBodyBytes({ workload: { kind: 'handshake', bodyBytes: 1000 } }), 1000);
  t.equal(sampleBodyBytes({ workload: { kind: 'batch', objects: 100, objectBytes: 10_000 } }), 1_000_000);
  const throughput = shapeScenario(scenarioForTarget(scenario('throughput')), { sizesBytes: [1_000_000, 10_000_000] });
  // 3 cases of each size, 6 rounds (5 samples, 1 warm-up).
  t.equal(plannedBodyBytes(throughput, { samples: 5, warmup: 1 }), 6 * 3 * 11_000_000);
  const handshake = scenarioForTarget(scenario('handshake'));
  // 8 measured cases (the two TCP 0-RTT ones are unsupported) of 1000 bytes.
  t.equal(plannedBodyBytes(handshake, {}), 22 * 7 * 1000);
  t.doesNotThrow(() => checkByteBudget(198_000_000, 198_000_000));
  t.throws(() => checkByteBudget(198_000_001, 198_000_000), /would move 198000001B of bodies .* over --max-bytes 198MB/);
});
