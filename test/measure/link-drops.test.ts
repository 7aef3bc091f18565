// Drops by cause per sample: the difference of two readings of the emulator's counters.
import t from 'tap';
import { LINK_DROP_METRICS, linkDropMetricName, linkDropMetrics } from '../../harness/measure/link-drops.js';
import { completeDefinition } from '../../harness/results/metric-definitions.js';
import { metricDefinitionSchema } from '../../harness/results/schema.js';

const dropped = (loss: number, burstLoss: number, queueOverflow: number, outage: number, noBuffer = 0, writeError = 0) => ({ dropped: { loss, burstLoss, queueOverflow, outage, noBuffer, writeError } });

t.test('each cause in each direction: after minus before, zeros included', async (t) => {
  const before = { up: dropped(1, 2, 3, 4), down: dropped(10, 0, 100, 0, 1, 0) };
  const after = { up: dropped(1, 5, 3, 9), down: dropped(12, 0, 189, 0, 1, 2) };
  t.same(linkDropMetrics(before, after), {
    linkDropsLossUpPackets: 0,
    linkDropsBurstLossUpPackets: 3,
    linkDropsQueueOverflowUpPackets: 0,
    linkDropsOutageUpPackets: 5,
    linkDropsNoBufferUpPackets: 0,
    linkDropsWriteErrorUpPackets: 0,
    linkDropsLossDownPackets: 2,
    linkDropsBurstLossDownPackets: 0,
    linkDropsQueueOverflowDownPackets: 89,
    linkDropsOutageDownPackets: 0,
    linkDropsNoBufferDownPackets: 0,
    linkDropsWriteErrorDownPackets: 2,
  });
});

t.test('a counter that went back (reset in between) gives nothing, not a negative count', async (t) => {
  t.equal(linkDropMetrics({ up: dropped(0, 0, 0, 0), down: dropped(0, 0, 50, 0) }, { up: dropped(0, 0, 0, 0), down: dropped(0, 0, 3, 0) }), null);
});

t.test('declared once: a definition for every metric the difference gives, accepted by the result schema', async (t) => {
  const zero = { up: dropped(0, 0, 0, 0), down: dropped(0, 0, 0, 0) };
  t.same(LINK_DROP_METRICS.map((m) => m.name).sort(), Object.keys(linkDropMetrics(zero, zero) ?? {}).sort());
  t.equal(linkDropMetricName('queueOverflow', 'down'), 'linkDropsQueueOverflowDownPackets');
  for (const declared of LINK_DROP_METRICS) {
    const definition = completeDefinition(declared);
    t.ok(metricDefinitionSchema.safeParse(definition).success, declared.name);
    t.same(definition.provenance, { kind: 'measured', sources: ['link-emulator'] });
  }
});
