// certificate-check.ts with generated certificates and a fixed clock: every problem code, and
// a clean chain with none.
import t from 'tap';
import { X509Certificate } from 'node:crypto';
import { SMB_QUIC_KEY_RULE, checkCertificateChain, parseSubjectAltNames, problemCode, smbQuicKeySupported } from '../../harness/smb/certificate-check.js';
import { issueCertificate, type IssuedCertificate } from '../../harness/smb/quic-standin.js';

const NOW = new Date('2030-06-15T12:00:00.000Z');
const DAY = 86_400_000;
const from = new Date(NOW.getTime() - 10 * DAY);
const until = new Date(NOW.getTime() + 20 * DAY);
const NAMES = { dns: ['server.lab.example', 'localhost'], ip: ['127.0.0.1', '::1', '198.18.0.2'] };

// Built once: a root, an intermediate under it, a leaf under the intermediate (ECDSA P-256, quick
// to make), plus a second, unrelated root.
const root = await issueCertificate({ commonName: 'Test root', notBefore: from, notAfter: until, isCa: true, keyType: { algorithm: 'ECDSA', curve: 'P-256' } });
const intermediate = await issueCertificate({ commonName: 'Test intermediate', notBefore: from, notAfter: until, isCa: true, issuer: root });
const leaf = await issueCertificate({ commonName: 'server.lab.example', ...NAMES, notBefore: from, notAfter: until, issuer: intermediate });
const otherRoot = await issueCertificate({ commonName: 'Other root', notBefore: from, notAfter: until, isCa: true, keyType: { algorithm: 'ECDSA', curve: 'P-256' } });

function check(chain: IssuedCertificate[], serverName = 'server.lab.example', anchors: IssuedCertificate[] = [root], now = NOW) {
  return checkCertificateChain({
    chain: chain.map((c) => c.certificatePem),
    serverName,
    trustAnchors: anchors.map((c) => c.certificatePem),
    trustAnchorsLabel: 'the test root',
    now,
  });
}

const codes = (problems: string[]): string[] => problems.map(problemCode);

t.test('a good chain: no problems, summary of every certificate sent, path to the anchor', async (t) => {
  const result = check([leaf, intermediate]);
  t.same(result.problems, []);
  t.match(result, { nameMatches: true, timeValid: true, trusted: true, keySupported: true });
  t.same(result.trustPath, ['CN=server.lab.example, O=QUIC lab (throwaway test PKI)', 'CN=Test intermediate, O=QUIC lab (throwaway test PKI)', 'CN=Test root, O=QUIC lab (throwaway test PKI)']);
  t.equal(result.chain.length, 2);
  const [leafSummary, intermediateSummary] = result.chain;
  t.same(leafSummary, {
    subject: 'CN=server.lab.example, O=QUIC lab (throwaway test PKI)',
    subjectAltNames: ['DNS:server.lab.example', 'DNS:localhost', 'IP:127.0.0.1', 'IP:::1', 'IP:198.18.0.2'],
    issuer: 'CN=Test intermediate, O=QUIC lab (throwaway test PKI)',
    notBefore: from.toISOString(),
    notAfter: until.toISOString(),
    keyType: 'ECDSA',
    keyBits: 256,
    curve: 'P-256',
    sha256: new X509Certificate(leaf.certificatePem).fingerprint256.replaceAll(':', '').toLowerCase(),
    isCa: false,
  });
  t.match(intermediateSummary, { subject: 'CN=Test intermediate, O=QUIC lab (throwaway test PKI)', isCa: true, subjectAltNames: [] });
  t.match(leafSummary?.sha256, /^[0-9a-f]{64}$/);
});

t.test('DER input and IP names', async (t) => {
  const der = [leaf, intermediate].map((c) => new Uint8Array(new X509Certificate(c.certificatePem).raw));
  const byDer = checkCertificateChain({ chain: der, serverName: '127.0.0.1', trustAnchors: [new X509Certificate(root.certificatePem).raw], now: NOW });
  t.same(byDer.problems, []);
  t.same(check([leaf, intermediate], '::1').problems, [], 'IPv6 SAN');
  t.same(check([leaf, intermediate], '[::1]').problems, [], 'bracketed IPv6');
  t.same(check([leaf, intermediate], 'SERVER.LAB.EXAMPLE.').problems, [], 'case and a trailing dot do not matter');
  t.same(codes(check([leaf, intermediate], '198.18.0.9').problems), ['name-mismatch']);
});

t.test('wrong name: the problem names the name asked and the names the certificate has', async (t) => {
  const result = check([leaf, intermediate], 'files.example.com');
  t.same(codes(result.problems), ['name-mismatch']);
  t.equal(
    result.problems[0],
    'name-mismatch: the name asked for, "files.example.com", is not among the leaf certificate\'s subject alternative names: DNS:server.lab.example, DNS:localhost, IP:127.0.0.1, IP:::1, IP:198.18.0.2',
  );
  t.equal(result.nameMatches, false);
  t.equal(result.trusted, true, 'the other checks still run');
});

t.test('the subject CN is no fallback for a missing SAN', async (t) => {
  const noSans = await issueCertificate({ commonName: 'server.lab.example', notBefore: from, notAfter: until, issuer: root });
  const result = check([noSans]);
  t.same(codes(result.problems), ['name-mismatch']);
  t.equal(
    result.problems[0],
    'name-mismatch: the name asked for, "server.lab.example", is not among the leaf certificate\'s subject alternative names: none (subject CN=server.lab.example, O=QUIC lab (throwaway test PKI)); ' +
      'it is only the subject\'s CN, which Windows does not match names against: it needs a DNS entry "server.lab.example" among the SANs',
  );
  const cnAndOtherSan = await issueCertificate({ commonName: 'files.example.com', dns: ['other.example.com'], notBefore: from, notAfter: until, issuer: root });
  t.equal(
    check([cnAndOtherSan], 'files.example.com').problems[0],
    'name-mismatch: the name asked for, "files.example.com", is not among the leaf certificate\'s subject alternative names: DNS:other.example.com; ' +
      'it is only the subject\'s CN, which Windows does not match names against: it needs a DNS entry "files.example.com" among the SANs',
  );
});

t.test('expired and not yet valid, by the clock given', async (t) => {
  const expired = check([leaf, intermediate], 'server.lab.example', [root], new Date(until.getTime() + 1000));
  // The leaf, the intermediate and the root all end at the same time.
  t.same(codes(expired.problems), ['expired', 'expired', 'expired']);
  t.equal(expired.problems[0], `expired: the leaf (CN=server.lab.example, O=QUIC lab (throwaway test PKI)) expired at ${until.toISOString()} (notAfter); the clock says ${new Date(until.getTime() + 1000).toISOString()}`);
  t.match(expired.problems[2], /^expired: the trust anchor \(CN=Test root/);
  t.equal(expired.timeValid, false);
  t.equal(expired.trusted, true, 'trust is about signatures, not dates');

  const early = check([leaf, intermediate], 'server.lab.example', [root], new Date(from.getTime() - 1000));
  t.same(codes(early.problems), ['not-yet-valid', 'not-yet-valid', 'not-yet-valid']);
  t.match(early.problems[0], `is valid only from ${from.toISOString()}`);

  const onTheEdges = [from, until].map((now) => check([leaf, intermediate], 'server.lab.example', [root], now).problems);
  t.same(onTheEdges, [[], []], 'notBefore and notAfter themselves are inside the validity');

  const expiredLeaf = await issueCertificate({ commonName: 'x', ...NAMES, notBefore: new Date(NOW.getTime() - 60 * DAY), notAfter: new Date(NOW.getTime() - 30 * DAY), issuer: root });
  t.same(codes(check([expiredLeaf]).problems), ['expired'], 'only the leaf');
});

t.test('untrusted: another CA, a self-signed leaf, a missing intermediate', async (t) => {
  const other = check([leaf, intermediate], 'server.lab.example', [otherRoot]);
  t.same(codes(other.problems), ['untrusted']);
  t.equal(
    other.problems[0],
    'untrusted: the chain does not lead to the test root: the issuer of "CN=Test intermediate, O=QUIC lab (throwaway test PKI)", "CN=Test root, O=QUIC lab (throwaway test PKI)", is neither in the chain nor one of them',
  );
  t.same(other.trustPath, []);

  const selfSigned = await issueCertificate({ commonName: 'server.lab.example', ...NAMES, notBefore: from, notAfter: until, keyType: { algorithm: 'ECDSA', curve: 'P-256' } });
  const self = check([selfSigned]);
  t.same(codes(self.problems), ['untrusted']);
  t.match(self.problems[0], /the leaf is self-signed and not one of them$/);
  t.same(check([selfSigned], 'server.lab.example', [selfSigned]).problems, [], 'unless it is itself the anchor (pinned)');

  const missing = check([leaf]);
  t.same(codes(missing.problems), ['untrusted']);
  t.match(missing.problems[0], /issuer of "CN=server\.lab\.example.*", "CN=Test intermediate.*", is neither in the chain/);

  t.same(check([leaf, intermediate, root]).problems, [], 'the root sent along is fine');
  t.same(codes(check([leaf, intermediate], 'server.lab.example', []).problems), ['untrusted'], 'no anchors at all');

  // Same subject as the real intermediate, another key: names alone must not chain.
  const impostor = await issueCertificate({ commonName: 'Test intermediate', notBefore: from, notAfter: until, isCa: true, issuer: otherRoot });
  t.same(codes(check([leaf, impostor]).problems), ['untrusted'], 'a look-alike intermediate does not verify');

  // A leaf (not a CA) cannot issue.
  const notCa = await issueCertificate({ commonName: 'Test intermediate', notBefore: from, notAfter: until, isCa: false, issuer: root });
  const underLeaf = await issueCertificate({ commonName: 'server.lab.example', ...NAMES, notBefore: from, notAfter: until, issuer: notCa });
  t.same(codes(check([underLeaf, notCa]).problems), ['untrusted'], 'an issuer without CA:TRUE is no issuer');
});

t.test('keys: RSA 2048+ and ECDSA P-256/P-384/P-521 pass, RSA 1024 does not', async (t) => {
  const rsa2048 = await issueCertificate({ commonName: 'a', ...NAMES, notBefore: from, notAfter: until, issuer: root, keyType: { algorithm: 'RSA', bits: 2048 } });
  const rsa1024 = await issueCertificate({ commonName: 'a', ...NAMES, notBefore: from, notAfter: until, issuer: root, keyType: { algorithm: 'RSA', bits: 1024 } });
  const p384 = await issueCertificate({ commonName: 'a', ...NAMES, notBefore: from, notAfter: until, issuer: root, keyType: { algorithm: 'ECDSA', curve: 'P-384' } });
  t.same(check([rsa2048]).problems, []);
  t.match(check([rsa2048]).chain[0], { keyType: 'RSA', keyBits: 2048 });
  t.same(check([p384]).problems, []);
  t.match(check([p384]).chain[0], { keyType: 'ECDSA', keyBits: 384, curve: 'P-384' });
  const weak = check([rsa1024]);
  t.same(codes(weak.problems), ['unsupported-key']);
  t.equal(weak.problems[0], `unsupported-key: the leaf's key is RSA 1024 bits; ${SMB_QUIC_KEY_RULE}`);
  t.equal(weak.keySupported, false);
  t.ok(smbQuicKeySupported({ keyType: 'ECDSA', keyBits: 521, curve: 'P-521' }));
  t.notOk(smbQuicKeySupported({ keyType: 'ECDSA', keyBits: 256, curve: 'secp256k1' }));
  t.notOk(smbQuicKeySupported({ keyType: 'Ed25519', keyBits: 256 }));
  t.notOk(smbQuicKeySupported({ keyType: 'RSA', keyBits: 2047 }));
});

t.test('extended key usage without serverAuth, or none', async (t) => {
  const clientOnly = await issueCertificate({ commonName: 'a', ...NAMES, notBefore: from, notAfter: until, issuer: root, extendedKeyUsage: ['1.3.6.1.5.5.7.3.2'] });
  t.same(check([clientOnly]).problems, ["no-server-auth: the leaf's extended key usage (1.3.6.1.5.5.7.3.2) lacks serverAuth (1.3.6.1.5.5.7.3.1), which SMB over QUIC requires"]);
  const noExtension = await issueCertificate({ commonName: 'a', ...NAMES, notBefore: from, notAfter: until, issuer: root, extendedKeyUsage: [] });
  t.same(
    check([noExtension]).problems,
    ["no-server-auth: the leaf has no extended key usage extension; Windows Server's SMB over QUIC requires the Server Authentication purpose (1.3.6.1.5.5.7.3.1)"],
    'RFC 5280 would read no EKU as any purpose; Windows asks for Server Authentication',
  );
  const clientAndServer = await issueCertificate({ commonName: 'a', ...NAMES, notBefore: from, notAfter: until, issuer: root, extendedKeyUsage: ['1.3.6.1.5.5.7.3.2', '1.3.6.1.5.5.7.3.1'] });
  t.same(check([clientAndServer]).problems, [], 'serverAuth among others');
});

t.test('several problems at once, in a fixed order', async (t) => {
  const selfSignedOld = await issueCertificate({ commonName: 'old', dns: ['old.example'], notBefore: new Date(NOW.getTime() - 9 * DAY), notAfter: new Date(NOW.getTime() - DAY), keyType: { algorithm: 'RSA', bits: 1024 } });
  t.same(codes(check([selfSignedOld]).problems), ['name-mismatch', 'untrusted', 'expired', 'unsupported-key']);
});

t.test('nothing or garbage sent', async (t) => {
  const none = check([]);
  t.same(none.problems, ['no-certificate: the server sent no certificate']);
  t.same(none.chain, []);
  const garbage = checkCertificateChain({ chain: [new Uint8Array([1, 2, 3])], serverName: 'x', trustAnchors: [], now: NOW });
  t.same(codes(garbage.problems), ['unparseable', 'no-certificate']);
});

t.test('SAN text as Node prints it, quoted values included', async (t) => {
  t.same(parseSubjectAltNames('DNS:a.example, IP Address:127.0.0.1, DNS:"b,c.example", email:x@y.example'), ['DNS:a.example', 'IP:127.0.0.1', 'DNS:b,c.example', 'email:x@y.example']);
  t.same(parseSubjectAltNames('IP Address:0:0:0:0:0:0:0:1, IP Address:FD00:0:0:0:0:0:C612:2'), ['IP:::1', 'IP:fd00::c612:2'], 'IPv6 as people write it');
  t.same(parseSubjectAltNames(undefined), []);
});
