// competition on the lab, short, in one run (one lab, one calibration): 4 s of fair share per flow
// on the broadband link (20 Mbit/s down, 40 ms), one sample of HTTP/3 against HTTP/2 and of the
// iperf3 cubic control pair, and one of an HTTP/3 against HTTP/2 pair staggered by 1 s (5 s of fair
// share: about 3 s shared, 150 loaded messages) with a WebSocket
// message probe: the flows really share the bottleneck, the probe sees the queue they build, the
// emulator's queue is recorded on the same clock, and nothing is left behind.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { resolveLinkConditions } from '../../harness/lab/profiles.js';
import { runSession } from '../../harness/run/session.js';
import type { AnyScenario } from '../../harness/scenario/types.js';
import { competition, competitionCases } from '../../scenarios/competition.js';
import type { ResultCase } from '../../harness/results/schema.js';

const RATE = 20_000_000;
const conditions = resolveLinkConditions({ profile: 'broadband' });

const STAGGERED = 'h3-vs-h2-staggered';
const together = competitionCases({ durationMs: 4000, staggerMs: 0, downRateBitsPerSecond: RATE }).filter((c) => ['h3-vs-h2', 'control-iperf3-cubic'].includes(c.id));
const staggered = competitionCases({ durationMs: 5000, staggerMs: 1000, downRateBitsPerSecond: RATE, messageProbe: 'ws-long-stream' })
  .filter((c) => c.id === 'h3-vs-h2')
  .map((c) => ({ ...c, id: STAGGERED }));
const scenario: AnyScenario = { ...competition, cases: [...together, ...staggered] };

let session: ReturnType<typeof runSession> | undefined;
/** The one run, started by the first test that needs it. */
const run = () => (session ??= runSession(scenario, { link: { kind: 'lab', conditions, backend: 'emulator', profile: 'broadband' }, samples: 1, warmup: 0, capture: false }));

function sampleOf(c: ResultCase | undefined) {
  const sample = c?.samples[0];
  if (sample === undefined) throw new Error(`no sample of ${c?.id}`);
  return sample;
}

t.test('two flows share the bottleneck; the probe and the queue see the load', async (t) => {
  t.setTimeout(240_000);
  const { document } = await run();
  t.equal(document.status, 'completed', document.errors.join('; ') || 'completed');
  t.same(
    document.cases.map((c) => c.id),
    ['h3-vs-h2', 'control-iperf3-cubic', STAGGERED],
  );
  for (const c of document.cases.filter((c) => c.id !== STAGGERED)) {
    const sample = sampleOf(c);
    t.equal(sample.status, 'ok', `${c.id}: ${sample.error ?? 'ok'}`);
    const m = sample.metrics;
    const name = (what: string) => `${c.id}: ${what}`;
    t.ok(Math.abs((m.flow1Share ?? 0) + (m.flow2Share ?? 0) - 1) < 1e-9, name(`shares ${m.flow1Share?.toFixed(2)} + ${m.flow2Share?.toFixed(2)} = 1`));
    t.ok((m.aggregateGoodputBitsPerSecond ?? 0) > 0.75 * RATE && (m.aggregateGoodputBitsPerSecond ?? Infinity) < RATE, name(`together ${((m.aggregateGoodputBitsPerSecond ?? 0) / 1e6).toFixed(1)} Mbit/s of 20`));
    t.ok((m.jainIndex ?? 0) > 0.5 && (m.jainIndex ?? 2) <= 1, name(`Jain ${m.jainIndex?.toFixed(3)}`));
    t.ok((m.sharedSpanMs ?? 0) > 2000, name(`shared ${m.sharedSpanMs?.toFixed(0)} ms`));
    // 40 ms idle; a queue of one BDP (100 kB at 20 Mbit/s: 40 ms) full or nearly so under two flows.
    t.ok((m.idleLatencyP50Ms ?? 0) >= 40 && (m.idleLatencyP50Ms ?? Infinity) < 60, name(`idle p50 ${m.idleLatencyP50Ms?.toFixed(1)} ms`));
    t.ok((m.loadedLatencyP50Ms ?? 0) > (m.idleLatencyP50Ms ?? Infinity) + 10, name(`loaded p50 ${m.loadedLatencyP50Ms?.toFixed(1)} ms over idle`));
    t.ok((m.peakQueueBytesDown ?? 0) > 30_000 && (m.peakQueueBytesDown ?? Infinity) <= 100_000 + 1600, name(`peak queue ${m.peakQueueBytesDown} bytes within the 100 kB limit`));
    t.equal(m.queueOverflowDropsDown, m.linkDropsQueueOverflowDownPackets, name('the queue series counts the drops the emulator counted for the sample'));
    const flows = c.workload.kind === 'competition' ? c.workload.flows : [];
    flows.forEach((flow, k) => {
      const series = sample.series?.[`flow${k + 1}BytesOverTime`];
      t.equal(series?.at(-1)?.[1], flow.bodyBytes, name(`flow ${flow.id} ends at its ${flow.bodyBytes} bytes`));
      t.ok((m[`flow${k + 1}RetransmittedPackets`] ?? -1) >= 0, name(`flow ${flow.id} retransmitted ${m[`flow${k + 1}RetransmittedPackets`]}`));
    });
    t.ok((sample.series?.probeRttIdleMs?.length ?? 0) >= 70, name(`${sample.series?.probeRttIdleMs?.length} idle probes`));
    t.ok((sample.series?.queueBytesDown?.length ?? 0) > 100, name('the queue series is recorded'));
    t.equal(c.companions?.length, 1, name('its companion flow is recorded'));
  }
  const h2 = document.cases.find((c) => c.id === 'h3-vs-h2');
  t.same([h2?.client.implementation, h2?.server.implementation, h2?.companions?.[0]?.client.implementation, h2?.companions?.[0]?.server.implementation], ['ngtcp2-gtlsclient', 'ngtcp2-gtlsserver', 'undici', 'node']);
});

t.test('a staggered flow joins later on the same clock; a WebSocket message probe sees the queue too', async (t) => {
  t.setTimeout(240_000);
  const { document } = await run();
  const staggeredCase = document.cases.find((c) => c.id === STAGGERED);
  const sample = sampleOf(staggeredCase);
  t.equal(sample.status, 'ok', sample.error ?? 'ok');
  const first = sample.series?.flow1BytesOverTime ?? [];
  const second = sample.series?.flow2BytesOverTime ?? [];
  t.ok((second[0]?.[0] ?? 0) >= 1000, `flow 2's first byte at ${second[0]?.[0]?.toFixed(0)} ms, after its 1 s stagger`);
  t.ok((first[0]?.[0] ?? Infinity) < 1000, `flow 1's first byte at ${first[0]?.[0]?.toFixed(0)} ms`);
  // The messages: 200 B at 50 a second over WebSocket (TLS over the lab's TCP), beside the UDP echoes.
  const m = sample.metrics;
  t.same(sample.flags?.filter((f) => f.includes('message')) ?? [], [], 'no message probe flag');
  t.ok((m.messageIdleLatencyP50Ms ?? 0) >= 40 && (m.messageIdleLatencyP50Ms ?? Infinity) < 60, `messages idle p50 ${m.messageIdleLatencyP50Ms?.toFixed(1)} ms`);
  t.ok((m.messageLoadedLatencyP50Ms ?? 0) > (m.messageIdleLatencyP50Ms ?? Infinity) + 10, `messages loaded p50 ${m.messageLoadedLatencyP50Ms?.toFixed(1)} ms over idle`);
  t.equal(m.messageLoadedLostRate, 0, 'every message of a reliable stream came back');
  t.ok((sample.series?.messageRttIdleMs?.length ?? 0) >= 150, `${sample.series?.messageRttIdleMs?.length} idle messages (50 a second for 4 s)`);
  t.ok((sample.series?.messageRttLoadedMs?.length ?? 0) >= 50, `${sample.series?.messageRttLoadedMs?.length} loaded messages`);
  t.same([staggeredCase?.messageProbe?.id, staggeredCase?.messageProbe?.client.implementation], ['ws-long-stream', 'ws-client']);
  t.equal(document.cases.find((c) => c.id === 'h3-vs-h2')?.messageProbe, undefined, 'the other cases run without one');
});

t.test('no lab namespace is left', async (t) => {
  const left = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  t.notMatch(left, new RegExp(`qlab-${process.pid}-`));
});
