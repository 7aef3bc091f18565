// migration: a NAT rebinding in the middle of a download (the emulator gives the client a new
// source port, or a new address, as a phone moving between networks or a NAT timing out).
// QUIC identifies a connection by its connection ID and validates the new path, so the
// transfer goes on; TCP's connection is its 4-tuple, so the server answers the "new" peer
// with a reset. For TCP the sample then does what a client must: reconnect and fetch the
// rest with a Range request; what that cost is recorded beside the delivery stall. The
// capture shows what the endpoints' clocks cannot: the path validation (PATH_CHALLENGE,
// PATH_RESPONSE), the gap in the body data, and TCP's reset and new connection.
import { formatSize } from '../harness/files/sizes.js';
import { PartialTransferError } from '../harness/endpoints/types.js';
import { downsampleProgress, longestStallMs } from '../harness/measure/transfer.js';
import { SERIES_POINTS } from './transfer-sample.js';
import { VERIFIED_BODY_BYTES, verifiedMetric } from './integrity.js';
import { migrationWireMetrics } from '../harness/capture/migration-wire.js';
import { packetsOf } from '../harness/capture/wire-analysis.js';
import { CAPTURE } from '../harness/results/metric-definitions.js';
import { workloadOf, type CaseDefinition, type SampleContext, type SampleMeasurement, type ScenarioDefinition, type TransferOptions } from '../harness/scenario/types.js';

/** When the rebinding happens, after the request started: well inside the default 4 MB at 20 Mbit/s. */
export const REBIND_AFTER_MS = 800;
const KINDS = ['port', 'address'] as const;

function migrationCases(options: TransferOptions): CaseDefinition[] {
  return options.sizesBytes.flatMap((bytes) =>
    KINDS.flatMap((kind): CaseDefinition[] => {
      const workload = { kind: 'transfer', bodyBytes: bytes, rebind: { kind, afterMs: REBIND_AFTER_MS } } as const;
      const name = `${formatSize(bytes)}-rebind-${kind}`;
      return [
        { id: `tcp-tls-h2-${name}`, protocol: 'tcp-tls', application: 'h2', client: 'undici', server: 'node', workload },
        { id: `quic-h3-${name}`, protocol: 'quic', application: 'h3', client: 'ngtcp2', server: 'ngtcp2', workload },
      ];
    }),
  );
}

export async function rebindDuringDownload({ caseDefinition, client, target, timeoutMs, link, bodyPath }: SampleContext): Promise<SampleMeasurement> {
  if (!link) throw new Error('migration needs the lab emulator (NAT rebinding)');
  const workload = workloadOf(caseDefinition, 'transfer');
  const bytes = workload.bodyBytes;
  const kind = workload.rebind?.kind ?? 'port';
  const started = Date.now();
  const firstCalledMs = performance.now();
  const rebind = new Promise<void>((resolve, reject) => setTimeout(() => void link.rebind(kind).then(resolve, reject), REBIND_AFTER_MS));
  try {
    const timings = await client.exchange({ target, path: bodyPath(bytes), timeoutMs, recordProgress: true });
    await rebind;
    if (Date.now() - started < REBIND_AFTER_MS) throw new Error(`the download ended before the rebinding at ${REBIND_AFTER_MS} ms: use a larger --sizes`);
    if (timings.bodyBytes !== bytes) throw new Error(`received ${timings.bodyBytes} body bytes, expected ${bytes}`);
    const completionMs = timings.totalMs ?? 0;
    return {
      metrics: { completedOnSameConnection: 1, completionMs, deliveryStallMs: longestStallMs(timings.progress ?? []), reconnects: 0, ...verifiedMetric(timings.verifiedBodyBytes) },
      ...(timings.progress ? { series: { bytesOverTime: downsampleProgress(timings.progress, SERIES_POINTS) } } : {}),
    };
  } catch (error) {
    await rebind.catch(() => undefined);
    if (!(error instanceof PartialTransferError)) throw error;
    // What a TCP client must do: a new connection, and a Range request for the rest.
    const { partial } = error;
    // The new exchange's origin on the first one's clock: from call to call (each exchange's
    // own work before its connect is about the same), so the client's time between noticing
    // the break and reconnecting counts as stall, as it does on the wire.
    const resumeOriginMs = performance.now() - firstCalledMs;
    const resumed = await client.exchange({ target, path: bodyPath(bytes), timeoutMs, rangeStartBytes: partial.bodyBytes });
    const rest = bytes - partial.bodyBytes;
    if (resumed.bodyBytes !== rest) throw new Error(`the resumed download got ${resumed.bodyBytes} bytes, expected the ${rest} left (broke off with: ${error.message})`, { cause: error });
    return {
      metrics: {
        completedOnSameConnection: 0,
        completionMs: resumeOriginMs + (resumed.totalMs ?? 0),
        deliveryStallMs: resumeOriginMs + (resumed.bodyStartMs ?? resumed.ttfbMs ?? 0) - (partial.lastByteMs ?? 0),
        reconnectMs: resumed.ttfbMs ?? 0,
        bytesBeforeBreakOff: partial.bodyBytes,
        reconnects: 1,
        // The client checks bytes as they arrive and fails rather than resume after a wrong one.
        ...verifiedMetric(resumed.verifiedBodyBytes === undefined ? undefined : partial.bodyBytes + resumed.verifiedBodyBytes),
      },
    };
  }
}

const DEFAULTS: TransferOptions = { sizesBytes: [4_000_000], direction: 'down' };

export const migration: ScenarioDefinition = {
  name: 'migration',
  abbreviation: 'MIG',
  description: `A NAT rebinding (new client port, or new address) ${REBIND_AFTER_MS} ms into a download: QUIC goes on; TCP breaks, and the client reconnects and resumes with a Range request`,
  metrics: [
    { name: 'completedOnSameConnection', unit: 'count', better: 'higher', description: '1 when the download finished on its own connection, 0 when it broke off' },
    { name: 'completionMs', unit: 'ms', description: 'from the first connect to the last byte, a reconnection and resumption included' },
    {
      name: 'deliveryStallMs',
      unit: 'ms',
      description:
        "the longest time no new in-order body byte reached the client application (the client's clock): QUIC, the path change and the repair of packets lost at it; TCP, the last byte before the break-off to the first of the Range response",
    },
    { name: 'wireGapMs', unit: 'ms', description: 'the longest time between two server packets carrying body data, on the wire (capture at the client), over all the connections of the sample', provenance: CAPTURE },
    { name: 'pathChallenges', unit: 'count', better: 'neither', description: 'QUIC: PATH_CHALLENGE frames the server sent (decrypted from the capture)', provenance: CAPTURE },
    {
      name: 'pathValidationMs',
      unit: 'ms',
      description: "QUIC: from the server's first PATH_CHALLENGE arriving at the client to the client's PATH_RESPONSE leaving it (capture at the client: the server has its answer one uplink delay later)",
      provenance: CAPTURE,
    },
    { name: 'wireResetMs', unit: 'ms', description: "TCP: from the client's SYN to the server's reset arriving (capture)", provenance: CAPTURE },
    { name: 'wireResumeMs', unit: 'ms', description: "TCP: from the server's reset to the first body data of the new connection, its Range response (capture)", provenance: CAPTURE },
    { name: 'wireReconnectMs', unit: 'ms', description: "TCP: the new connection's part of wireResumeMs, from its SYN to its first body data (capture; compare reconnectMs)", provenance: CAPTURE },
    { name: 'wireRangeStartBytes', unit: 'bytes', description: "TCP: the offset the new connection's Range request asks for, read from its decrypted HTTP/2 headers (compare bytesBeforeBreakOff)", provenance: CAPTURE },
    { name: 'reconnectMs', unit: 'ms', description: 'TCP: the new connection until the first byte of the Range response (TCP + TLS handshakes and a request)' },
    { name: 'bytesBeforeBreakOff', unit: 'bytes', description: 'TCP: body bytes received before the connection broke off' },
    { name: 'reconnects', unit: 'count', better: 'lower', description: 'new connections the client needed' },
    VERIFIED_BODY_BYTES,
  ],
  headline: ['completedOnSameConnection', 'completionMs', 'deliveryStallMs', 'wireGapMs', 'pathValidationMs', 'reconnectMs'],
  defaults: { samples: 3, warmup: 1, sampleTimeoutMs: 60_000 },
  cases: migrationCases(DEFAULTS),
  transfers: { defaults: DEFAULTS, cases: migrationCases },
  needsLab: 'it changes the lab link during the run',
  // The capture and key logs: path validation, the gap and TCP's reset and new connection on the wire.
  wireTruth: true,
  wireMetrics: (connections) => migrationWireMetrics(connections.map(packetsOf)),
  measure: rebindDuringDownload,
};
