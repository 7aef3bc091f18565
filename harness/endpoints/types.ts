// The one interface every implementation sits behind.
import type { HandshakeWorkload, MessagesWorkload, Workload } from '../results/workload.js';
import type { EndpointInfo, TimingSource } from '../results/schema.js';
import type { ClientName, ServerName } from './implementations.js';
import type { RemoteServer } from './target/server.js';

/** 'tcp': SMB 3 over plain TCP, which signs and encrypts by itself. */
export type Protocol = 'quic' | 'tcp-tls' | 'tcp';
/** webtransport: over HTTP/3 (quic) or HTTP/2 (tcp-tls); websocket: over TLS 1.3. */
export type Application = 'h3' | 'h2' | 'http/1.1' | 'smb3' | 'none' | 'webtransport' | 'websocket';

/** Where a server listens, as a client must address it. */
export interface ServerAddress {
  /** Address to connect to (an IP literal). */
  host: string;
  port: number;
  /** Name to send in SNI and verify against the certificate. */
  serverName: string;
}

/** What every client and server needs to know about the lab PKI. */
export interface TlsMaterial {
  caFile: string;
  /** Leaf followed by intermediates, PEM. */
  chainFile: string;
  keyFile: string;
  serverName: string;
}

export interface ServerEndpoint {
  readonly implementation: string;
  /** The (protocol, application) pairs this server speaks. */
  readonly speaks: ReadonlyArray<{ protocol: Protocol; application: Application }>;
  /** Starts the server and resolves once it accepts connections. */
  start(): Promise<ServerAddress>;
  /** Stops the server; safe to call more than once. */
  stop(): Promise<void>;
  /**
   * Why the started server no longer serves on its own ("gtlsserver exited with signal SIGKILL"),
   * or null while it runs (and once stopped). The run loop restarts it once (start() again, on
   * the same port) and records the samples it broke.
   */
  exitReason?(): string | null;
  /** Sender-side loss recovery of the connection that ended last, where the server's stack tells it. */
  lastConnectionRecovery?(): Promise<{ retransmittedPackets: number; retransmittedBytes: number } | null>;
  info(): EndpointInfo;
}

/**
 * How the measured connection starts. "cold": no TLS state at all. "resumed": a session
 * ticket from a priming connection made just before (not measured), no early data.
 * "early-data": resumed and the request sent as 0-RTT data. The client creates that state
 * for the one exchange and deletes it afterwards, so a cold exchange is really cold.
 */
export type SessionMode = NonNullable<HandshakeWorkload['session']>;

/** One request on a fresh connection, timed from the client's first packet or connect call. */
export interface RequestSpec {
  target: ServerAddress;
  /** Path on the server; the lab servers serve N bytes for "/N". */
  path: string;
  timeoutMs: number;
  /** Default "cold". */
  session?: SessionMode;
  /** Upload: send this many bytes as the request body (POST to `path`); the response is small. */
  uploadBytes?: number;
  /** Keep the body's bytes-over-time series (ExchangeTimings.progress). */
  recordProgress?: boolean;
  /** Download from this byte on (a Range request: resuming a broken transfer). */
  rangeStartBytes?: number;
  /** The sender's controller, for clients that choose it per connection (iperf3's -C); the others' is the run's (--cc). */
  congestionControl?: CongestionControl;
}

/** What a download that broke off had received (ms from the exchange's origin). */
export interface PartialTransfer {
  bodyBytes: number;
  lastByteMs: number | null;
  failedAtMs: number;
}

/** An exchange that failed mid-body, with what it had got: a client can resume from there. */
export class PartialTransferError extends Error {
  constructor(
    message: string,
    readonly partial: PartialTransfer,
  ) {
    super(message);
  }
}

/**
 * Timings of one exchange, all in milliseconds from the same origin (the instant the client
 * started connecting). A metric the client cannot observe is absent, never zero.
 */
export interface ExchangeTimings {
  connectMs?: number;
  handshakeMs: number;
  ttfbMs?: number;
  totalMs?: number;
  bodyBytes?: number;
  /** Negotiated ALPN, as the client saw it. */
  alpn?: string;
  /** The TLS session was resumed / the server accepted early data (as the TLS stack says). */
  resumed?: boolean;
  earlyDataAccepted?: boolean;
  /**
   * The body's transfer: download, first and last byte of the response body received;
   * upload, first byte of the request body sent and the response received (the server has
   * it all). Goodput is body bytes over (bodyEndMs - bodyStartMs): the handshake excluded.
   */
  bodyStartMs?: number;
  bodyEndMs?: number;
  /** Upload: request body bytes sent. */
  uploadedBytes?: number;
  /**
   * Body bytes checked against the lab's generated pattern (files/body-check.ts) and found
   * right: the download by the client, an upload by the server (its answer says so). Absent
   * where nobody could check them. A wrong byte fails the exchange instead, naming its offset.
   */
  verifiedBodyBytes?: number;
  /** With recordProgress: [ms from origin, cumulative body bytes] at each arrival (download) or send (upload). */
  progress?: Array<[number, number]>;
  /** Sender-side loss recovery, where the sending stack tells it. */
  retransmittedPackets?: number;
  retransmittedBytes?: number;
  /** Implementation-specific timings worth keeping (same origin, milliseconds). */
  extraMs?: Record<string, number>;
}

/**
 * Several objects at once, the way a page loads them: HTTP/2 and HTTP/3 multiplex them on one
 * connection; HTTP/1.1 spreads them over a pool of connections (browsers use six).
 */
export interface BatchSpec {
  target: ServerAddress;
  /** "/N" paths, all requested at once. */
  paths: readonly string[];
  timeoutMs: number;
  /** HTTP/1.1 only: connections in the pool (default 6). */
  connections?: number;
}

export interface BatchTimings {
  /** The (first) connection's TLS handshake, from the same origin as everything else here. */
  handshakeMs: number;
  /** Per object, in `paths` order: when its last byte arrived (ms from the origin); verifiedBytes as in ExchangeTimings. */
  objects: Array<{ path: string; bytes: number; completedMs: number; verifiedBytes?: number }>;
  /** The last object complete. */
  totalMs: number;
  /** Connections opened. */
  connections: number;
}

/** What every client has, whatever it can do (see ExchangeClient, BatchClient, FileCopyClient). */
export interface ClientEndpoint {
  readonly implementation: string;
  readonly protocol: Protocol;
  readonly application: Application;
  /** Session modes this client can do; an exchange asking for another one throws. */
  readonly sessionModes: readonly SessionMode[];
  /** Where each metric comes from and how fine it is. */
  readonly timingSources: Readonly<Record<string, TimingSource>>;
  /** Resolves once the client can run (version detected, files in place). */
  prepare(): Promise<void>;
  /** Releases what prepare() started (a worker process, say). */
  close?(): Promise<void>;
  info(): EndpointInfo;
}

/** One request on a fresh connection (see RequestSpec). */
export interface ExchangeClient extends ClientEndpoint {
  exchange(spec: RequestSpec): Promise<ExchangeTimings>;
}

/** All of spec.paths at once (see BatchSpec). */
export interface BatchClient extends ClientEndpoint {
  exchangeBatch(spec: BatchSpec): Promise<BatchTimings>;
}

/** A whole-file copy, timed by the client itself (SMB's smbclient). */
export interface FileCopyTimings {
  /** Bytes copied, as the client reports them. */
  bytes: number;
  /** Null when the client could not time the copy (an empty file, say). */
  copyMs: number | null;
  /** File bytes checked against the lab's pattern (get: as they arrived; put: the stored file); absent when unchecked. */
  verifiedBytes?: number;
}

/** Copies a file of `bytes` from ("get") or to ("put") the server. */
export interface FileCopyClient extends ClientEndpoint {
  copy(direction: 'get' | 'put', bytes: number, timeoutMs: number): Promise<FileCopyTimings>;
}

/**
 * Small messages at a steady rate over one session, each echoed by the server (the realtime
 * scenario): message i is sent at i / ratePerSecond after the session is up, whatever came
 * back, and carries its sequence number.
 */
export interface MessagesSpec {
  target: ServerAddress;
  mode: MessagesWorkload['mode'];
  count: number;
  messageBytes: number;
  ratePerSecond: number;
  /** How long after the last send echoes are still waited for. */
  drainTimeoutMs: number;
  /** Bound of the whole sample (connect, sends, drain). */
  timeoutMs: number;
}

/** One session of messages, times in ms from the client's first packet or connect call. */
export interface MessagesTimings {
  /** Transport and TLS handshake complete. */
  handshakeMs: number;
  /** The session (WebTransport CONNECT answered, WebSocket upgrade done) ready for messages. */
  sessionMs: number;
  /** Every message sent, in order; receivedMs null when no echo came back by the drain deadline. */
  messages: Array<{ seq: number; sentMs: number; receivedMs: number | null }>;
  /** Echoes that were duplicates or carried an unknown sequence number (never counted as deliveries). */
  strayEchoes: number;
  /** When the client stopped waiting for echoes. */
  drainDeadlineMs: number;
  /** What went wrong without ending the session (a datagram that could not be queued, say). */
  errors: string[];
}

export interface MessagesClient extends ClientEndpoint {
  exchangeMessages(spec: MessagesSpec): Promise<MessagesTimings>;
}

/** What a case needs its client to do, by name: a case states one; the matrix checks it before the run. */
export interface ClientCapabilities {
  exchange: ExchangeClient;
  batch: BatchClient;
  copy: FileCopyClient;
  messages: MessagesClient;
}
export type ClientNeed = keyof ClientCapabilities;
export const CLIENT_NEEDS: readonly ClientNeed[] = ['exchange', 'batch', 'copy', 'messages'];

/** A client with the capability `needs`, typed for it (a union over the needs when N is one). */
export type CapableClient<N extends ClientNeed = ClientNeed> = N extends ClientNeed ? { needs: N; client: ClientCapabilities[N] } : never;

const NEED_METHODS: Readonly<Record<ClientNeed, string>> = { exchange: 'exchange', batch: 'exchangeBatch', copy: 'copy', messages: 'exchangeMessages' };

/** The client as one that can do `needs`, checked once before the run; undefined when it cannot. */
export function capableClient(client: ClientEndpoint, needs: ClientNeed): CapableClient | undefined {
  if (typeof (client as unknown as Record<string, unknown>)[NEED_METHODS[needs]] !== 'function') return undefined;
  switch (needs) {
    case 'exchange':
      return { needs, client: client as ExchangeClient };
    case 'batch':
      return { needs, client: client as BatchClient };
    case 'copy':
      return { needs, client: client as FileCopyClient };
    case 'messages':
      return { needs, client: client as MessagesClient };
  }
}

/** What building a client needs to know of the case it serves. */
export interface EndpointCase {
  id: string;
  protocol: Protocol;
  application: Application;
  workload: Workload;
}

/** Congestion controllers a QUIC stack may be asked for (the names TCP uses). */
export type CongestionControl = 'cubic' | 'reno' | 'bbr' | 'bbr2';

/** Transport settings any QUIC stack may honour (each says in its info() what it did). */
export interface QuicOptions {
  /** The initial RTT estimate on both sides (each stack's default when absent: ngtcp2's is RFC 9002's 333 ms). */
  initialRttMs?: number;
  /** The congestion controller on both sides (default cubic, like the lab's TCP). */
  congestionControl?: CongestionControl;
}

/**
 * The least a flow-control window may be on a path of `bdpBytes` bandwidth-delay product: twice
 * it, so the window never caps the path (every stack's windows are raised to this).
 */
export function windowFloorBytes(bdpBytes: number): number {
  if (!Number.isFinite(bdpBytes) || bdpBytes < 0) throw new Error(`bandwidth-delay product must be a non-negative number of bytes, got ${bdpBytes}`);
  return Math.ceil(2 * bdpBytes);
}

/** Where a run places its endpoints and what it asks of them, for every implementation alike. */
export interface EndpointPlacement {
  /** Address servers listen on. */
  serverHost: string;
  /** Namespaces of the lab; absent: everything on this host's loopback. */
  clientNetns?: string;
  serverNetns?: string;
  /** Clients append their TLS secrets here, so the run's capture can be decrypted. */
  keylogFile?: string;
  /** The link's bandwidth-delay product: flow-control windows are made at least twice it. */
  bdpBytes?: number;
  /** Body sizes ("/N") the run asks for: servers that serve files (Caddy) prepare them. */
  bodySizes?: readonly number[];
  quic?: QuicOptions;
  /** Servers that can tell their sender-side loss recovery record it (transfers; ngtcp2 writes a qlog per connection). */
  recordServerRecovery?: boolean;
  /** A run against a remote target (--target): the "target" server is this one. */
  remoteServer?: RemoteServer;
}

/** Builds a run's endpoints by implementation name (see registry.ts's endpointFactory). */
export interface EndpointFactory {
  server(name: ServerName, tls: TlsMaterial): ServerEndpoint;
  client(name: ClientName, caseDefinition: EndpointCase, tls: TlsMaterial): ClientEndpoint;
}

/** Throws unless the exchange really started the way `mode` asked for. */
export function checkSessionOutcome(mode: SessionMode, timings: Pick<ExchangeTimings, 'resumed' | 'earlyDataAccepted'>): void {
  if (mode === 'cold') {
    if (timings.resumed === true) throw new Error('a cold exchange resumed a TLS session: client state was not cleared');
    return;
  }
  if (timings.resumed !== true) throw new Error(`the server did not resume the TLS session (asked for ${mode})`);
  if (mode === 'early-data' && timings.earlyDataAccepted !== true) throw new Error('the server rejected the early data (0-RTT)');
  if (mode === 'resumed' && timings.earlyDataAccepted === true) throw new Error('early data was sent on an exchange meant to resume without it');
}
