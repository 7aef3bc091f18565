import t from 'tap';
import { planScenarioRun, type ScenarioRunFlags } from '../../harness/options/scenario-run.js';
import { usageRefusal } from '../fixtures/usage-refusal.js';
import { routeDevice, sumDefined, bodyPathOf } from '../../harness/target/session-parts.js';
import { sizeBytes } from '../../harness/options/parse.js';

const base: ScenarioRunFlags = { resultsDir: 'results', capture: true, wait: true };
const url = 'https://server.lab.example:8443/files/{bytes}';

t.test('--target alone: a direct run, the target request, every case on the target', async (t) => {
  const plan = planScenarioRun('handshake', { ...base, target: url, resolve: 'server.lab.example:8443:198.19.252.2', ca: 'ca.pem' });
  t.same(plan.sessionOptions.link, { kind: 'direct' });
  t.equal(plan.usedDefault, false, 'no default profile: no lab');
  t.match(plan.sessionOptions.target, {
    url: { host: 'server.lab.example', port: 8443, pathTemplate: '/files/{bytes}' },
    resolve: 'server.lab.example:8443:198.19.252.2',
    caFile: 'ca.pem',
    viaLab: false,
    maxBytes: 1_000_000_000,
  });
  t.ok(plan.scenario.cases.every((c) => c.server === 'target'));
});

t.test('--via-lab: the lab link (the default profile without link options)', async (t) => {
  const plan = planScenarioRun('handshake', { ...base, target: url, viaLab: true });
  t.equal(plan.sessionOptions.link.kind, 'lab');
  t.equal(plan.usedDefault, true);
  const withRtt = planScenarioRun('handshake', { ...base, target: url, viaLab: true, rtt: '40ms' });
  t.match(withRtt.sessionOptions.link, { kind: 'lab', conditions: { up: { delayMs: 20 }, down: { delayMs: 20 } } });
});

t.test('what a target run refuses, each naming the flag', async (t) => {
  t.match(
    usageRefusal(() => planScenarioRun('handshake', { ...base, resolve: 'a:1:198.19.0.1' })),
    /--resolve applies to runs against a remote server: add --target/,
  );
  t.match(
    usageRefusal(() => planScenarioRun('handshake', { ...base, viaLab: true })),
    /--via-lab applies/,
  );
  t.match(
    usageRefusal(() => planScenarioRun('handshake', { ...base, maxBytes: 10 })),
    /--max-bytes applies/,
  );
  t.match(
    usageRefusal(() => planScenarioRun('handshake', { ...base, target: url, server: ['caddy'] })),
    /the target is the server of every case/,
  );
  t.match(
    usageRefusal(() => planScenarioRun('handshake', { ...base, target: url, rtt: '40ms' })),
    /need --via-lab/,
  );
  t.match(
    usageRefusal(() => planScenarioRun('handshake', { ...base, target: url, link: 'emulator' })),
    /need --via-lab/,
  );
  t.match(
    usageRefusal(() => planScenarioRun('handshake', { ...base, target: url, viaLab: true, link: 'loopback' })),
    /--via-lab needs the lab/,
  );
  t.match(
    usageRefusal(() => planScenarioRun('migration', { ...base, target: url })),
    /migration cannot run against a remote server/,
  );
  t.match(
    usageRefusal(() => planScenarioRun('throughput', { ...base, target: url, direction: 'up' })),
    /uploads need a server/,
  );
  t.match(
    usageRefusal(() => planScenarioRun('throughput', { ...base, target: url, sizes: [100_000_000] })),
    /would move 1800MB of bodies \(every sample and warm-up\), over --max-bytes 1GB/,
  );
  t.match(
    usageRefusal(() => planScenarioRun('handshake', { ...base, target: 'https://server.lab.example/1000' })),
    /needs \{bytes\} once/,
  );
});

t.test('the pure parts of a target session', async (t) => {
  t.equal(routeDevice('198.19.252.2 dev qtgt1 src 198.19.252.1 uid 0 \n    cache \n'), 'qtgt1');
  t.equal(routeDevice('local 127.0.0.1 dev lo src 127.0.0.1 uid 0'), 'lo');
  t.throws(() => routeDevice('unreachable'), /no route's device/);
  t.equal(sumDefined(40.5, 0.25), 40.75);
  t.equal(sumDefined(undefined, 3), 3);
  t.equal(sumDefined(undefined, undefined), undefined);
  t.equal(bodyPathOf('/files/{bytes}')(1000), '/files/1000');
  t.equal(sizeBytes('--max-bytes')('500MB'), 500_000_000);
  t.match(
    usageRefusal(() => sizeBytes('--max-bytes')('0B')),
    '--max-bytes: "0B" is below one byte',
  );
  t.match(
    usageRefusal(() => sizeBytes('--max-bytes')('lots')),
    /--max-bytes: "lots" needs a unit/,
  );
});
