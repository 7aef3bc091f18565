// The competition scenario's options as the command line gives them: the flows' sizes from the
// link's down rate and --duration, the stagger, the run's controller, and each refusal.
import t from 'tap';
import { planScenarioRun, type ScenarioRunFlags } from '../../harness/options/scenario-run.js';
import { checkSessionOptions } from '../../harness/run/options.js';
import type { CompetitionWorkload } from '../../harness/results/workload.js';
import { usageRefusal } from '../fixtures/usage-refusal.js';
import { mixList } from '../../harness/options/parse.js';

const base: ScenarioRunFlags = { resultsDir: 'results', capture: true, wait: true };

const workloadOf = (plan: ReturnType<typeof planScenarioRun>, id: string): CompetitionWorkload | undefined => {
  const found = plan.scenario.cases.find((c) => c.id === id)?.workload;
  return found?.kind === 'competition' ? found : undefined;
};

t.test('defaults: the pairings on broadband, each flow half of 20 s at 20 Mbit/s, all at once', async (t) => {
  const plan = planScenarioRun('competition', base);
  t.same(
    plan.scenario.cases.map((c) => c.id),
    ['h3-vs-h2', 'h3-vs-iperf3-cubic', 'h3-vs-iperf3-bbr', 'h3-ngtcp2-vs-h3-quiche', 'control-iperf3-cubic'],
  );
  const bbr = workloadOf(plan, 'h3-vs-iperf3-bbr');
  t.same(
    bbr?.flows.map((f) => [f.id, f.client, f.server, f.congestionControl, f.bodyBytes, f.startAfterMs]),
    [
      ['h3-ngtcp2', 'ngtcp2', 'ngtcp2', 'cubic', 25_000_000, 0],
      ['iperf3-bbr', 'iperf3', 'iperf3', 'bbr', 25_000_000, 0],
    ],
  );
  t.same(bbr?.probe, { ratePerSecond: 20, idleMs: 4000 });
  t.equal(plan.scenario.defaults.sampleTimeoutMs, 4000 + 40_000 + 30_000);
  const control = workloadOf(plan, 'control-iperf3-cubic');
  t.same(
    control?.flows.map((f) => f.id),
    ['iperf3-cubic-1', 'iperf3-cubic-2'],
  );
});

t.test('--duration, --stagger, --rate and --cc shape the flows; iperf3 keeps its own controller', async (t) => {
  const plan = planScenarioRun('competition', { ...base, rtt: '40ms', rate: '10mbit', duration: 8000, stagger: 2000, cc: 'bbr' });
  const flows = workloadOf(plan, 'h3-vs-iperf3-cubic')?.flows;
  t.same(
    flows?.map((f) => [f.id, f.congestionControl, f.bodyBytes, f.startAfterMs]),
    [
      ['h3-ngtcp2', 'bbr', 5_000_000, 0],
      ['iperf3-cubic', 'cubic', 5_000_000, 2000],
    ],
  );
  t.equal(plan.scenario.defaults.sampleTimeoutMs, 4000 + 16_000 + 6000 + 30_000);
});

t.test('--mix runs its mixes instead of the pairings, a flow named twice numbered', async (t) => {
  const plan = planScenarioRun('competition', {
    ...base,
    mix: [
      ['h3-quic-go', 'iperf3-bbr'],
      ['iperf3-cubic', 'iperf3-cubic', 'h2-node'],
    ],
  });
  t.same(
    plan.scenario.cases.map((c) => [c.id, c.client, c.server]),
    [
      ['h3-quic-go-vs-iperf3-bbr', 'quic-go', 'quic-go'],
      ['iperf3-cubic-vs-iperf3-cubic-vs-h2-node', 'iperf3', 'iperf3'],
    ],
  );
  t.same(
    workloadOf(plan, 'h3-quic-go-vs-iperf3-bbr')?.flows.map((f) => [f.id, f.congestionControl, f.bodyBytes]),
    [
      ['h3-quic-go', 'reno', 25_000_000],
      ['iperf3-bbr', 'bbr', 25_000_000],
    ],
    "quic-go's own controller without --cc",
  );
  t.same(
    workloadOf(plan, 'iperf3-cubic-vs-iperf3-cubic-vs-h2-node')?.flows.map((f) => [f.id, f.bodyBytes]),
    [
      ['iperf3-cubic-1', 16_700_000],
      ['iperf3-cubic-2', 16_700_000],
      ['h2-node', 16_700_000],
    ],
    'three flows: a third of the duration at the rate each',
  );
});

t.test('--message-probe: every pairing gets the realtime case as a second probe, its session past the contest', async (t) => {
  const plan = planScenarioRun('competition', { ...base, messageProbe: 'ws-long-stream', duration: 8000, stagger: 2000, variants: ['h3-vs-h2'] });
  const workload = workloadOf(plan, 'h3-vs-h2');
  // 50 a second for the 4 s idle, 1.25 x the 8 s contest and one 2 s stagger: 16 s.
  t.same(workload?.probe, {
    ratePerSecond: 20,
    idleMs: 4000,
    messages: { id: 'ws-long-stream', protocol: 'tcp-tls', application: 'websocket', client: 'ws', server: 'ws', messages: { kind: 'messages', messageBytes: 200, ratePerSecond: 50, count: 800, mode: 'long-stream' } },
  });
  // The sample's bound makes room for the messages' drain.
  t.equal(plan.scenario.defaults.sampleTimeoutMs, 4000 + 16_000 + 6000 + 30_000 + 2000);
  const datagram = workloadOf(planScenarioRun('competition', { ...base, messageProbe: 'wt-h3-datagram', variants: ['control-iperf3-cubic'] }), 'control-iperf3-cubic');
  t.same([datagram?.probe.messages?.client, datagram?.probe.messages?.server, datagram?.probe.messages?.messages.mode, datagram?.probe.messages?.messages.count], ['webtransport-go', 'webtransport-go', 'datagram', 1450]);
  t.equal(workloadOf(planScenarioRun('competition', base), 'h3-vs-h2')?.probe.messages, undefined, 'none without the flag');
});

t.test('bad competition options are refused, each naming its flag', async (t) => {
  t.equal(
    usageRefusal(() => planScenarioRun('competition', { ...base, messageProbe: 'wt-h3-datagrams' })),
    '--message-probe: no realtime case "wt-h3-datagrams", did you mean "wt-h3-datagram"? (cases: wt-h3-datagram, wt-h3-stream, wt-h3-long-stream, wt-h2-datagram, wt-h2-stream, wt-h2-long-stream, ws-long-stream)',
  );
  t.match(
    usageRefusal(() => planScenarioRun('competition', { ...base, messageProbe: 'wt-h3-stream-chromium' })),
    /^--message-probe: no realtime case "wt-h3-stream-chromium"/,
    "Chromium's page clock cannot be placed",
  );
  t.equal(
    usageRefusal(() => planScenarioRun('realtime', { ...base, messageProbe: 'ws-long-stream' })),
    '--stagger, --mix, --message-probe: apply to competition scenarios, not realtime',
  );
  t.equal(
    usageRefusal(() => planScenarioRun('competition', { ...base, mix: [['h3-ngtcp', 'h2-node']] })),
    '--mix: no flow "h3-ngtcp", did you mean "h3-ngtcp2"? (flows: h3-ngtcp2, h3-quiche, h3-quic-go, h3-aioquic, h2-node, h1-node, iperf3-cubic, iperf3-bbr, iperf3-reno)',
  );
  t.equal(
    usageRefusal(() => planScenarioRun('competition', { ...base, mix: [['h2-node']] })),
    '--mix: h2-node has 1 flows; a mix has 2 to 4',
  );
  t.equal(
    usageRefusal(() =>
      planScenarioRun('competition', {
        ...base,
        mix: [
          ['h2-node', 'h1-node'],
          ['h2-node', 'h1-node'],
        ],
      }),
    ),
    '--mix: h2-node-vs-h1-node is given twice',
  );
  t.equal(
    usageRefusal(() => planScenarioRun('competition', { ...base, duration: 1000 })),
    '--duration: 1000 ms is out of range (2 s to 300 s of competing)',
  );
  t.equal(
    usageRefusal(() => planScenarioRun('competition', { ...base, duration: 10_000, stagger: 5000 })),
    '--stagger: 5000 ms must be at least 0 and under half of --duration (10000 ms), or the flows would hardly overlap',
  );
  t.equal(
    usageRefusal(() => planScenarioRun('competition', { ...base, rtt: '40ms' })),
    'competition: the link needs a rate limit (--rate, --down-rate or a profile with one): the flows compete for a bottleneck',
  );
  t.equal(
    usageRefusal(() => planScenarioRun('handshake', { ...base, stagger: 1000 })),
    '--stagger, --mix, --message-probe: apply to competition scenarios, not handshake',
  );
});

t.test('on loopback the run is refused before anything is set up', async (t) => {
  const plan = planScenarioRun('competition', { ...base, link: 'loopback' });
  await t.rejects(checkSessionOptions(plan.scenario, { ...plan.sessionOptions, output: undefined }), /competition runs on the lab only \(its flows share the emulated bottleneck/);
});

t.test('--mix as the command line gives it: mixes by commas, flows by +', async (t) => {
  t.same(mixList('h3-quic-go+iperf3-bbr, h3-ngtcp2 + h2-node + iperf3-cubic'), [
    ['h3-quic-go', 'iperf3-bbr'],
    ['h3-ngtcp2', 'h2-node', 'iperf3-cubic'],
  ]);
  t.equal(
    usageRefusal(() => mixList('h3-ngtcp2+,h2-node')),
    '--mix: "h3-ngtcp2+" has an empty flow (flows joined by +, e.g. h3-ngtcp2+iperf3-bbr)',
  );
});
