import t from 'tap';
import { parseSnmpTcp } from '../../harness/measure/tcp-counters.js';

t.test('the Tcp lines of /proc/net/snmp', async (t) => {
  const text = [
    'Ip: Forwarding DefaultTTL',
    'Ip: 1 64',
    'Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails EstabResets CurrEstab InSegs OutSegs RetransSegs InErrs OutRsts InCsumErrors',
    'Tcp: 1 200 120000 -1 2715 2441 68 2229 0 1193681 1186541 647 0 2578 0',
    'Udp: InDatagrams NoPorts',
    'Udp: 5 6',
  ].join('\n');
  t.equal(parseSnmpTcp(text).RetransSegs, 647);
  t.equal(parseSnmpTcp(text).OutSegs, 1186541);
  t.throws(() => parseSnmpTcp('Udp: a\nUdp: 1'), /no "Tcp:"/);
});
