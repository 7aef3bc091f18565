// Every key type with the shortest and the longest chain: the chain verifies with Node's own
// X.509 code, from the leaf to the root, and every certificate has the key type asked for.
import t, { type Test } from 'tap';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePki, PKI_FILES, splitPem } from '../../harness/pki/store.js';
import { KEY_TYPES, keyTypeInfo, type KeyType } from '../../harness/pki/generate.js';

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'qlab-pki-keys-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function expectKey(t: Test, certificate: X509Certificate, keyType: KeyType, what: string): void {
  const info = keyTypeInfo(keyType);
  const key = certificate.publicKey;
  if (info.algorithm === 'RSA') {
    t.equal(key.asymmetricKeyType, 'rsa', `${what}: RSA key`);
    t.equal(key.asymmetricKeyDetails?.modulusLength, info.bits, `${what}: ${info.bits} bits`);
  } else {
    t.equal(key.asymmetricKeyType, 'ec', `${what}: EC key`);
    t.equal(key.asymmetricKeyDetails?.namedCurve, 'prime256v1', `${what}: P-256`);
  }
  // RSA certificates are signed PKCS#1 v1.5 (what CAs issue), ECDSA ones ecdsa-with-SHA256.
  const signature = new x509.X509Certificate(certificate.raw).signatureAlgorithm as { name: string; hash?: { name: string } };
  t.same({ name: signature.name, hash: signature.hash?.name }, { name: info.algorithm === 'RSA' ? 'RSASSA-PKCS1-v1_5' : 'ECDSA', hash: 'SHA-256' }, `${what}: signed with SHA-256`);
}

function pathLength(certificate: X509Certificate): number | undefined {
  return new x509.X509Certificate(certificate.raw).getExtension(x509.BasicConstraintsExtension)?.pathLength;
}

for (const keyType of KEY_TYPES) {
  for (const intermediates of [0, 3]) {
    t.test(`${keyType}, ${intermediates} intermediates`, async (t) => {
      const dir = await tempDir();
      const pki = await ensurePki({ keyType, intermediates }, dir, true);
      const chain = splitPem(await readFile(join(dir, PKI_FILES.chain), 'utf8')).map((pem) => new X509Certificate(pem));
      const root = new X509Certificate(await readFile(join(dir, PKI_FILES.ca)));
      t.equal(chain.length, intermediates + 1, 'the server sends the leaf and every intermediate');
      const info = keyTypeInfo(keyType);
      t.same({ keyType: pki.info.keyType, keyBits: pki.info.keyBits, chainLength: pki.info.chainLength }, { keyType: info.algorithm, keyBits: info.bits, chainLength: intermediates + 1 }, 'the PKI is described truthfully');

      // Down the chain: each certificate is issued and signed by the next one, the last by the root.
      const issuers = [...chain.slice(1), root];
      chain.forEach((certificate, i) => {
        const issuer = issuers[i] as X509Certificate;
        t.ok(certificate.checkIssued(issuer), `certificate ${i} names its issuer`);
        t.ok(certificate.verify(issuer.publicKey), `certificate ${i} is signed by its issuer`);
      });
      t.ok(root.checkIssued(root) && root.verify(root.publicKey), 'the root is self-signed');

      const [leaf, ...intermediateCerts] = chain as [X509Certificate, ...X509Certificate[]];
      t.equal(root.ca, true, 'root: CA:TRUE');
      t.equal(pathLength(root), undefined, 'root: no path length limit');
      intermediateCerts.forEach((certificate, i) => {
        t.equal(certificate.ca, true, `intermediate ${i}: CA:TRUE`);
        // Nearest the leaf first: path length 0, 1, 2.
        t.equal(pathLength(certificate), i, `intermediate ${i}: path length ${i}`);
      });
      t.equal(leaf.ca, false, 'leaf: CA:FALSE');
      t.equal(leaf.checkHost('server.lab.example'), 'server.lab.example');
      t.equal(leaf.checkIP('198.18.0.2'), '198.18.0.2');
      t.equal(leaf.checkIP('2001:2::2'), '2001:2::2');
      t.same(leaf.keyUsage, ['1.3.6.1.5.5.7.3.1'], 'leaf: extended key usage serverAuth');
      const usages = (certificate: X509Certificate): number | undefined => new x509.X509Certificate(certificate.raw).getExtension(x509.KeyUsagesExtension)?.usages;
      const { digitalSignature, keyEncipherment, keyCertSign, cRLSign } = x509.KeyUsageFlags;
      // RFC 5480: an EC key does not assert keyEncipherment.
      t.equal(usages(leaf), info.algorithm === 'RSA' ? digitalSignature | keyEncipherment : digitalSignature, 'leaf: key usages');
      for (const ca of [root, ...intermediateCerts]) t.equal(usages(ca), keyCertSign | cRLSign, 'CA: keyCertSign, cRLSign');
      for (const [i, certificate] of [root, ...intermediateCerts, leaf].entries()) expectKey(t, certificate, keyType, `certificate ${i}`);
      t.ok(new Date(leaf.validFrom).getTime() < Date.now() - 3500_000, 'back-dated by an hour');

      const keyPem = await readFile(join(dir, PKI_FILES.leafKey), 'utf8');
      t.match(keyPem, /^-----BEGIN PRIVATE KEY-----\n/, 'the leaf key is PKCS#8 PEM');
      t.equal(
        createPublicKey(createPrivateKey(keyPem)).export({ type: 'spki', format: 'der' }).toString('hex'),
        leaf.publicKey.export({ type: 'spki', format: 'der' }).toString('hex'),
        'the leaf key matches the leaf certificate',
      );
      t.equal(leaf.checkPrivateKey(createPrivateKey(keyPem)), true);
    });
  }
}
