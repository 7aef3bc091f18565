// Adding an implementation is one descriptor: a throwaway HTTP/1.1 client (node:https, one GET
// per fresh connection) declared here and nowhere else, run through the matrix and the run
// loop against the lab's Node server on loopback.
import t from 'tap';
import { request } from 'node:https';
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { endpointPkis } from '../fixtures/endpoint-pkis.js';
import { defineImplementation, knownVersion } from '../../harness/endpoints/descriptor.js';
import { IMPLEMENTATIONS } from '../../harness/endpoints/implementations.js';
import { endpointFactory, namesOf } from '../../harness/endpoints/registry.js';
import type { ExchangeClient, ExchangeTimings, RequestSpec, TlsMaterial } from '../../harness/endpoints/types.js';
import { expandMatrix } from '../../harness/scenario/matrix.js';
import { runScenario } from '../../harness/run/loop.js';
import { selectCases } from '../../harness/scenario/select.js';
import { handshake } from '../../scenarios/handshake.js';
import { multiplexing } from '../../scenarios/multiplexing.js';
import { throughput } from '../../scenarios/throughput.js';

const SOURCE = { source: 'node:https events', resolutionMs: 1 };

/** One GET over a fresh TCP+TLS connection with node:https. */
class HttpsGetClient implements ExchangeClient {
  readonly implementation = 'node-https-get';
  readonly protocol = 'tcp-tls';
  readonly application = 'http/1.1';
  readonly sessionModes = ['cold'] as const;
  readonly timingSources = { handshakeMs: SOURCE, ttfbMs: SOURCE, totalMs: SOURCE };

  constructor(private readonly tls: TlsMaterial) {}

  async prepare(): Promise<void> {}

  async exchange(spec: RequestSpec): Promise<ExchangeTimings> {
    const ca = await readFile(this.tls.caFile);
    const start = performance.now();
    return new Promise((resolve, reject) => {
      let handshakeMs = 0;
      let ttfbMs: number | undefined;
      let bodyBytes = 0;
      const req = request({ host: spec.target.host, port: spec.target.port, servername: spec.target.serverName, path: spec.path, ca, agent: false, minVersion: 'TLSv1.3', timeout: spec.timeoutMs }, (res) => {
        res.on('data', (chunk: Buffer) => {
          ttfbMs ??= performance.now() - start;
          bodyBytes += chunk.length;
        });
        res.on('end', () => resolve({ handshakeMs, ...(ttfbMs !== undefined ? { ttfbMs } : {}), totalMs: performance.now() - start, bodyBytes, alpn: 'http/1.1' }));
        res.on('error', reject);
      });
      req.on('socket', (socket) => socket.once('secureConnect', () => (handshakeMs = performance.now() - start)));
      req.on('timeout', () => req.destroy(new Error(`no answer after ${spec.timeoutMs} ms`)));
      req.on('error', reject);
      req.end();
    });
  }

  info() {
    return { implementation: this.implementation, version: process.versions.node, settings: {} };
  }
}

const httpsGet = defineImplementation({
  name: 'https-get',
  install: 'nothing: node:https',
  client: {
    name: 'https-get',
    implementation: 'node-https-get',
    selectable: true,
    speaks: [{ protocol: 'tcp-tls', application: 'http/1.1' }],
    sessionModes: ['cold'],
    sessionNote: 'a fresh agent per exchange',
    noUploads: 'GET only',
    can: { exchange: true, batch: 'one request at a time', copy: 'an HTTP client', messages: 'an HTTP client' },
    version: () => knownVersion(process.versions.node),
  },
  open: () => ({ client: (_case, tls) => new HttpsGetClient(tls) }),
});

const implementations = [...IMPLEMENTATIONS, httpsGet];

t.test('the new client is named and offered from its descriptor alone', async (t) => {
  t.same(namesOf('client', implementations, true), [...namesOf('client', IMPLEMENTATIONS, true), 'https-get'], "listed after the lab's own");
  t.equal(await httpsGet.client.version(), process.versions.node);
});

t.test('the matrix: its cases where it speaks the protocol, the rest unsupported with its reasons', async (t) => {
  const rows = (scenario: Parameters<typeof expandMatrix>[0]) =>
    expandMatrix(scenario, { servers: ['node'], clients: ['https-get'] }, implementations).cases.map((c) => `${c.id}${c.unsupported ? ` UNSUPPORTED ${c.unsupported}` : ''}`);
  t.same(rows(handshake), [
    'tcp-tls-h1@node/https-get',
    'tcp-tls-h1-resumed@node/https-get UNSUPPORTED https-get: no resumed sessions (a fresh agent per exchange)',
    "tcp-tls-h1-0rtt@node/https-get UNSUPPORTED node: no early-data sessions (Node's TLS has no early-data API)",
  ]);
  const upload = { ...throughput, cases: throughput.transfers?.cases({ sizesBytes: [1000], direction: 'up' }) ?? [] };
  t.same(rows(upload), ['tcp-tls-h1-1KB@node/https-get UNSUPPORTED https-get: GET only']);
  t.match(rows(multiplexing), [/^tcp-tls-h1x6-.*@node\/https-get UNSUPPORTED https-get: one request at a time$/, /UNSUPPORTED https-get: one request at a time$/]);
});

t.test('a run through the registry on loopback: measured, and recorded under its own name', async (t) => {
  const { pki } = await endpointPkis('new-implementation', async () => {});
  const scenario = selectCases(expandMatrix(handshake, { servers: ['node'], clients: ['https-get'] }, implementations), ['tcp-tls-h1@node/https-get', 'tcp-tls-h1-resumed@node/https-get']);
  const result = await runScenario(scenario, {
    samples: 2,
    warmup: 1,
    sampleTimeoutMs: 5000,
    tls: pki.material,
    certificates: pki.info,
    link: { backend: 'loopback', profile: null, configured: null, achieved: null },
    endpoints: endpointFactory({ serverHost: '127.0.0.1' }, implementations),
    implementations,
  });
  t.equal(result.status, 'completed', result.errors.join('; '));
  const [measured, unsupported] = result.cases;
  t.equal(measured?.id, 'tcp-tls-h1@node/https-get');
  t.equal(measured?.client.implementation, 'node-https-get');
  t.equal(measured?.server.implementation, 'node');
  t.same(
    measured?.samples.map((s) => [s.status, s.metrics.bodyBytes]),
    [
      ['ok', 1000],
      ['ok', 1000],
    ],
    'every sample a whole body',
  );
  t.ok((measured?.summary.handshakeMs?.median ?? 0) > 0);
  t.equal(unsupported?.client.implementation, 'node-https-get', 'an unsupported case records the name too');
  t.equal(unsupported?.unsupported, 'https-get: no resumed sessions (a fresh agent per exchange)');
});
