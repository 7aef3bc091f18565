// Is there an SMB 2/3 server on host:port, and what does it offer? One TCP connection, one
// SMB2 NEGOTIATE (negotiate.ts), then the connection is closed: no session setup, no
// credentials. Inside a network namespace the probe runs as this same file in a child
// process (`ip netns exec NS node --import tsx tcp-probe.ts '<options JSON>'`, one JSON line
// on stdout), so its socket and its timings are the namespace's.
//
// Timings (performance.now(), sub-millisecond, plus event-loop latency):
//   connectMs    the connect() call to the socket's `connect` event: the TCP handshake as the
//                client sees it (SYN sent .. SYN-ACK received and ACK sent)
//   negotiateMs  the write of the NEGOTIATE request to the data event that completes the
//                response frame: one round trip plus the server's work on the request
import { createConnection, isIP } from 'node:net';
import { z } from 'zod';
import { jsonMain, runJsonInNetns } from '../process/netns-json.js';
import { CIPHERS, DIALECTS, SIGNING_ALGORITHMS, type CipherName, type DialectName, type SigningAlgorithmName } from './negotiate.js';
import { completeFrameLength, negotiateOutcome, negotiateRequest } from './negotiate-exchange.js';
import { projectPath } from '../project-root.js';

export const SMB_TCP_PORT = 445;
const THIS_FILE = projectPath('harness/smb/tcp-probe.ts');

const dialectName = z.enum(Object.keys(DIALECTS) as [DialectName, ...DialectName[]]);
const cipherName = z.enum(Object.keys(CIPHERS) as [CipherName, ...CipherName[]]);
const signingName = z.enum(Object.keys(SIGNING_ALGORITHMS) as [SigningAlgorithmName, ...SigningAlgorithmName[]]);

export const smbTcpProbeOptionsSchema = z
  .object({
    host: z.string().refine((h) => isIP(h) !== 0, 'host must be an IP literal'),
    port: z.number().int().min(1).max(65535).optional(),
    /** Run the probe inside this network namespace. */
    netns: z.string().min(1).optional(),
    /** Bound on connect plus negotiate. */
    timeoutMs: z.number().positive().max(120_000),
    dialects: z.array(dialectName).min(1).optional(),
    ciphers: z.array(cipherName).optional(),
    signingAlgorithms: z.array(signingName).optional(),
    signingRequired: z.boolean().optional(),
  })
  .strict();
export type SmbTcpProbeOptions = z.input<typeof smbTcpProbeOptionsSchema>;

export const smbTcpProbeResultSchema = z.object({
  host: z.string(),
  port: z.number(),
  netns: z.string().nullable(),
  /** A TCP connection was established (whatever came after). */
  reachable: z.boolean(),
  connectMs: z.number().nullable(),
  /** Null unless a complete NEGOTIATE response arrived. */
  negotiateMs: z.number().nullable(),
  dialectsOffered: z.array(z.string()),
  /** What the server chose ("3.1.1"), null without a valid response. */
  dialect: z.string().nullable(),
  signingEnabled: z.boolean().nullable(),
  signingRequired: z.boolean().nullable(),
  /** SMB2_GLOBAL_CAP_ENCRYPTION (3.0, 3.0.2) or a cipher in the 3.1.1 encryption context. */
  encryptionSupported: z.boolean().nullable(),
  /** 3.1.1: the cipher the server chose ("none": none of ours); null before 3.1.1 or without a response. */
  cipher: z.string().nullable(),
  /** 3.1.1: the signing algorithm the server chose; null before 3.1.1, without the context or a response. */
  signingAlgorithm: z.string().nullable(),
  capabilities: z.array(z.string()),
  preauthHash: z.string().nullable(),
  maxTransactSize: z.number().nullable(),
  maxReadSize: z.number().nullable(),
  maxWriteSize: z.number().nullable(),
  serverGuid: z.string().nullable(),
  serverSystemTime: z.string().nullable(),
  /** Why the probe did not get a valid response ("connection refused (...)", a timeout, a protocol error). */
  error: z.string().optional(),
});
export type SmbTcpProbeResult = z.infer<typeof smbTcpProbeResultSchema>;

/** Probes host:port (default 445), inside `netns` when given. Network failures are results; a broken probe child throws. */
export async function probeSmbTcp(input: SmbTcpProbeOptions): Promise<SmbTcpProbeResult> {
  const options = smbTcpProbeOptionsSchema.parse(input);
  if (options.netns === undefined) return probeHere(options);
  const { netns, ...rest } = options;
  const parsed = await runJsonInNetns('smb tcp probe', THIS_FILE, rest, netns, options.timeoutMs, (json) => smbTcpProbeResultSchema.parse(json));
  return { ...parsed, netns };
}

function probeHere(options: z.infer<typeof smbTcpProbeOptionsSchema>): Promise<SmbTcpProbeResult> {
  const port = options.port ?? SMB_TCP_PORT;
  const { request, dialects } = negotiateRequest(options);
  const result: SmbTcpProbeResult = {
    host: options.host,
    port,
    netns: null,
    reachable: false,
    connectMs: null,
    negotiateMs: null,
    dialectsOffered: dialects,
    dialect: null,
    signingEnabled: null,
    signingRequired: null,
    encryptionSupported: null,
    cipher: null,
    signingAlgorithm: null,
    capabilities: [],
    preauthHash: null,
    maxTransactSize: null,
    maxReadSize: null,
    maxWriteSize: null,
    serverGuid: null,
    serverSystemTime: null,
  };

  return new Promise((resolveResult) => {
    let done = false;
    let received = Buffer.alloc(0);
    let sentAt = 0;
    const startedAt = performance.now();
    const socket = createConnection({ host: options.host, port });
    socket.setNoDelay(true);
    const finish = (error?: string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolveResult(error === undefined ? result : { ...result, error });
    };
    const timer = setTimeout(() => {
      const phase = result.reachable ? `waiting for the NEGOTIATE response (${received.length} bytes arrived)` : 'connecting';
      finish(`timed out after ${options.timeoutMs} ms ${phase}`);
    }, options.timeoutMs);

    socket.once('connect', () => {
      result.connectMs = performance.now() - startedAt;
      result.reachable = true;
      sentAt = performance.now();
      socket.write(request);
    });
    socket.on('data', (chunk: Buffer) => {
      const arrivedAt = performance.now();
      received = Buffer.concat([received, chunk]);
      try {
        const frameLength = completeFrameLength(received);
        if (frameLength === null) return;
        const outcome = negotiateOutcome(received.subarray(0, frameLength), dialects);
        result.negotiateMs = arrivedAt - sentAt;
        Object.assign(result, outcome);
        finish();
      } catch (error) {
        finish(message(error));
      }
    });
    socket.once('end', () => finish(`the server closed the connection after ${received.length} bytes, before a complete NEGOTIATE response`));
    socket.once('close', () => finish(`the connection closed after ${received.length} bytes, before a complete NEGOTIATE response`));
    socket.once('error', (error: NodeJS.ErrnoException) => finish(socketError(error)));
  });
}

const ERRNO_TEXT: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  EADDRNOTAVAIL: 'address not available',
};

function socketError(error: NodeJS.ErrnoException): string {
  const text = error.code !== undefined ? ERRNO_TEXT[error.code] : undefined;
  return text !== undefined ? `${text} (${error.message})` : error.message;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

jsonMain(import.meta.url, 'smb tcp probe', smbTcpProbeOptionsSchema, ({ netns: _ignored, ...options }) => probeHere(options));
