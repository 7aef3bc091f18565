// smb-probe's --target, --resolve and --server-name: which address is probed, which name the
// certificate is checked against, and the exact refusals; the note for an address-only check.
import t from 'tap';
import { addressNameNote, parseTarget, resolveTarget } from '../../harness/cli/smb-probe-command.js';

t.test('--target parsing: addresses and names, default port 443', async (t) => {
  t.same(parseTarget('198.18.0.2'), { host: '198.18.0.2', port: 443 });
  t.same(parseTarget('198.18.0.2:8443'), { host: '198.18.0.2', port: 8443 });
  t.same(parseTarget('[2001:2::2]:443'), { host: '2001:2::2', port: 443 });
  t.same(parseTarget('2001:2::2'), { host: '2001:2::2', port: 443 });
  t.same(parseTarget('files.lab.example'), { host: 'files.lab.example', port: 443 });
  t.same(parseTarget('files.lab.example:8443'), { host: 'files.lab.example', port: 8443 });
  t.throws(() => parseTarget('198.18.0.2:70000'), { message: '--target: port must be 1-65535, got "198.18.0.2:70000"' });
  t.throws(() => parseTarget('[files.lab.example]:443'), { message: '--target wants an IP address or a DNS name, with an optional port, got "[files.lab.example]:443"' });
  t.throws(() => parseTarget('a b'), { message: '--target wants an IP address or a DNS name, with an optional port, got "a b"' });
});

t.test('the name checked: --server-name, else the target name, else the address', async (t) => {
  t.same(resolveTarget('files.lab.example', 'files.lab.example:443:198.18.0.2', undefined), { address: '198.18.0.2', port: 443, serverName: 'files.lab.example', resolvedBy: '--resolve' });
  t.same(
    resolveTarget('FILES.lab.example:8443', 'files.lab.example.:8443:198.18.0.2', undefined),
    { address: '198.18.0.2', port: 8443, serverName: 'FILES.lab.example', resolvedBy: '--resolve' },
    'case and a final dot do not matter',
  );
  t.same(resolveTarget('198.18.0.2', undefined, undefined), { address: '198.18.0.2', port: 443, serverName: '198.18.0.2', resolvedBy: 'literal' });
  t.same(resolveTarget('198.18.0.2', undefined, 'files.lab.example'), { address: '198.18.0.2', port: 443, serverName: 'files.lab.example', resolvedBy: 'literal' });
  t.throws(() => resolveTarget('files.lab.example', undefined, undefined), { message: '--target files.lab.example is a name: give its address with --resolve files.lab.example:443:ADDRESS (the probe resolves no names)' });
  t.throws(() => resolveTarget('files.lab.example', 'other.lab.example:443:198.18.0.2', undefined), {
    message: '--target files.lab.example is a name: give its address with --resolve files.lab.example:443:ADDRESS (the probe resolves no names)',
  });
  t.throws(() => resolveTarget('198.18.0.2', 'files.lab.example:443:198.18.0.2', undefined), { message: '--resolve files.lab.example:443:198.18.0.2: the target 198.18.0.2 is an address already' });
});

t.test('an address checked in place of a name gets a note', async (t) => {
  t.equal(addressNameNote('files.lab.example'), null);
  t.equal(
    addressNameNote('198.18.0.2'),
    "note: the certificate was checked against the address 198.18.0.2; Windows clients reach SMB over QUIC by name (\\\\NAME\\share) and Windows needs that name among the certificate's DNS subject alternative names: check it with --target NAME --resolve NAME:PORT:ADDRESS or --server-name NAME",
  );
  t.not(addressNameNote('[::1]'), null);
});
