// Is there an SMB over QUIC server at host:port, and would a Windows client accept it? One QUIC
// handshake with @matrixai/quic (quiche, BoringSSL) offering ALPN "smb" only, as Windows does
// (UDP 443, TLS 1.3, ALPN "smb"), then the server's certificate chain checked here
// (certificate-check.ts) against the given CA or the system roots.
//
// The client's own certificate verification is replaced, not trusted: the connection runs with
// `verifyPeer: true` and a `verifyCallback`. In @matrixai/quic 2.0.9 a verifyCallback makes
// BoringSSL accept any chain during the handshake (config.js passes `verifyCallback != null` to
// quiche's `Config.withBoringSslCtx`), and once quiche reports the handshake complete the
// library hands the callback the peer's chain (DER, leaf first); returning undefined accepts
// it. So the handshake completes with a bad certificate too, the callback records the chain,
// and checkCertificateChain() says what is wrong with it. (With `verifyPeer: false` the callback
// is never called.)
//
// handshakeMs (HANDSHAKE_MS_DEFINITION): from the moment the kernel took the first Initial
// datagram (the dgram send callback of the probe's own UDP socket) to the arrival (dgram
// "message" event) of the server datagram after which quiche reported the TLS handshake
// complete at the client, i.e. the one completing the server's Handshake flight (the client's
// Finished is produced then). Both ends are Node events on the probe's event loop, so they
// carry its latency (sub-millisecond when idle); a server that asks for a Retry (the
// @matrixai/quic server always does) adds a round trip, recorded in `timing.retry`.
//
// Reachability: UDP has no reset. A closed port, a host that drops the packets and a server
// that ignores them all look the same: no answer until timeoutMs (an ICMP port unreachable is
// not reported to an unconnected UDP socket on Linux, and quiche's socket here is unconnected).
// `reachable` means at least one datagram came back from host:port.
//
// Then SMB itself: once the server selected ALPN "smb", the probe opens one bidirectional
// stream, the first a Windows client opens too, and sends the same framed SMB2 NEGOTIATE as over
// TCP 445 (negotiate-exchange.ts says why the framing is the same), reads the framed response
// (bounded: MAX_NEGOTIATE_RESPONSE_BYTES, and timeoutMs again for this exchange), then closes
// its side (FIN) and stops reading. negotiateMs: the request handed to the stream's writer to
// the arrival of the chunk that completes the response frame.
import { z } from 'zod';
import { jsonMain, runJsonInNetns } from '../process/netns-json.js';
import { randomFillSync } from 'node:crypto';
import type { Socket as DgramSocket, RemoteInfo } from 'node:dgram';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import { rootCertificates } from 'node:tls';
import Logger, { LogLevel } from '@matrixai/logger';
import type { QUICClient, errors as QuicErrors } from '@matrixai/quic';
import { TLS_ALERTS } from '../measure/tls-alerts.js';
import { completeFrameLength, negotiateOutcome, negotiateRequest, type NegotiateOutcome } from './negotiate-exchange.js';
import { checkCertificateChain, type CertificateInput, type CertificateSummary } from './certificate-check.js';
import { SMB_QUIC_ALPN, SMB_QUIC_PORT } from './quic-standin.js';
import { projectPath } from '../project-root.js';
import { SYSTEM_CA_BUNDLE } from '../pki/system-trust.js';

export const HANDSHAKE_MS_DEFINITION = 'first Initial datagram handed to the kernel (dgram send callback) -> arrival (dgram message event) of the server datagram after which the TLS handshake was complete at the client';

/** TLS alert 120, no_application_protocol, as a QUIC CRYPTO_ERROR (0x100 + alert). */
const NO_APPLICATION_PROTOCOL = 0x100 + 120;

export interface SmbQuicProbeOptions {
  /** An IP address (v4 or v6): the only address the probe sends to. */
  host: string;
  /** Default 443. */
  port?: number;
  /** The name asked for (TLS SNI) and checked against the certificate. */
  serverName: string;
  /** Bound on the whole probe: no answer by then means unreachable. */
  timeoutMs: number;
  /** PEM file of the CA(s) to trust; absent: the system roots (SYSTEM_CA_BUNDLE, else Node's). */
  caFile?: string;
  /** The clock the certificates are judged by (default: when the handshake ends). */
  now?: Date;
  /** Probe from inside this network namespace (a child process there). */
  netns?: string;
  /** Send an SMB2 NEGOTIATE on a stream after the handshake (default true). */
  negotiate?: boolean;
}

/** The SMB2 NEGOTIATE over the QUIC connection. */
export interface SmbQuicNegotiate {
  streamId: number;
  dialectsOffered: string[];
  /** Null unless a complete, valid NEGOTIATE response arrived. */
  negotiateMs: number | null;
  bytesSent: number;
  bytesReceived: number;
  outcome: NegotiateOutcome | null;
  /** Why no valid response came (a refused stream, a timeout, a protocol error). */
  error?: string;
}

export interface SmbQuicProbeTiming {
  definition: string;
  /** Datagrams the probe sent before the handshake completed (Initials, the Retry answer...). */
  clientDatagrams: number;
  /** Datagrams from the server up to and including the completing one. */
  serverDatagrams: number;
  /** The server asked for address validation (a Retry packet): one more round trip. */
  retry: boolean;
  /** From the same start to the verify callback, i.e. the client's processing included. */
  handshakeProcessedMs: number | null;
  /** From the same start to the first datagram from the server (a Retry, say); null when none came. */
  firstAnswerMs: number | null;
}

export interface SmbQuicProbeResult {
  target: { host: string; port: number; serverName: string };
  reachable: boolean;
  handshakeMs: number | null;
  timing: SmbQuicProbeTiming;
  /** The ALPN the server selected; null when none (the handshake failed on it, or never ran). */
  alpn: string | null;
  certificateChain: CertificateSummary[];
  problems: string[];
  /** What the chain was checked against. */
  trustAnchors: string;
  /** Subjects from the leaf to the anchor, when the chain is trusted. */
  trustPath: string[];
  /** Null when it was not attempted: no handshake, another ALPN, or `negotiate: false`. */
  negotiate: SmbQuicNegotiate | null;
  /** Why the handshake did not complete. */
  error?: string;
  client: { implementation: string; version: string; alpnOffered: string[] };
  elapsedMs: number;
}

const require = createRequire(import.meta.url);
function quicVersion(): string {
  try {
    return (require('@matrixai/quic/package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function silentLogger(): Logger {
  return new Logger('smb-quic-probe', LogLevel.SILENT, []);
}

async function trustAnchors(caFile: string | undefined): Promise<{ anchors: CertificateInput[]; label: string }> {
  if (caFile !== undefined) return { anchors: [await readFile(caFile, 'utf8')], label: `the CA in ${caFile}` };
  try {
    return { anchors: [await readFile(SYSTEM_CA_BUNDLE, 'utf8')], label: `the system roots (${SYSTEM_CA_BUNDLE})` };
  } catch {
    return { anchors: [...rootCertificates], label: "the system roots (Node's bundled Mozilla store)" };
  }
}

/** QUIC v1 long-header packet type of a datagram's first packet, or null (short header, other version). */
function longHeaderType(datagram: Buffer): 'initial' | '0rtt' | 'handshake' | 'retry' | 'version-negotiation' | null {
  const first = datagram[0];
  if (first === undefined || (first & 0x80) === 0 || datagram.length < 5) return null;
  const version = datagram.readUInt32BE(1);
  if (version === 0) return 'version-negotiation';
  if (version !== 1) return null;
  return (['initial', '0rtt', 'handshake', 'retry'] as const)[(first & 0x30) >> 4] ?? null;
}

function describeError(error: unknown, quicErrors: typeof QuicErrors): { message: string; peerCryptoCode?: number } {
  if (error instanceof quicErrors.ErrorQUICConnectionPeerTLS || error instanceof quicErrors.ErrorQUICConnectionLocalTLS) {
    const code = (error.data as { errorCode?: number } | undefined)?.errorCode;
    const alert = code !== undefined ? code - 0x100 : undefined;
    const who = error instanceof quicErrors.ErrorQUICConnectionPeerTLS ? 'the server' : 'the probe';
    const message = `${who} ended the handshake with TLS alert ${alert ?? '?'}${alert !== undefined && TLS_ALERTS[alert] ? ` (${TLS_ALERTS[alert]})` : ''}`;
    return code !== undefined && error instanceof quicErrors.ErrorQUICConnectionPeerTLS ? { message, peerCryptoCode: code } : { message };
  }
  if (error instanceof quicErrors.ErrorQUICConnectionPeer) {
    const code = (error.data as { errorCode?: number; isApp?: boolean } | undefined) ?? {};
    return { message: `the server closed the connection with ${code.isApp ? 'application' : 'transport'} error 0x${(code.errorCode ?? 0).toString(16)}` };
  }
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return { message: `${error.message || error.name}${cause}` };
  }
  return { message: String(error) };
}

const STREAM_CLOSE_BOUND_MS = 1000;

/** The NEGOTIATE on a new bidirectional stream; network and protocol failures are results. */
async function negotiateOverStream(client: QUICClient, timeoutMs: number): Promise<SmbQuicNegotiate> {
  const { request, dialects } = negotiateRequest({});
  const stream = client.connection.newStream('bidi');
  const streamId = Number(stream.streamId);
  const writer = stream.writable.getWriter();
  const reader = stream.readable.getReader();
  let received = Buffer.alloc(0);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const result = (fields: Partial<SmbQuicNegotiate>): SmbQuicNegotiate => ({ streamId, dialectsOffered: dialects, negotiateMs: null, bytesSent: request.length, bytesReceived: received.length, outcome: null, ...fields });
  try {
    const sentAt = performance.now();
    if ((await Promise.race([writer.write(request), deadline])) === 'timeout') return result({ error: `timed out after ${timeoutMs} ms writing the NEGOTIATE request on QUIC stream ${streamId}` });
    for (;;) {
      const chunk = await Promise.race([reader.read(), deadline]);
      if (chunk === 'timeout') return result({ error: `timed out after ${timeoutMs} ms waiting for the NEGOTIATE response on QUIC stream ${streamId} (${received.length} bytes arrived)` });
      if (chunk.done) return result({ error: `the server closed QUIC stream ${streamId} after ${received.length} bytes, before a complete NEGOTIATE response` });
      const arrivedAt = performance.now();
      received = Buffer.concat([received, Buffer.from(chunk.value)]);
      const length = completeFrameLength(received);
      if (length !== null) return result({ negotiateMs: arrivedAt - sentAt, outcome: negotiateOutcome(received.subarray(0, length), dialects) });
    }
  } catch (error) {
    const text = error instanceof Error ? `${error.message || error.name}${error.cause instanceof Error ? `: ${error.cause.message}` : ''}` : String(error);
    return result({ error: `QUIC stream ${streamId}: ${text}` });
  } finally {
    clearTimeout(timer);
    // Our side ends as a client's would (FIN); then stop reading. Bounded: a stuck stream is
    // torn down with the connection anyway.
    const closing = writer.close().catch(() => {});
    await Promise.race([closing, new Promise((resolve) => setTimeout(resolve, STREAM_CLOSE_BOUND_MS))]);
    await reader.cancel().catch(() => {});
  }
}

/** One SMB over QUIC handshake to host:port; never throws for network outcomes. */
const THIS_FILE = projectPath('harness/smb/quic-probe.ts');
const childOptionsSchema = z
  .object({ host: z.string(), port: z.number().int().optional(), serverName: z.string(), timeoutMs: z.number().positive(), caFile: z.string().optional(), negotiate: z.boolean().optional() })
  .strict();

export async function probeSmbQuic(options: SmbQuicProbeOptions): Promise<SmbQuicProbeResult> {
  if (options.netns !== undefined) {
    const { netns, now: _now, ...rest } = options;
    // The handshake and the NEGOTIATE each get timeoutMs.
    return runJsonInNetns('smb quic probe', THIS_FILE, rest, netns, 2 * options.timeoutMs, (json) => json as SmbQuicProbeResult);
  }
  const port = options.port ?? SMB_QUIC_PORT;
  const family = isIP(options.host);
  if (family === 0) throw new TypeError(`probeSmbQuic needs an IP address, got "${options.host}"`);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`port must be 1-65535, got ${port}`);
  if (!(options.timeoutMs > 0)) throw new RangeError(`timeoutMs must be positive, got ${options.timeoutMs}`);
  const anchors = await trustAnchors(options.caFile);
  const alpnOffered = [SMB_QUIC_ALPN];
  const started = performance.now();

  const sent: number[] = [];
  const received: Array<{ at: number; type: ReturnType<typeof longHeaderType> }> = [];
  let chainDer: Uint8Array[] | null = null;
  let completedAt: { receivedIndex: number; verifiedAt: number } | null = null;

  // Loaded by the probe, not by every CLI start (its native addon takes a tenth of a second).
  const { QUICClient, QUICSocket, errors: quicErrors } = await import('@matrixai/quic');
  const logger = silentLogger();
  // Our own socket (the library's "shared socket"), so the probe sees every datagram it sends
  // and receives. It never resolves names: the target is an address.
  const socket = new QUICSocket({
    logger: logger.getChild('socket'),
    resolveHostname: (name: string) => {
      throw new Error(`the SMB over QUIC probe resolves no names (asked for "${name}")`);
    },
  });
  await socket.start({ host: family === 6 ? '::' : '0.0.0.0', port: 0, ipv6Only: family === 6 });
  const internals = socket as unknown as { socket?: DgramSocket; socketSend?: (...params: unknown[]) => Promise<number> };
  const dgram = internals.socket;
  const originalSend = internals.socketSend;
  const instrumented = dgram !== undefined && originalSend !== undefined;
  if (instrumented) {
    internals.socketSend = async (...params: unknown[]): Promise<number> => {
      const bytes = await originalSend(...params);
      sent.push(performance.now());
      return bytes;
    };
    // Before the library's own listener, so the arrival is stamped before any processing.
    dgram.prependListener('message', (message: Buffer, from: RemoteInfo) => {
      if (from.port === port) received.push({ at: performance.now(), type: longHeaderType(message) });
    });
  }

  let client: QUICClient | undefined;
  let failure: unknown;
  let alpn: string | null = null;
  let negotiate: SmbQuicNegotiate | null = null;
  try {
    client = await QUICClient.createQUICClient(
      {
        host: options.host,
        port,
        serverName: options.serverName,
        socket,
        crypto: {
          ops: {
            async randomBytes(data: ArrayBuffer): Promise<void> {
              randomFillSync(new Uint8Array(data));
            },
          },
        },
        config: {
          applicationProtos: alpnOffered,
          verifyPeer: true,
          verifyCallback: async (certificates: Uint8Array[]) => {
            chainDer = certificates.map((der) => Uint8Array.from(der));
            completedAt = { receivedIndex: received.length - 1, verifiedAt: performance.now() };
            return undefined;
          },
          // quiche stretches an idle timeout to at least 3 PTO (RFC 9000 10.1), about 3 s
          // before any round trip is measured: the start timer below is what bounds the probe.
          maxIdleTimeout: options.timeoutMs,
        },
        logger: logger.getChild('client'),
      },
      // Aborts the start at timeoutMs; a connection that never heard from the server closes
      // at once (no draining), so an unanswered probe ends then.
      { timer: options.timeoutMs },
    );
    const native = (client.connection as unknown as { conn?: { applicationProto?: () => Uint8Array } }).conn;
    const proto = native?.applicationProto?.();
    alpn = proto && proto.length > 0 ? Buffer.from(proto).toString('latin1') : null;
    chainDer ??= client.connection.getRemoteCertsChain();
    if (alpn === SMB_QUIC_ALPN && options.negotiate !== false) negotiate = await negotiateOverStream(client, options.timeoutMs);
  } catch (error) {
    failure = error;
  } finally {
    await client?.destroy({ isApp: true, errorCode: 0, force: true }).catch(() => {});
    await socket.stop({ force: true }).catch(() => {});
  }

  const problems: string[] = [];
  const reachable = received.length > 0;
  let errorMessage: string | undefined;
  if (failure !== undefined) {
    const described = describeError(failure, quicErrors);
    if (!reachable) {
      errorMessage = `no answer from ${options.host}:${port} within ${options.timeoutMs} ms (UDP: a closed port, a filter and a silent server look alike): ${described.message}`;
    } else {
      errorMessage = described.message;
    }
    if (described.peerCryptoCode === NO_APPLICATION_PROTOCOL) {
      problems.push(`server did not select ALPN ${SMB_QUIC_ALPN}: ${described.message}`);
    }
  } else if (alpn !== SMB_QUIC_ALPN) {
    problems.push(`server did not select ALPN ${SMB_QUIC_ALPN}: it selected ${alpn === null ? 'none' : `"${alpn}"`}`);
  }

  let certificateChain: CertificateSummary[] = [];
  let trustPath: string[] = [];
  const chain = chainDer;
  if (chain !== null && chain.length > 0) {
    const check = checkCertificateChain({
      chain,
      serverName: options.serverName,
      trustAnchors: anchors.anchors,
      trustAnchorsLabel: anchors.label,
      now: options.now ?? new Date(),
    });
    certificateChain = check.chain;
    trustPath = check.trustPath;
    problems.push(...check.problems);
  } else if (failure === undefined) {
    problems.push('no-certificate: the handshake completed but the library gave no peer certificate');
  }

  const completed = completedAt as { receivedIndex: number; verifiedAt: number } | null;
  const firstSent = sent[0];
  const completing = completed !== null ? received[completed.receivedIndex] : undefined;
  const handshakeMs = failure === undefined && firstSent !== undefined && completing !== undefined ? completing.at - firstSent : null;
  const timing: SmbQuicProbeTiming = {
    definition: instrumented ? HANDSHAKE_MS_DEFINITION : 'unavailable: the library internals the probe hooks into were not found',
    clientDatagrams: completing !== undefined ? sent.filter((at) => at <= completing.at).length : sent.length,
    serverDatagrams: completed !== null ? completed.receivedIndex + 1 : received.length,
    retry: received.some((datagram) => datagram.type === 'retry'),
    handshakeProcessedMs: completed !== null && firstSent !== undefined ? completed.verifiedAt - firstSent : null,
    firstAnswerMs: firstSent !== undefined && received[0] !== undefined ? received[0].at - firstSent : null,
  };
  return {
    target: { host: options.host, port, serverName: options.serverName },
    reachable,
    handshakeMs,
    timing,
    alpn,
    certificateChain,
    problems,
    trustAnchors: anchors.label,
    trustPath,
    negotiate,
    ...(errorMessage !== undefined ? { error: errorMessage } : {}),
    client: { implementation: '@matrixai/quic (quiche, BoringSSL)', version: quicVersion(), alpnOffered },
    elapsedMs: performance.now() - started,
  };
}

jsonMain(import.meta.url, 'smb quic probe', childOptionsSchema, (options) => probeSmbQuic(options));
