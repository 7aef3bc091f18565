// The realtime scenario's TCP side in the lab: the ws and @fails-components/webtransport
// servers in the server namespace, their clients (through the client worker) in the client
// namespace, over the emulated 40 ms link: every message comes back, one round trip each.
import t from 'tap';
import { startLab } from '../../harness/lab/lab.js';
import { resolveLinkConditions } from '../../harness/lab/profiles.js';
import { ws } from '../../harness/endpoints/ws/index.js';
import { failsWebtransport } from '../../harness/endpoints/fails-webtransport/index.js';
import { endpointPkis } from '../fixtures/endpoint-pkis.js';
import { accountMessages } from '../../harness/measure/realtime-messages.js';
import type { MessagesClient, MessagesSpec, ServerEndpoint } from '../../harness/endpoints/types.js';

const stops: Array<() => Promise<void>> = [];
const { pki } = await endpointPkis('realtime-tcp-lab', async () => {
  for (const stop of stops.reverse()) await stop();
});

t.test('at 40 ms RTT: ~40 ms message round trips, all delivered', async (t) => {
  const lab = await startLab({ conditions: resolveLinkConditions({ rtt: '40ms' }), backend: 'auto', purpose: 'realtime-tcp live test', lock: { wait: true } });
  stops.push(() => lab.stop());
  const placement = { serverHost: lab.addresses.serverIpv4, clientNetns: lab.namespaces.client, serverNetns: lab.namespaces.server };
  const cases = [
    { implementation: ws, application: 'websocket' as const, modes: ['long-stream'] as const },
    { implementation: failsWebtransport, application: 'webtransport' as const, modes: ['datagram', 'stream-per-message', 'long-stream'] as const },
  ];
  for (const { implementation, application, modes } of cases) {
    const endpoints = implementation.open(placement);
    const server = endpoints.server?.(pki.material) as ServerEndpoint;
    stops.push(() => server.stop());
    const target = await server.start();
    for (const mode of modes) {
      const workload = { kind: 'messages' as const, messageBytes: 200, ratePerSecond: 50, count: 50, mode };
      const client = endpoints.client?.({ id: `${implementation.name}-${mode}`, protocol: 'tcp-tls', application, workload }, pki.material) as MessagesClient;
      try {
        const spec: MessagesSpec = { target, mode, count: 50, messageBytes: 200, ratePerSecond: 50, drainTimeoutMs: 2000, timeoutMs: 15_000 };
        const timings = await client.exchangeMessages(spec);
        const received = timings.messages.flatMap(({ seq, receivedMs }) => (receivedMs === null ? [] : [{ seq, receivedMs }]));
        const s = accountMessages(timings.messages, received, timings.drainDeadlineMs);
        t.same(timings.errors, [], `${implementation.name} ${mode}: no errors`);
        t.equal(s.deliveredFraction, 1, `${implementation.name} ${mode}: all 50 delivered`);
        t.equal(s.duplicates + s.unknown, 0);
        const p50 = s.rttP50Ms ?? 0;
        t.ok(p50 >= 40 && p50 < 60, `${implementation.name} ${mode}: handshake ${timings.handshakeMs} ms, session ${timings.sessionMs} ms; RTT p50 ${p50} ms, p99 ${s.rttP99Ms} ms, max ${s.rttMaxMs} ms`);
      } finally {
        await client.close?.();
      }
    }
    await server.stop();
  }
});
