// The egress's pure parts: which destinations it takes, and the nftables ruleset it applies.
import t from 'tap';
import { checkEgressDestinations, egressRuleset } from '../../harness/lab/egress.js';

t.test('destinations: IPv4 addresses only, outside the lab, without repeats', async (t) => {
  t.strictSame(checkEgressDestinations(['192.0.2.10', '198.19.253.2', '192.0.2.10']), ['192.0.2.10', '198.19.253.2']);
  t.throws(() => checkEgressDestinations([]), { message: 'lab egress: no destination (name the target addresses)' });
  t.throws(() => checkEgressDestinations(['2001:db8::1']), { message: "lab egress: 2001:db8::1 is IPv6; the lab's egress is IPv4 only (use the target's IPv4 address)" });
  t.throws(() => checkEgressDestinations(['example.com']), { message: 'lab egress: "example.com" is not an IPv4 address (resolve names first)' });
  t.throws(() => checkEgressDestinations(['198.18.0.2']), { message: 'lab egress: 198.18.0.2 is in 198.18.0.0/24, which cannot be a destination' });
  t.throws(() => checkEgressDestinations(['198.19.254.3']), { message: 'lab egress: 198.19.254.3 is in 198.19.254.0/30, which cannot be a destination' });
  t.throws(() => checkEgressDestinations(['127.0.0.1']), { message: 'lab egress: 127.0.0.1 is in 127.0.0.0/8, which cannot be a destination' });
  t.throws(() => checkEgressDestinations(['239.1.2.3']), { message: 'lab egress: 239.1.2.3 is in 224.0.0.0/3, which cannot be a destination' });
  // just outside the lab's /24 and the egress /30
  t.strictSame(checkEgressDestinations(['198.18.1.0', '198.19.254.4', '198.19.253.255']), ['198.18.1.0', '198.19.254.4', '198.19.253.255']);
});

t.test('ruleset: the fence, the replies, the masquerade', async (t) => {
  t.equal(
    egressRuleset({ destinationsIpv4: ['192.0.2.10', '198.19.253.2'], hostForwarded: true }),
    [
      'add table ip quic_lab_egress',
      'delete table ip quic_lab_egress',
      'table ip quic_lab_egress {',
      '  chain forward {',
      '    type filter hook forward priority filter; policy accept;',
      '    iifname "qlabx0" ip daddr { 192.0.2.10, 198.19.253.2 } accept',
      '    iifname "qlabx0" counter drop',
      '    oifname "qlabx0" ct state established,related accept',
      '    oifname "qlabx0" drop',
      '  }',
      '  chain postrouting {',
      '    type nat hook postrouting priority srcnat; policy accept;',
      '    ip saddr 198.18.0.0/24 oifname != "qlabx0" masquerade',
      '  }',
      '}',
      '',
    ].join('\n'),
  );
  // A host that did not forward keeps forwarding nothing but the lab's.
  const lines = egressRuleset({ destinationsIpv4: ['192.0.2.10'], hostForwarded: false }).split('\n');
  t.strictSame(lines.slice(5, 11), [
    '    iifname "qlabx0" ip daddr { 192.0.2.10 } accept',
    '    iifname "qlabx0" counter drop',
    '    oifname "qlabx0" ct state established,related accept',
    '    oifname "qlabx0" drop',
    '    drop',
    '  }',
  ]);
});
