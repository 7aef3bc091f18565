// One competition sample: the probe runs idle, then every flow starts at its time (the case's
// own client and its companions, each against its own server) while the probe and the
// emulator's queue record what the mix does; the figures are measure/competition.ts's. Every
// time is put on one clock: CLOCK_MONOTONIC (process.hrtime), as the probe's and the emulator's.
import { setTimeout as sleep } from 'node:timers/promises';
import type { CongestionControl, ExchangeClient, ExchangeTimings, MessagesTimings, ServerAddress, ServerEndpoint } from '../harness/endpoints/types.js';
import { LatencyProbeFlow, type LatencyProbeResult } from '../harness/lab/latency-probe-flow.js';
import type { QueueSeries } from '../harness/lab/emulator-queue-series.js';
import { competitionFigures, type FlowRun, type ProbeRun } from '../harness/measure/competition.js';
import { tcpRetransmittedSegments } from '../harness/measure/tcp-counters.js';
import type { CompetitionFlow } from '../harness/results/workload.js';
import { workloadOf, type MessageProbeEndpoints, type SampleContext, type SampleMeasurement } from '../harness/scenario/types.js';
import { REALTIME_DRAIN_TIMEOUT_MS } from './realtime.js';

/** Probes a second: 64-byte UDP echoes, about 10 kbit/s each way beside a 20 Mbit/s contest. */
export const PROBE_RATE_PER_SECOND = 20;
/** The idle link is probed this long before the first flow starts (80 probes at 20 a second). */
export const PROBE_IDLE_MS = 4000;
/** The emulator samples its queue this often: about 5 serialization times of a full packet at 20 Mbit/s. */
const QUEUE_INTERVAL_MS = 10;
/** Room left for the probe's and the queue's shutdown within the sample's bound. */
const SHUTDOWN_MARGIN_MS = 5000;

function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export interface Runner {
  flow: CompetitionFlow;
  client: ExchangeClient;
  server: ServerEndpoint;
  target: ServerAddress;
}

export interface Finished {
  runner: Runner;
  calledAtMs: number;
  timings: ExchangeTimings;
}

/**
 * The sender's retransmissions per flow (in the flows' order), where they can be told apart. A
 * message probe over TCP (WebSocket, WebTransport over HTTP/2) sends from the same server
 * namespace, so then the namespace's counter tells no flow's.
 */
export async function retransmissions(finished: readonly Finished[], tcpDelta: number | null, tcpMessageProbe: boolean): Promise<Array<number | undefined>> {
  const counts: Array<number | undefined> = [];
  for (const { runner, timings } of finished) {
    if (runner.flow.protocol === 'quic') {
      // A server's last connection is this flow's only when no other flow of the mix uses that server.
      const shared = finished.filter((f) => f.runner.server === runner.server).length > 1;
      counts.push(shared ? undefined : ((await runner.server.lastConnectionRecovery?.())?.retransmittedPackets ?? undefined));
    } else {
      counts.push(timings.retransmittedPackets);
    }
  }
  // Kernel TCP flows that do not count their own (HTTP/2 over node): the server namespace's counter, less what iperf3 reported, when one such flow is left.
  const uncounted = finished.flatMap((f, k) => (f.runner.flow.protocol !== 'quic' && counts[k] === undefined ? [k] : []));
  const kernelCounted = finished.reduce((sum, f, k) => sum + (f.runner.flow.protocol !== 'quic' && counts[k] !== undefined ? counts[k] : 0), 0);
  if (uncounted.length === 1 && tcpDelta !== null && !tcpMessageProbe) counts[uncounted[0] as number] = Math.max(0, tcpDelta - kernelCounted);
  return counts;
}

/**
 * The message probe's session, started now: each message's send time and round trip as a
 * probe's, on the monotonic clock from when its session was called. The client times itself
 * from its first packet or connect call, so its messages sit early by at most its start-up
 * (the Node clients' worker, started before the samples: its message to the worker, well
 * under a millisecond; webtransport-go's program: a few ms).
 */
function startMessageProbe(endpoints: MessageProbeEndpoints, timeoutMs: number): Promise<ProbeRun> {
  const { probe, client, target } = endpoints;
  const startedAtMs = monotonicMs();
  return client
    .exchangeMessages({
      target,
      mode: probe.messages.mode,
      count: probe.messages.count,
      messageBytes: probe.messages.messageBytes,
      ratePerSecond: probe.messages.ratePerSecond,
      drainTimeoutMs: REALTIME_DRAIN_TIMEOUT_MS,
      timeoutMs,
    })
    .then((timings: MessagesTimings) => ({
      startedAtMs,
      probes: timings.messages.map(({ sentMs, receivedMs }) => ({ sentMs, rttMs: receivedMs === null ? null : receivedMs - sentMs })),
    }));
}

export async function competitionSample(context: SampleContext): Promise<SampleMeasurement> {
  const { caseDefinition, namespaces, bodyPath, timeoutMs } = context;
  const workload = workloadOf(caseDefinition, 'competition');
  if (namespaces === undefined) throw new Error('competition runs on the lab only: its flows share the emulated bottleneck');
  const [own, ...others] = workload.flows;
  const companions = context.companions ?? [];
  if (own === undefined || companions.length !== others.length) throw new Error(`case ${caseDefinition.id}: ${workload.flows.length} flows, but ${companions.length + 1} clients`);
  const runners: Runner[] = [{ flow: own, client: context.client, server: context.server, target: context.target }, ...companions];
  const deadlineMs = monotonicMs() + timeoutMs - SHUTDOWN_MARGIN_MS;
  const hasKernelTcp = runners.some((r) => r.flow.protocol !== 'quic');
  const tcpBefore = hasKernelTcp ? await tcpRetransmittedSegments(namespaces.server) : null;
  const probe = await LatencyProbeFlow.start({ namespaces, addresses: { serverIpv4: context.target.host } }, { ratePerSecond: workload.probe.ratePerSecond, durationMs: Math.min(600_000, timeoutMs), waitMs: 1000 });
  // Its failure costs the sample its message figures (flagged), not its flows'.
  const messageProbe = context.messageProbe ? startMessageProbe(context.messageProbe, Math.max(1000, Math.round(deadlineMs - monotonicMs()))).catch((error: unknown) => error as Error) : undefined;
  let probeResult: LatencyProbeResult | undefined;
  let messageRun: ProbeRun | Error | undefined;
  let queueSeries: QueueSeries | undefined;
  const flags: string[] = [];
  let settled: Array<PromiseSettledResult<Finished>>;
  let zeroMonotonicMs: number;
  try {
    await context.queue?.start({ intervalMs: QUEUE_INTERVAL_MS, maxSamples: Math.ceil(timeoutMs / QUEUE_INTERVAL_MS) + 100 });
    try {
      await sleep(workload.probe.idleMs);
      zeroMonotonicMs = monotonicMs();
      const zero = zeroMonotonicMs;
      settled = await Promise.allSettled(
        runners.map(async (runner): Promise<Finished> => {
          await sleep(runner.flow.startAfterMs);
          const calledAt = monotonicMs();
          const timings = await runner.client.exchange({
            target: runner.target,
            path: bodyPath(runner.flow.bodyBytes),
            timeoutMs: Math.max(1000, Math.round(deadlineMs - calledAt)),
            recordProgress: true,
            congestionControl: runner.flow.congestionControl as CongestionControl,
          });
          return { runner, calledAtMs: calledAt - zero, timings };
        }),
      );
    } finally {
      if (context.queue) {
        await context.queue.stop().catch((error: unknown) => flags.push(`queue recording: ${String(error)}`));
        queueSeries = await context.queue.series().catch((error: unknown) => {
          flags.push(`queue series not recorded: ${error instanceof Error ? error.message : String(error)}`);
          return undefined;
        });
      }
    }
  } finally {
    probeResult = await probe.stop().catch((error: unknown) => {
      flags.push(`latency probe: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    });
    // The session ends by itself (its count, then the drain): no sample starts while it runs.
    messageRun = await messageProbe;
  }
  if (messageRun instanceof Error) flags.push(`message probe: ${messageRun.message}`);
  const failed = settled.flatMap((s, k) => (s.status === 'rejected' ? [`${runners[k]?.flow.id}: ${s.reason instanceof Error ? s.reason.message : String(s.reason)}`] : []));
  if (failed.length > 0) throw new Error(`flow ${failed.join('; flow ')}`);
  const finished = settled.map((s) => (s as PromiseFulfilledResult<Finished>).value);
  for (const { runner, timings } of finished) {
    if (timings.bodyBytes !== runner.flow.bodyBytes) throw new Error(`flow ${runner.flow.id}: received ${timings.bodyBytes ?? 'an unknown number of'} bytes, expected ${runner.flow.bodyBytes}`);
    if (timings.progress === undefined || timings.progress.length === 0) throw new Error(`flow ${runner.flow.id}: ${runner.client.implementation} recorded no progress`);
  }
  const tcpDelta = tcpBefore !== null ? (await tcpRetransmittedSegments(namespaces.server)) - tcpBefore : null;
  const retransmitted = await retransmissions(finished, tcpDelta, context.messageProbe !== undefined && context.messageProbe.probe.protocol !== 'quic');
  const flows: FlowRun[] = finished.map(({ runner, calledAtMs, timings }, k) => ({
    id: runner.flow.id,
    calledAtMs,
    progress: timings.progress ?? [],
    bodyBytes: runner.flow.bodyBytes,
    completionMs: timings.bodyEndMs ?? timings.totalMs ?? (timings.progress?.at(-1)?.[0] as number),
    ...(retransmitted[k] !== undefined ? { retransmittedPackets: retransmitted[k] } : {}),
  }));
  const figures = competitionFigures({
    flows,
    zeroMonotonicMs,
    idleMs: workload.probe.idleMs,
    ...(probeResult ? { probe: { startedAtMs: probeResult.startedAtMs, probes: probeResult.probes } } : {}),
    ...(messageRun !== undefined && !(messageRun instanceof Error) ? { messageProbe: messageRun } : {}),
    ...(queueSeries && context.queue ? { queue: { series: queueSeries, startMonotonicMs: context.queue.startMonotonicMs } } : {}),
  });
  const allFlags = [...flags, ...figures.flags];
  return { metrics: figures.metrics, series: figures.series, ...(allFlags.length > 0 ? { flags: allFlags } : {}) };
}
