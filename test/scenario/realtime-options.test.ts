// The realtime scenario's message options, as the command line gives them: the cases they
// make, the sample bound that follows the duration, and every refusal naming its flag.
import t from 'tap';
import { planScenarioRun, type ScenarioRunFlags } from '../../harness/options/scenario-run.js';
import { usageRefusal } from '../fixtures/usage-refusal.js';
import { parametersOf, workloadFromParameters, type MessagesWorkload } from '../../harness/results/workload.js';

const base: ScenarioRunFlags = { resultsDir: 'results', capture: true, wait: true };

const workloadOf = (plan: ReturnType<typeof planScenarioRun>, id: string): MessagesWorkload | undefined => {
  const found = plan.scenario.cases.find((c) => c.id === id)?.workload;
  return found?.kind === 'messages' ? found : undefined;
};

t.test('defaults: 200 B at 50/s for 20 s, 1000 messages a sample, bounded by 42 s', async (t) => {
  const plan = planScenarioRun('realtime', base);
  t.same(workloadOf(plan, 'wt-h3-datagram'), { kind: 'messages', messageBytes: 200, ratePerSecond: 50, count: 1000, mode: 'datagram' });
  t.equal(plan.scenario.defaults.sampleTimeoutMs, 42_000);
});

t.test('size, rate and duration make the cases; the sample bound follows the duration', async (t) => {
  const plan = planScenarioRun('realtime', { ...base, messageRate: 100, duration: 5000 });
  t.same(workloadOf(plan, 'wt-h3-long-stream'), { kind: 'messages', messageBytes: 200, ratePerSecond: 100, count: 500, mode: 'long-stream' });
  t.equal(plan.scenario.defaults.sampleTimeoutMs, 10_000 + 5000 + 2000 + 10_000);
  t.equal(planScenarioRun('realtime', { ...base, duration: 5000, timeout: 60_000 }).sessionOptions.sampleTimeoutMs, 60_000, '--timeout still decides');
});

t.test('messages too large for a datagram: the datagram cases are unsupported, the streams run them', async (t) => {
  const plan = planScenarioRun('realtime', { ...base, messageSize: 4000 });
  const datagram = plan.scenario.cases.find((c) => c.id === 'wt-h3-datagram');
  t.equal(datagram?.unsupported, 'a datagram must fit one QUIC packet: at most 1000 bytes, not 4000 (--message-size)');
  const stream = plan.scenario.cases.find((c) => c.id === 'wt-h3-stream');
  t.equal(stream?.unsupported, undefined);
  t.equal(workloadOf(plan, 'wt-h3-stream')?.messageBytes, 4000);
});

t.test('bad message options are refused, each naming its flag', async (t) => {
  t.equal(
    usageRefusal(() => planScenarioRun('realtime', { ...base, messageSize: 4 })),
    '--message-size: 4 bytes is out of range (8 bytes, the sequence number, to 65536)',
  );
  t.equal(
    usageRefusal(() => planScenarioRun('realtime', { ...base, messageSize: 100_000 })),
    '--message-size: 100000 bytes is out of range (8 bytes, the sequence number, to 65536)',
  );
  t.equal(
    usageRefusal(() => planScenarioRun('realtime', { ...base, duration: 700_000 })),
    '--duration: 700000 ms is out of range (above 0, at most 600 s)',
  );
  t.equal(
    usageRefusal(() => planScenarioRun('realtime', { ...base, messageRate: 10_000, duration: 20_000 })),
    '--message-rate 10000 for --duration 20 s is 200000 messages, over 100000 a sample',
  );
  t.equal(
    usageRefusal(() => planScenarioRun('realtime', { ...base, messageRate: 1, duration: 100 })),
    '--message-rate 1 for --duration 100 ms sends no message',
  );
  t.equal(
    usageRefusal(() => planScenarioRun('handshake', { ...base, duration: 5000 })),
    '--message-size, --message-rate, --duration: apply to message scenarios (realtime), not handshake',
  );
});

t.test("a messages workload's parameters, and back", async (t) => {
  const workload: MessagesWorkload = { kind: 'messages', messageBytes: 200, ratePerSecond: 50, count: 1000, mode: 'stream-per-message' };
  t.same(parametersOf(workload), { messageBytes: 200, ratePerSecond: 50, messages: 1000, mode: 'stream-per-message' });
  t.same(workloadFromParameters(parametersOf(workload)), workload);
  t.throws(() => workloadFromParameters({ messageBytes: 200, ratePerSecond: 50, messages: 1000, mode: 'carrier-pigeon' }), /not a messages workload/);
});
