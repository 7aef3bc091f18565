// The TCP+TLS side of an HTTPS origin: one TCP connection (its connect time is the path's RTT
// as the probe sees it), a TLS handshake offering h2 and http/1.1, and one GET for the URL's
// path whose response headers are read (Alt-Svc, Server); the body is not read past a bound.
// The certificate chain the server sent is taken from this connection: its size predicts the
// QUIC first flight (amplification.ts).
import { connect as http2Connect, constants as h2 } from 'node:http2';
import { createConnection, type Socket } from 'node:net';
import { connect as tlsConnect, type DetailedPeerCertificate, type TLSSocket } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { summarizeCertificate, type CertificateSummary } from '../smb/certificate-check.js';
import type { ProbeTarget } from './target.js';

/** Response headers larger than this are not a normal server's: the read stops. */
export const MAX_HEADER_BYTES = 64 * 1024;

export interface TcpTlsProbeResult {
  reachable: boolean;
  connectMs: number | null;
  tlsHandshakeMs: number | null;
  tlsVersion: string | null;
  alpn: string | null;
  /** Verified against --ca (or the system roots); the reason when not. */
  authorized: boolean | null;
  authorizationError: string | null;
  status: number | null;
  altSvc: string | null;
  server: string | null;
  /** As sent, leaf first (a self-signed root at the end is left out: Node adds the trust store's). */
  chain: Array<CertificateSummary & { derBytes: number }>;
  chainBytes: number;
  error?: string;
}

export interface TcpTlsProbeOptions {
  target: ProbeTarget;
  timeoutMs: number;
  /** PEM of the CA(s) to trust; absent: Node's default roots. */
  ca?: string;
}

export function probeTcpTls(options: TcpTlsProbeOptions): Promise<TcpTlsProbeResult> {
  const { target } = options;
  const result: TcpTlsProbeResult = {
    reachable: false,
    connectMs: null,
    tlsHandshakeMs: null,
    tlsVersion: null,
    alpn: null,
    authorized: null,
    authorizationError: null,
    status: null,
    altSvc: null,
    server: null,
    chain: [],
    chainBytes: 0,
  };
  return new Promise((resolve) => {
    let done = false;
    let tcp: Socket | null = null;
    let tls: TLSSocket | null = null;
    const cleanups: Array<() => void> = [];
    const finish = (error?: string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      for (const cleanup of cleanups) cleanup();
      tls?.destroy();
      tcp?.destroy();
      resolve(error === undefined ? result : { ...result, error });
    };
    const timer = setTimeout(
      () => finish(`timed out after ${options.timeoutMs} ms (${result.reachable ? (result.tlsVersion ? 'waiting for the response headers' : 'in the TLS handshake') : 'connecting'})`),
      options.timeoutMs,
    );
    const startedAt = performance.now();
    tcp = createConnection({ host: target.address, port: target.port });
    tcp.once('error', (error) => finish(`TCP: ${error.message}`));
    tcp.once('connect', () => {
      result.reachable = true;
      result.connectMs = performance.now() - startedAt;
      const tlsStartedAt = performance.now();
      tls = tlsConnect({
        socket: tcp,
        servername: target.host,
        ALPNProtocols: ['h2', 'http/1.1'],
        rejectUnauthorized: false,
        ...(options.ca !== undefined ? { ca: options.ca } : {}),
      });
      tls.once('error', (error: Error) => finish(`TLS: ${error.message}`));
      tls.once('secureConnect', () => {
        const socket = tls as TLSSocket;
        result.tlsHandshakeMs = performance.now() - tlsStartedAt;
        result.tlsVersion = socket.getProtocol();
        result.alpn = socket.alpnProtocol === false ? null : socket.alpnProtocol;
        result.authorized = socket.authorized;
        result.authorizationError = socket.authorizationError ? String(socket.authorizationError) : null;
        result.chain = sentChain(socket.getPeerCertificate(true));
        result.chainBytes = result.chain.reduce((sum, c) => sum + c.derBytes, 0);
        const headers = (status: number, altSvc: string | null, server: string | null): void => {
          result.status = status;
          result.altSvc = altSvc;
          result.server = server;
          finish();
        };
        if (result.alpn === 'h2') requestHttp2(socket, target, headers, finish, cleanups);
        else requestHttp1(socket, target, headers, finish);
      });
    });
  });
}

/** The chain from the TLS connection, leaf first, without a trailing self-signed root. */
function sentChain(leaf: DetailedPeerCertificate): Array<CertificateSummary & { derBytes: number }> {
  const chain: Array<CertificateSummary & { derBytes: number }> = [];
  const seen = new Set<string>();
  for (let c: DetailedPeerCertificate | undefined = leaf; c?.raw !== undefined && !seen.has(c.fingerprint256); c = c.issuerCertificate) {
    seen.add(c.fingerprint256);
    const x509 = new X509Certificate(c.raw);
    const selfSigned = x509.subject === x509.issuer && x509.verify(x509.publicKey);
    if (selfSigned && chain.length > 0) break;
    chain.push({ ...summarizeCertificate(x509), derBytes: c.raw.length });
  }
  return chain;
}

const header = (value: string | string[] | undefined): string | null => (value === undefined ? null : Array.isArray(value) ? value.join(', ') : value);

function requestHttp2(socket: TLSSocket, target: ProbeTarget, done: (status: number, altSvc: string | null, server: string | null) => void, fail: (error: string) => void, cleanups: Array<() => void>): void {
  const session = http2Connect(target.url, { createConnection: () => socket, maxSessionMemory: 1 });
  cleanups.push(() => session.destroy());
  session.once('error', (error: Error) => fail(`HTTP/2: ${error.message}`));
  const stream = session.request({ [h2.HTTP2_HEADER_PATH]: target.path, [h2.HTTP2_HEADER_METHOD]: 'GET', [h2.HTTP2_HEADER_AUTHORITY]: authority(target) });
  stream.once('error', (error: Error) => fail(`HTTP/2: ${error.message}`));
  stream.once('response', (headers) => {
    stream.close(h2.NGHTTP2_CANCEL);
    done(Number(headers[h2.HTTP2_HEADER_STATUS]), header(headers['alt-svc']), header(headers.server));
  });
  stream.end();
}

function requestHttp1(socket: TLSSocket, target: ProbeTarget, done: (status: number, altSvc: string | null, server: string | null) => void, fail: (error: string) => void): void {
  let received = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => {
    received += chunk;
    const end = received.indexOf('\r\n\r\n');
    if (end < 0) {
      if (received.length > MAX_HEADER_BYTES) fail(`HTTP/1.1: no end of the response headers in ${received.length} bytes`);
      return;
    }
    const parsed = parseHttp1Head(received.slice(0, end));
    if (parsed === null) fail(`HTTP/1.1: not an HTTP response: ${JSON.stringify(received.slice(0, 60))}`);
    else done(parsed.status, parsed.headers.get('alt-svc') ?? null, parsed.headers.get('server') ?? null);
  });
  socket.once('end', () => fail(`HTTP/1.1: the server closed the connection after ${received.length} bytes, before the response headers`));
  socket.write(`GET ${target.path} HTTP/1.1\r\nHost: ${authority(target)}\r\nUser-Agent: quic-lab-h3-probe\r\nAccept: */*\r\nConnection: close\r\n\r\n`);
}

/** "HTTP/1.1 200 OK\r\nName: value..." -> status and headers (repeated names joined with ", "). */
export function parseHttp1Head(head: string): { status: number; headers: Map<string, string> } | null {
  const [statusLine = '', ...lines] = head.split('\r\n');
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (!match) return null;
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers.set(name, headers.has(name) ? `${headers.get(name)}, ${value}` : value);
  }
  return { status: Number(match[1]), headers };
}

function authority(target: ProbeTarget): string {
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  return target.port === 443 ? host : `${host}:${target.port}`;
}
