// The side-by-side NEGOTIATE report of smb-probe: exact lines for two equal answers, answers
// that differ, and a side without an answer, from smbd 4.17's captured responses.
import t from 'tap';
import { smbFixture } from '../fixtures/smb.js';
import { negotiateOutcome } from '../../harness/smb/negotiate-exchange.js';
import { renderNegotiateComparison, renderTcpProbe, tcpNegotiateSide } from '../../harness/smb/probe-report.js';
import type { SmbTcpProbeResult } from '../../harness/smb/tcp-probe.js';

const OFFERED = ['2.0.2', '2.1', '3.0', '3.0.2', '3.1.1'] as const;
const o311 = negotiateOutcome(smbFixture('smbd-4.17-negotiate-response-311.hex'), OFFERED);
const o30 = negotiateOutcome(smbFixture('smbd-4.17-negotiate-response-30.hex'), OFFERED);
const side = (outcome: typeof o311, negotiateMs: number) => ({ negotiateMs, dialectsOffered: [...OFFERED], outcome });

t.test('the same answer over both: one row per property, and the same server named', async (t) => {
  t.same(renderNegotiateComparison(side(o311, 1.234), side(o311, 0.9)), [
    '  SMB2 NEGOTIATE  over QUIC                             over TCP',
    '  offered         2.0.2 2.1 3.0 3.0.2 3.1.1             2.0.2 2.1 3.0 3.0.2 3.1.1',
    '  answered in     1.2 ms                                0.9 ms',
    '  dialect         3.1.1                                 3.1.1',
    '  signing         enabled, not required (AES-GMAC)      enabled, not required (AES-GMAC)',
    '  encryption      yes (AES-128-GCM)                     yes (AES-128-GCM)',
    '  capabilities    LEASING LARGE_MTU MULTI_CHANNEL       LEASING LARGE_MTU MULTI_CHANNEL',
    '  max read/write  8388608/8388608 bytes                 8388608/8388608 bytes',
    '  server GUID     62616c71-6d73-0062-0000-000000000000  62616c71-6d73-0062-0000-000000000000',
    '  the same SMB server answered both (same server GUID)',
  ]);
});

t.test('answers that differ are marked, row by row', async (t) => {
  const lines = renderNegotiateComparison(side(o311, 1.234), side(o30, 0.9));
  t.same(
    lines.filter((line) => line.endsWith('<- differs')),
    [
      '  dialect         3.1.1                                 3.0   <- differs',
      '  signing         enabled, not required (AES-GMAC)      enabled, not required   <- differs',
      '  encryption      yes (AES-128-GCM)                     yes   <- differs',
      '  capabilities    LEASING LARGE_MTU MULTI_CHANNEL       LEASING LARGE_MTU MULTI_CHANNEL ENCRYPTION   <- differs',
    ],
  );
});

t.test('no answer over QUIC, TCP not probed: the reason, no property rows', async (t) => {
  t.same(renderNegotiateComparison({ negotiateMs: null, dialectsOffered: [...OFFERED], outcome: null, error: 'QUIC stream 0: the stand-in answers no streams' }, null), [
    '  SMB2 NEGOTIATE  over QUIC                  over TCP',
    '  offered         2.0.2 2.1 3.0 3.0.2 3.1.1  not probed',
    '  answered in     no answer                  not probed',
    '  over QUIC: QUIC stream 0: the stand-in answers no streams',
  ]);
  t.same(renderNegotiateComparison({ notTried: 'no SMB over QUIC handshake', negotiateMs: null, dialectsOffered: [], outcome: null }, side(o30, 2)).slice(0, 4), [
    '  SMB2 NEGOTIATE  over QUIC                   over TCP',
    '  offered         -                           2.0.2 2.1 3.0 3.0.2 3.1.1',
    '  answered in     no SMB over QUIC handshake  2.0 ms',
    '  dialect         no SMB over QUIC handshake  3.0',
  ]);
});

t.test('a TCP probe result as a side; an unreachable one', async (t) => {
  const tcp: SmbTcpProbeResult = {
    host: '198.18.0.2',
    port: 445,
    netns: null,
    reachable: true,
    connectMs: 0.3,
    negotiateMs: 0.9,
    dialectsOffered: [...OFFERED],
    ...o311,
    maxTransactSize: o311.maxTransactSize,
  };
  t.same(tcpNegotiateSide(tcp), side(o311, 0.9));
  t.same(renderTcpProbe(tcp), ['SMB over TCP   198.18.0.2:445: reachable, connect 0.3 ms']);
  const refused: SmbTcpProbeResult = { ...tcp, reachable: false, connectMs: null, negotiateMs: null, dialect: null, error: 'connection refused (x)' };
  t.same(tcpNegotiateSide(refused), { notTried: 'no TCP connection', negotiateMs: null, dialectsOffered: [], outcome: null });
  t.same(renderTcpProbe(refused), ['SMB over TCP   198.18.0.2:445: not reachable', '  error: connection refused (x)']);
});
