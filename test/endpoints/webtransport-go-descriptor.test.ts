// The webtransport-go descriptor: what each role speaks and can do, and endpoints placed as the
// run says (nothing is started here).
import t from 'tap';
import { webTransportGo } from '../../harness/endpoints/webtransport-go/index.js';
import { WebTransportEchoServer } from '../../harness/endpoints/webtransport-go/server.js';
import { WebTransportMessagesClient } from '../../harness/endpoints/webtransport-go/messages-client.js';
import { unsupportedReason } from '../../harness/scenario/matrix.js';
import { realtime } from '../../scenarios/realtime.js';

const tls = { caFile: '/dev/null', chainFile: '/dev/null', keyFile: '/dev/null', serverName: 'server.lab.example' };
const messages = { kind: 'messages', messageBytes: 200, ratePerSecond: 50, count: 10, mode: 'datagram' } as const;

t.test('roles: WebTransport over QUIC only; the client does messages and says why nothing else', async (t) => {
  t.same(webTransportGo.server.speaks, [{ protocol: 'quic', application: 'webtransport' }]);
  t.same(webTransportGo.client.speaks, [{ protocol: 'quic', application: 'webtransport' }]);
  t.same(webTransportGo.client.can, {
    exchange: 'a WebTransport message client: no HTTP requests',
    batch: 'a WebTransport message client: no HTTP requests',
    copy: 'a WebTransport message client: no SMB file copy',
    messages: true,
  });
  const definition = realtime.cases[0];
  if (definition === undefined) throw new Error('no case');
  t.equal(unsupportedReason(definition, 'webtransport-go', 'webtransport-go', 'messages'), undefined);
  t.equal(unsupportedReason(definition, 'webtransport-go', 'webtransport-go', 'exchange'), 'webtransport-go: a WebTransport message client: no HTTP requests');
  t.equal(unsupportedReason(definition, 'webtransport-go', 'ngtcp2', 'messages'), 'ngtcp2: an HTTP client: no WebTransport or WebSocket messages');
});

t.test('open: a server on the placement host, a message client; an HTTP case is refused', async (t) => {
  const endpoints = webTransportGo.open({ serverHost: '198.18.0.2', serverNetns: 'srv', clientNetns: 'cli', keylogFile: '/tmp/k' });
  const server = endpoints.server(tls);
  t.ok(server instanceof WebTransportEchoServer);
  t.equal(server.implementation, 'webtransport-go-server');
  t.same(server.info().settings.path, '/echo');
  const client = endpoints.client({ id: 'wt', protocol: 'quic', application: 'webtransport', workload: messages }, tls);
  t.ok(client instanceof WebTransportMessagesClient);
  t.equal(client.implementation, 'webtransport-go-client');
  t.throws(() => endpoints.client({ id: 'h3', protocol: 'quic', application: 'h3', workload: { kind: 'handshake', bodyBytes: 1000 } }, tls), /speaks WebTransport, not h3 \(case h3\)/);
  t.throws(() => webTransportGo.open({ serverHost: 'server.lab' }).server(tls), /host must be an IP literal/);
});
