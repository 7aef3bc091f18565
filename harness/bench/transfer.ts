// The transfer bench, in one lab run on a loss-free 20 Mbit/s, 40 ms round-trip link:
//   (a) what a kernel TCP flow gets (iperf3, cubic, server to client);
//   (b) HTTP/2 (undici -> Node) and HTTP/3 (gtlsclient -> gtlsserver) downloads through the
//       run engine (the throughput scenario as `npm run scenario` runs it: calibration, BDP-sized
//       QUIC windows, samples interleaved): goodput as a
//       fraction of the link rate and as a ratio to the iperf3 reference on the wire (its payload
//       from the first to the last data packet, as the scenarios' wire goodput; iperf3's own
//       figure and the link's TCP payload capacity beside it);
//   (c) the harness's overhead on HTTP/3: gtlsclient run bare (no qlog, no shim checks, timed
//       by its process lifetime) against the harness's runs of the same download, both on the
//       basis of the whole exchange (bytes over completion time), interleaved.
import { mkdir, stat } from 'node:fs/promises';
import { withPrivateDir } from '../files/private-dir.js';
import { cpus, release } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { LAB_TRUST_SHIM } from '../endpoints/ngtcp2/client.js';
import { Ngtcp2Server } from '../endpoints/ngtcp2/server.js';
import { UDP_BUFFERS_SHIM, udpBufferEnvironment } from '../endpoints/ngtcp2/common.js';
import { startLab } from '../lab/lab.js';
import { resolveLinkConditions } from '../lab/profiles.js';
import { median } from '../measure/statistics.js';
import { ensurePki } from '../pki/store.js';
import { interruptSignal } from '../process/cleanup.js';
import { runCommand } from '../process/managed-process.js';
import { runSession } from '../run/session.js';
import { shapeScenario } from '../run/shape.js';
import { throughput } from '../../scenarios/throughput.js';

type Log = (message: string) => void;

const LINK = { rtt: '40ms', rate: '20mbit' } as const;
const LINK_RATE_BITS_PER_SECOND = 20e6;
const BODY_BYTES = 10_000_000;
const SAMPLES = 5;
const BARE_RUNS = 5;
const IPERF_SECONDS = 10;

export async function runTransferBench(log: Log = () => undefined): Promise<Record<string, unknown>> {
  const started = Date.now();
  const pki = await ensurePki();
  // The bench keeps the lab after the scenario run for the bare downloads, so it owns it.
  const lab = await startLab({ conditions: resolveLinkConditions(LINK), backend: 'emulator', purpose: 'bench transfer' });
  try {
    log(`(a, b) the run engine: calibration, a ${IPERF_SECONDS} s iperf3 TCP reference, then ${SAMPLES} interleaved 10 MB downloads each over HTTP/2 and HTTP/3`);
    const scenario = shapeScenario(throughput, { sizesBytes: [BODY_BYTES], direction: 'down', variants: ['tcp-tls-h2-10MB', 'quic-h3-10MB'] });
    const { document } = await runSession(
      scenario,
      {
        link: { kind: 'lab', conditions: lab.conditions, backend: lab.backend, profile: null },
        lab,
        samples: SAMPLES,
        warmup: 1,
        sampleTimeoutMs: 60_000,
        tcpReferenceSeconds: IPERF_SECONDS,
        signal: interruptSignal,
      },
      { onProgress: (event) => event.kind === 'setup' && log(`  ${event.message}`) },
    );
    const reference = document.link.achieved?.tcpReference;
    if (!reference) throw new Error('the run recorded no iperf3 reference');
    // The ratios are to the reference as the wire saw it, the definition the scenarios' wire goodput has.
    if (!reference.wire) throw new Error(`the iperf3 reference was not measured on the wire: ${reference.wireError ?? 'no reason given'}`);
    const referenceBitsPerSecond = reference.wire.goodputBitsPerSecond;
    const tcpCapacity = document.link.configured?.payloadCapacity?.tcp.downBitsPerSecond ?? null;
    if (document.status !== 'completed') throw new Error(`the harness runs ended ${document.status}: ${document.errors.join('; ')}`);
    const goodputs = (id: string, metric: 'wireGoodputBitsPerSecond' | 'completionMs') => (document.cases.find((c) => c.id === id)?.samples ?? []).filter((s) => s.status === 'ok').map((s) => s.metrics[metric] as number);
    // On the wire, like the reference: the same definition on both sides of each ratio.
    const h2 = median(goodputs('tcp-tls-h2-10MB', 'wireGoodputBitsPerSecond'));
    const h3 = median(goodputs('quic-h3-10MB', 'wireGoodputBitsPerSecond'));
    const h3Completion = median(goodputs('quic-h3-10MB', 'completionMs'));
    const failed = document.cases.flatMap((c) => c.samples.filter((s) => s.status === 'failed').map((s) => `${c.id}: ${s.error}`));

    log(`(c) ${BARE_RUNS} bare gtlsclient downloads of the same 10 MB`);
    const bareMs = await bareDownloads(lab, pki.material, BARE_RUNS);
    const bareGoodput = (BODY_BYTES * 8) / (median(bareMs) / 1000);
    const harnessWholeExchangeGoodput = (BODY_BYTES * 8) / (h3Completion / 1000);
    return {
      bench: 'transfer',
      startedAt: new Date(started).toISOString(),
      durationMs: Date.now() - started,
      host: { kernel: release(), cpus: cpus().length, cpuModel: cpus()[0]?.model ?? null, node: process.version },
      link: { backend: lab.backend, ...LINK, lossRate: 0, payloadCapacity: document.link.configured?.payloadCapacity ?? null, calibration: document.link.achieved?.calibration ?? null },
      summary: {
        tcpPayloadCapacityBitsPerSecond: tcpCapacity,
        iperf3OwnGoodputBitsPerSecond: reference.goodputBitsPerSecond,
        referenceWireGoodputBitsPerSecond: referenceBitsPerSecond,
        referenceFractionOfTcpCapacity: tcpCapacity === null ? null : referenceBitsPerSecond / tcpCapacity,
        h2GoodputBitsPerSecond: h2,
        h3GoodputBitsPerSecond: h3,
        h2FractionOfLinkRate: h2 / LINK_RATE_BITS_PER_SECOND,
        h3FractionOfLinkRate: h3 / LINK_RATE_BITS_PER_SECOND,
        h2RatioToReference: h2 / referenceBitsPerSecond,
        h3RatioToReference: h3 / referenceBitsPerSecond,
        h3HarnessToBareRatio: harnessWholeExchangeGoodput / bareGoodput,
      },
      reference,
      harness: {
        method: `throughput scenario, ${SAMPLES} samples per case after 1 warm-up, interleaved; goodput on the wire = body bits / (last - first packet carrying the body), median`,
        bodyBytes: BODY_BYTES,
        cases: document.cases.map((c) => ({ id: c.id, client: c.client, server: c.server, summary: c.summary })),
        failedSamples: failed,
      },
      overhead: {
        method:
          'the same 10 MB over HTTP/3: gtlsclient bare (no qlog; timed from spawn to exit, process start included) vs the harness runs (timed from the first Initial to the last byte by the qlog); both = bytes / whole exchange, medians',
        bareRunsMs: bareMs,
        bareGoodputBitsPerSecond: bareGoodput,
        harnessCompletionMsMedian: h3Completion,
        harnessWholeExchangeGoodputBitsPerSecond: harnessWholeExchangeGoodput,
      },
    };
  } finally {
    await lab.stop();
  }
}

/** gtlsclient with nothing but what a download needs; its process lifetime in ms per run. */
async function bareDownloads(lab: Awaited<ReturnType<typeof startLab>>, tls: Awaited<ReturnType<typeof ensurePki>>['material'], runs: number): Promise<number[]> {
  const server = new Ngtcp2Server({ tls, host: lab.addresses.serverIpv4, netns: lab.namespaces.server, port: 4499 });
  const address = await server.start();
  try {
    return await withPrivateDir('quic-lab-bench-transfer-', async (dir) => {
      const durations: number[] = [];
      for (let i = 0; i < runs; i++) {
        const downloadDir = join(dir, `run-${i}`);
        await mkdir(downloadDir);
        const startedMs = performance.now();
        const run = await runCommand({
          name: 'gtlsclient (bare)',
          command: 'gtlsclient',
          netns: lab.namespaces.client,
          args: [
            '-q',
            '--exit-on-all-streams-close',
            '--no-http-dump',
            `--download=${downloadDir}`,
            `--sni=${address.serverName}`,
            address.host,
            String(address.port),
            `https://${address.serverName}:${address.port}/${BODY_BYTES}`,
          ],
          // The shims make GnuTLS verify against the lab CA and size the UDP buffers: the same as the harness's runs.
          env: { ...process.env, LD_PRELOAD: `${LAB_TRUST_SHIM} ${UDP_BUFFERS_SHIM}`, ...udpBufferEnvironment(), LAB_TRUST_CA_FILE: resolve(tls.caFile), LAB_TRUST_VERIFY_HOST: address.serverName },
          timeoutMs: 60_000,
        });
        const elapsedMs = performance.now() - startedMs;
        if (run.code !== 0) throw new Error(`bare gtlsclient exited ${run.code}: ${run.stderr.slice(-300)}`);
        const received = await stat(join(downloadDir, String(BODY_BYTES))).then(
          (s) => s.size,
          () => 0,
        );
        if (received !== BODY_BYTES) throw new Error(`bare gtlsclient received ${received} bytes, expected ${BODY_BYTES}`);
        durations.push(elapsedMs);
      }
      return durations;
    });
  } finally {
    await server.stop();
  }
}
