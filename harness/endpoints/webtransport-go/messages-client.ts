// The WebTransport message client as a lab MessagesClient: one sample is one run of the
// program in the client's namespace (runWebTransportClient), its report mapped to the
// harness's MessagesTimings. A run whose session never came up or ended early fails the
// sample with the program's own error; a server that merely stops answering does not end the
// session (the client only sees echoes stop), so that shows in the accounting instead.
import { access, constants } from 'node:fs/promises';
import type { EndpointInfo, TimingSource } from '../../results/schema.js';
import { onceUntilFailure } from '../../process/prepare-once.js';
import { ledgerTimings } from '../message-ledger.js';
import { peerVersion } from '../peer-program/peer.js';
import type { Application, MessagesClient, MessagesSpec, MessagesTimings, Protocol, SessionMode, TlsMaterial } from '../types.js';
import { runWebTransportClient, type WebTransportClientRun } from './client.js';
import { webTransportProgram } from './program.js';
import type { WebTransportClientReport } from './report.js';

export interface WebTransportMessagesClientOptions {
  /** The lab PKI: its CA is the only trust anchor the program gets. */
  tls: Pick<TlsMaterial, 'caFile'>;
  netns?: string;
  /** Append TLS secrets here so the run's capture can be decrypted. */
  keylogFile?: string;
}

const CLIENT_CLOCK: TimingSource = { source: "webtransport-go client: Go's monotonic clock at quic-go's Dial return, CONNECT answer, send and echo read", resolutionMs: 0.001 };
const TIMED_METRICS = ['handshakeMs', 'sessionMs', 'rttP50Ms', 'rttP95Ms', 'rttP99Ms', 'rttMaxMs', 'longestStallMs'] as const;
/** The program's connect bound, unless the sample's own bound leaves less. */
const MAX_CONNECT_TIMEOUT_MS = 10_000;

/** The program's report as MessagesTimings; throws with the program's error when the run failed. */
export function messagesTimings(report: WebTransportClientReport): MessagesTimings {
  return ledgerTimings('webtransport client', report, report.count, () => ({ handshakeMs: report.handshakeMs, sessionMs: report.sessionEstablishedMs }));
}

export class WebTransportMessagesClient implements MessagesClient {
  readonly implementation = webTransportProgram.implementation.client;
  readonly protocol: Protocol = 'quic';
  readonly application: Application = 'webtransport';
  /** One fresh QUIC connection and session per sample. */
  readonly sessionModes: readonly SessionMode[] = ['cold'];
  readonly timingSources: Readonly<Record<string, TimingSource>> = Object.fromEntries(TIMED_METRICS.map((metric) => [metric, CLIENT_CLOCK]));
  private version: string | null = null;

  constructor(private readonly options: WebTransportMessagesClientOptions) {}

  readonly prepare = onceUntilFailure(async () => {
    await access(this.options.tls.caFile, constants.R_OK);
    this.version = await peerVersion(webTransportProgram);
  });

  async exchangeMessages(spec: MessagesSpec): Promise<MessagesTimings> {
    await this.prepare();
    const sendMs = ((spec.count - 1) / spec.ratePerSecond) * 1000;
    const connectTimeoutMs = Math.min(MAX_CONNECT_TIMEOUT_MS, Math.floor(spec.timeoutMs - sendMs - spec.drainTimeoutMs));
    if (connectTimeoutMs < 1) throw new Error(`webtransport client: ${spec.count} messages at ${spec.ratePerSecond}/s and a ${spec.drainTimeoutMs} ms drain do not fit in ${spec.timeoutMs} ms`);
    const run: WebTransportClientRun = {
      target: spec.target,
      caFile: this.options.tls.caFile,
      mode: spec.mode,
      count: spec.count,
      sizeBytes: spec.messageBytes,
      ratePerSecond: spec.ratePerSecond,
      drainTimeoutMs: spec.drainTimeoutMs,
      connectTimeoutMs,
      ...(this.options.netns !== undefined ? { netns: this.options.netns } : {}),
      ...(this.options.keylogFile !== undefined ? { keylogFile: this.options.keylogFile } : {}),
    };
    return messagesTimings(await runWebTransportClient(run));
  }

  info(): EndpointInfo {
    return {
      implementation: this.implementation,
      version: this.version ?? 'unknown',
      settings: {
        trust: 'the lab CA only (--ca), the server name checked',
        quicDatagrams: true,
        congestionControl: webTransportProgram.defaultCongestionControl,
        initialRttMs: webTransportProgram.initialRtt.defaultMs,
      },
    };
  }
}
