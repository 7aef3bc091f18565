// Which sender's retransmissions a competition sample can tell per flow: a QUIC flow's from its
// server's qlog (when no other flow shares that server), iperf3's own, and one kernel TCP flow
// without its own count from the server namespace's counter less the others' - unless a TCP
// message probe sent from that namespace too.
import t from 'tap';
import { retransmissions, type Finished } from '../../scenarios/competition-sample.js';
import type { ExchangeClient, ServerEndpoint } from '../../harness/endpoints/types.js';
import type { CompetitionFlow } from '../../harness/results/workload.js';

const server = (recovery: number | null): ServerEndpoint => ({ lastConnectionRecovery: async () => (recovery === null ? null : { retransmittedPackets: recovery, retransmittedBytes: 0 }) }) as unknown as ServerEndpoint;

function finished(id: string, protocol: CompetitionFlow['protocol'], on: ServerEndpoint, own?: number): Finished {
  const flow = { id, protocol, application: 'none', client: id, server: id, congestionControl: 'cubic', bodyBytes: 1, startAfterMs: 0 } as CompetitionFlow;
  return {
    runner: { flow, client: {} as ExchangeClient, server: on, target: { host: '198.18.0.2', port: 443, serverName: 'x' } },
    calledAtMs: 0,
    timings: { handshakeMs: 1, ...(own !== undefined ? { retransmittedPackets: own } : {}) },
  };
}

t.test('QUIC from its server, iperf3 its own, HTTP/2 the namespace counter less iperf3', async (t) => {
  const mix = [finished('h3', 'quic', server(5)), finished('h2', 'tcp-tls', server(null)), finished('iperf3', 'tcp', server(null), 4)];
  t.same(await retransmissions(mix, 12, false), [5, 8, 4]);
  t.same(await retransmissions(mix, null, false), [5, undefined, 4], 'no namespace counter: untold');
});

t.test('a TCP message probe sends from the same namespace: the HTTP/2 flow is untold', async (t) => {
  const mix = [finished('h3', 'quic', server(5)), finished('h2', 'tcp-tls', server(null))];
  t.same(await retransmissions(mix, 12, true), [5, undefined]);
});

t.test('two QUIC flows on one server: neither is told', async (t) => {
  const shared = server(7);
  t.same(await retransmissions([finished('a', 'quic', shared), finished('b', 'quic', shared)], null, false), [undefined, undefined]);
});
