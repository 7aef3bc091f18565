// HTTP/1.1 and HTTP/2 over TCP+TLS 1.3 with undici: one fresh connection per exchange, timed
// from the connect call through TCP connect, TLS, response headers and the last body byte.
// Its connector is our own node:tls connect, so the session (resumption) and the key log
// are in our hands and nothing is cached between exchanges. A GET downloads the body; with
// spec.uploadBytes it POSTs a generated body of that size instead.
import { Client, type Dispatcher } from 'undici';
import type { Readable } from 'node:stream';
import { createRequire } from 'node:module';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { EndpointInfo } from '../../results/schema.js';
import { GENERATED_CHUNK_BYTES, generatedChunks } from '../../files/generated-body.js';
import { BodyCheck, checkUploadAnswer } from '../../files/body-check.js';
import { KeylogWriter } from '../node/keylog-writer.js';
import { timedTlsConnector, type TimedConnection } from '../node/timed-tls-connector.js';
import { NODE_SOCKET_EVENTS } from '../node/tls-client.js';
import { labTlsClientOptions } from '../node/tls-options.js';
import { undiciBatch } from './batch.js';
import type { WorkerClientConfig } from '../node/netns-node-client.js';
import { PartialTransferError, checkSessionOutcome, type BatchSpec, type BatchTimings, type BatchClient, type ExchangeClient, type ExchangeTimings, type RequestSpec, type SessionMode, type TlsMaterial } from '../types.js';

export const UNDICI_VERSION = (createRequire(import.meta.url)('undici/package.json') as { version: string }).version;
/**
 * HTTP/2 receive windows the client grants, per stream (SETTINGS_INITIAL_WINDOW_SIZE) and per
 * connection (undici's connectionWindowSize: a WINDOW_UPDATE once connected). undici's own
 * 256/512 KiB would cap a download at 512 KiB per round trip (42 Mbit/s at 100 ms); 16 MiB
 * covers 1 Gbit/s at over 100 ms, so flow control never limits before TCP does.
 */
export const UNDICI_H2_WINDOW_BYTES = 16 * 1024 * 1024;

/**
 * A transfer's bytes over time, kept small: the first point, then at most one point per
 * millisecond after it (the last one of each 1 ms window counted from the first point), so a
 * long transfer yields at most one point per ms of its duration and the last point is always
 * the transfer's end.
 */
export class ProgressSeries {
  readonly points: Array<[number, number]> = [];
  private window = 0;

  add(ms: number, cumulativeBytes: number): void {
    const first = this.points[0];
    if (first === undefined) {
      this.points.push([ms, cumulativeBytes]);
      return;
    }
    // Window 0 holds the first point alone; window k > 0 is (first + k - 1, first + k] ms.
    const window = Math.max(1, Math.ceil(ms - first[0]));
    const last = this.points[this.points.length - 1] as [number, number];
    if (window === this.window) {
      last[0] = ms;
      last[1] = cumulativeBytes;
    } else {
      this.window = window;
      this.points.push([ms, cumulativeBytes]);
    }
  }
}

/** The body's part of the timings, from the moments each chunk arrived or was handed over. */
class BodyClock {
  bytes = 0;
  startMs: number | undefined;
  endMs: number | undefined;
  private readonly series: ProgressSeries | undefined;

  constructor(
    private readonly originMs: () => number,
    record: boolean,
  ) {
    this.series = record ? new ProgressSeries() : undefined;
  }

  chunk(length: number): void {
    const ms = performance.now() - this.originMs();
    this.startMs ??= ms;
    this.endMs = ms;
    this.bytes += length;
    this.series?.add(ms, this.bytes);
  }

  progress(): { progress?: Array<[number, number]> } {
    return this.series !== undefined ? { progress: this.series.points } : {};
  }
}

/** The upload body: generated chunks, each timed as undici takes it (it writes it to the socket or h2 stream at once). */
async function* timedUpload(size: number, clock: BodyClock): AsyncGenerator<Buffer> {
  for (const chunk of generatedChunks(size)) {
    clock.chunk(chunk.length);
    yield chunk;
  }
}

export interface UndiciClientOptions {
  /** Append TLS secrets here (NSS key log format) so a capture can be decrypted. */
  keylogFile?: string;
}

export class UndiciClient implements ExchangeClient, BatchClient {
  readonly implementation = 'undici';
  readonly protocol = 'tcp-tls';
  // Node's TLS has no client API for TLS 1.3 early data, so there is no 0-RTT over TCP here.
  readonly sessionModes: readonly SessionMode[] = ['cold', 'resumed'];
  readonly timingSources = {
    connectMs: NODE_SOCKET_EVENTS,
    handshakeMs: NODE_SOCKET_EVENTS,
    ttfbMs: NODE_SOCKET_EVENTS,
    totalMs: NODE_SOCKET_EVENTS,
  };
  private readonly keylog: KeylogWriter | undefined;

  constructor(
    private readonly tls: TlsMaterial,
    readonly application: 'h2' | 'http/1.1',
    options: UndiciClientOptions = {},
  ) {
    this.keylog = options.keylogFile !== undefined ? new KeylogWriter(options.keylogFile) : undefined;
  }

  async prepare(): Promise<void> {}

  async exchange(spec: RequestSpec): Promise<ExchangeTimings> {
    const mode = spec.session ?? 'cold';
    if (!this.sessionModes.includes(mode)) throw new Error(`undici: session mode "${mode}" is not possible: Node's TLS offers no TLS 1.3 early data`);
    let session: Buffer | undefined;
    // One deadline for the whole exchange, priming connection included.
    const deadline = Date.now() + spec.timeoutMs;
    if (mode === 'resumed') {
      // The ticket comes from a priming connection made for this exchange alone: a GET of one
      // byte, since the ticket does not depend on the request and a transfer need not run twice.
      const priming: RequestSpec = { target: spec.target, path: '/1', timeoutMs: spec.timeoutMs };
      session = (await this.exchangeOnce(priming, undefined, true)).ticket;
      if (session === undefined) throw new Error('the priming connection got no session ticket from the server');
    }
    const { timings } = await this.exchangeOnce({ ...spec, timeoutMs: Math.max(1, deadline - Date.now()) }, session, false);
    checkSessionOutcome(mode, timings);
    return timings;
  }

  private async exchangeOnce(spec: RequestSpec, session: Buffer | undefined, wantTicket: boolean): Promise<{ timings: ExchangeTimings; ticket?: Buffer }> {
    const alpn = this.application === 'h2' ? ['h2'] : ['http/1.1'];
    const tlsOptions = { ...labTlsClientOptions(this.tls, spec.target, alpn), ...(session !== undefined ? { session } : {}) };
    const connections: TimedConnection[] = [];
    const connector = timedTlsConnector(tlsOptions, spec.timeoutMs, this.keylog, connections);
    // One request, one connection: its times are the exchange's.
    const first = (): TimedConnection | undefined => connections[0];
    const origin = `https://${spec.target.host.includes(':') ? `[${spec.target.host}]` : spec.target.host}:${spec.target.port}`;
    const client = new Client(origin, {
      connect: connector,
      allowH2: this.application === 'h2',
      pipelining: 1,
      initialWindowSize: UNDICI_H2_WINDOW_BYTES,
      connectionWindowSize: UNDICI_H2_WINDOW_BYTES,
      headersTimeout: spec.timeoutMs,
      bodyTimeout: spec.timeoutMs,
    });
    const abort = AbortSignal.timeout(spec.timeoutMs);
    const upload = spec.uploadBytes;
    const clock = new BodyClock(() => first()?.startMs ?? 0, spec.recordProgress === true);
    // The download checked against the lab's pattern as it arrives, from the Range's start.
    const check = new BodyCheck(spec.rangeStartBytes ?? 0);
    try {
      const host = `${spec.target.serverName}:${spec.target.port}`;
      const request: Dispatcher.RequestOptions =
        upload === undefined
          ? { path: spec.path, method: 'GET', headers: { host, ...(spec.rangeStartBytes !== undefined ? { range: `bytes=${spec.rangeStartBytes}-` } : {}) }, signal: abort }
          : {
              path: spec.path,
              method: 'POST',
              headers: { host, 'content-type': 'application/octet-stream', 'content-length': String(upload) },
              // undici takes an async iterable body (its docs say so; its types lag behind), and
              // pulls the next chunk only once the last one is written: the clock then times
              // each chunk as it enters the socket (h1) or the h2 stream, not a read-ahead buffer.
              // An empty upload has no body at all: undici 7.30 never ends an h2 stream whose
              // content-length is 0 but whose body is an iterable.
              body: upload > 0 ? (timedUpload(upload, clock) as unknown as Readable) : null,
              signal: abort,
            };
      const response = await client.request(request);
      const startMs = first()?.startMs ?? 0;
      const ttfbMs = performance.now() - startMs;
      let bodyBytes = 0;
      let text = '';
      const okStatus = spec.rangeStartBytes !== undefined ? 206 : 200;
      let verifiedBodyBytes: number | null = null;
      if (upload === undefined && response.statusCode === okStatus) {
        // 'data' rather than for-await: the async iterator's read() concatenates whatever is
        // buffered, a copy per read that a 1 Gbit/s download does not need.
        response.body.on('data', (chunk: Buffer) => {
          clock.chunk(chunk.length);
          check.update(chunk);
        });
        await once(response.body, 'end');
        bodyBytes = clock.bytes;
        verifiedBodyBytes = check.intact();
      } else {
        text = await response.body.text();
        bodyBytes = Buffer.byteLength(text);
      }
      const totalMs = performance.now() - startMs;
      // An upload's answer names the first wrong byte the server found (a 400): that is the failure to report.
      if (upload !== undefined && (response.statusCode === 200 || response.statusCode === 400)) verifiedBodyBytes = checkUploadAnswer(text, upload, clock.bytes);
      if (response.statusCode !== okStatus) throw new Error(`HTTP status ${response.statusCode} for ${upload === undefined ? 'GET' : 'POST'} ${spec.path}${text ? `: ${text.trim().slice(0, 300)}` : ''}`);
      const { connectMs, handshakeMs, resumed, alpn: negotiated, socket } = first() ?? {};
      if (handshakeMs === undefined || socket === undefined) throw new Error('response without a timed TLS handshake');
      if (negotiated !== this.application) throw new Error(`negotiated ALPN ${negotiated ?? 'none'}, wanted ${this.application}`);
      // TLS 1.3 tickets come after the handshake; the server sends them with its first flight
      // of data, so they are normally here already.
      if (wantTicket && first()?.ticket === undefined) await once(socket, 'session', { signal: abort }).catch(() => {});
      const ticket = first()?.ticket;
      await this.keylog?.flush();
      const timings: ExchangeTimings = {
        ...(connectMs !== undefined ? { connectMs } : {}),
        handshakeMs,
        ttfbMs,
        totalMs,
        bodyBytes,
        alpn: negotiated,
        resumed: resumed === true,
        earlyDataAccepted: false,
        // No body (0 bytes), no body timings. An upload is done when the server answers: it
        // reads the whole body first.
        ...(clock.startMs !== undefined ? { bodyStartMs: clock.startMs, bodyEndMs: upload !== undefined ? ttfbMs : clock.endMs } : {}),
        ...(upload !== undefined ? { uploadedBytes: clock.bytes } : {}),
        ...(verifiedBodyBytes !== null ? { verifiedBodyBytes } : {}),
        ...clock.progress(),
      };
      return { timings, ...(ticket !== undefined ? { ticket } : {}) };
    } catch (error) {
      let failure = error instanceof Error ? error : new Error(String(error));
      if (abort.aborted) {
        const exchange = upload !== undefined ? 'upload and its answer' : 'response';
        const stage = first()?.connectMs === undefined ? 'TCP connection (SYN unanswered)' : first()?.handshakeMs === undefined ? 'TLS handshake' : exchange;
        failure = new Error(`${stage} not done within ${spec.timeoutMs} ms`);
      }
      // A download that broke off mid-body says how far it got, so it can be resumed, unless
      // what it got was wrong already.
      if (upload === undefined && first()?.handshakeMs !== undefined) {
        check.intact();
        throw new PartialTransferError(failure.message, { bodyBytes: clock.bytes, lastByteMs: clock.endMs ?? null, failedAtMs: performance.now() - (first()?.startMs ?? 0) });
      }
      throw failure;
    } finally {
      await client.destroy();
    }
  }

  exchangeBatch(spec: BatchSpec): Promise<BatchTimings> {
    return undiciBatch(this.tls, this.application, spec, { ...(this.keylog ? { keylog: this.keylog } : {}), h2WindowBytes: UNDICI_H2_WINDOW_BYTES });
  }

  info(): EndpointInfo {
    return {
      implementation: this.implementation,
      version: UNDICI_VERSION,
      settings: {
        tls: 'TLSv1.3 only',
        openssl: process.versions.openssl ?? null,
        node: process.versions.node,
        sessionTickets: 'per exchange, from a priming connection, never cached',
        earlyData: 'not available (Node has no TLS 1.3 early data API)',
        ...(this.application === 'h2' ? { h2InitialWindowSize: UNDICI_H2_WINDOW_BYTES, h2ConnectionWindowSize: UNDICI_H2_WINDOW_BYTES } : {}),
        uploadBody: `generated, ${GENERATED_CHUNK_BYTES / 1024} KiB chunks, content-length set, timed as undici takes each chunk`,
      },
    };
  }
}

/** The client a worker in the client namespace builds (see node/netns-node-client.ts). */
export function workerClient(config: WorkerClientConfig): UndiciClient {
  return new UndiciClient(config.tls, config.application === 'http/1.1' ? 'http/1.1' : 'h2', config.keylogFile !== undefined ? { keylogFile: config.keylogFile } : {});
}
