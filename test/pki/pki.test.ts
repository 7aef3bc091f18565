import t from 'tap';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePki, PKI_FILES, splitPem, staleReason } from '../../harness/pki/store.js';
import { DEFAULT_PKI_OPTIONS, keyTypeInfo } from '../../harness/pki/generate.js';

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'qlab-pki-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

t.test('a chain with two intermediates verifies from leaf to root', async (t) => {
  const dir = await tempDir();
  const pki = await ensurePki({ intermediates: 2 }, dir);
  t.equal(pki.generated, true);
  const chain = splitPem(await readFile(join(dir, PKI_FILES.chain), 'utf8')).map((pem) => new X509Certificate(pem));
  const root = new X509Certificate(await readFile(join(dir, PKI_FILES.ca)));
  t.equal(chain.length, 3, 'leaf + 2 intermediates are sent');
  t.equal(pki.info.chainLength, 3);
  t.equal(
    pki.info.chainBytes,
    chain.reduce((sum, c) => sum + c.raw.length, 0),
  );
  const [leaf, nearest, top] = chain as [X509Certificate, X509Certificate, X509Certificate];
  t.ok(leaf.checkIssued(nearest) && leaf.verify(nearest.publicKey), 'leaf signed by the nearest intermediate');
  t.ok(nearest.checkIssued(top) && nearest.verify(top.publicKey), 'intermediate 2 signed by intermediate 1');
  t.ok(top.checkIssued(root) && top.verify(root.publicKey), 'intermediate 1 signed by the root');
  t.ok(root.verify(root.publicKey), 'root is self-signed');
  t.equal(root.ca, true);
  t.equal(leaf.ca, false);
  t.equal(leaf.publicKey.asymmetricKeyDetails?.modulusLength, 2048);
  t.same({ keyType: pki.info.keyType, keyBits: pki.info.keyBits }, { keyType: 'RSA', keyBits: 2048 }, 'the default is RSA-2048');
});

t.test('keyTypeInfo says what each key type is', async (t) => {
  t.same(keyTypeInfo('rsa2048'), { algorithm: 'RSA', bits: 2048 });
  t.same(keyTypeInfo('rsa4096'), { algorithm: 'RSA', bits: 4096 });
  t.same(keyTypeInfo('ecdsa-p256'), { algorithm: 'ECDSA', bits: 256 });
  t.same(DEFAULT_PKI_OPTIONS, { keyType: 'rsa2048', intermediates: 0, validityDays: 30 });
});

t.test('the leaf names the lab server, localhost and the lab and loopback addresses', async (t) => {
  const dir = await tempDir();
  await ensurePki({}, dir);
  const leaf = new X509Certificate(await readFile(join(dir, PKI_FILES.leaf)));
  for (const host of ['server.lab.example', 'localhost']) t.equal(leaf.checkHost(host), host, host);
  for (const ip of ['127.0.0.1', '::1', '198.18.0.2', '2001:2::2']) t.equal(leaf.checkIP(ip), ip, ip);
  t.equal(leaf.checkHost('example.com'), undefined, 'no other name');
  t.match(leaf.subjectAltName ?? '', /DNS:server\.lab\.example/);
});

t.test('private keys are written 0600', async (t) => {
  const dir = await tempDir();
  await ensurePki({}, dir);
  for (const file of [PKI_FILES.caKey, PKI_FILES.leafKey]) {
    t.equal((await stat(join(dir, file))).mode & 0o777, 0o600, file);
  }
  t.equal((await stat(join(dir, PKI_FILES.ca))).mode & 0o077, 0o044, 'certificates stay readable');
  for (const file of [PKI_FILES.caKey, PKI_FILES.leafKey]) {
    const pem = await readFile(join(dir, file), 'utf8');
    t.match(pem, /^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----\n$/, `${file} is PKCS#8 PEM`);
    t.equal(createPrivateKey(pem).asymmetricKeyType, 'rsa', `${file} is a plain rsaEncryption key`);
  }
  const metadata = JSON.parse(await readFile(join(dir, PKI_FILES.metadata), 'utf8')) as Record<string, unknown>;
  t.equal(metadata.keyType, 'rsa2048', 'pki.json records the key type');
});

t.test('regenerated only when missing, changed or near expiry', async (t) => {
  const dir = await tempDir();
  t.equal(await staleReason(dir, DEFAULT_PKI_OPTIONS), 'no certificates yet');
  const first = await ensurePki({}, dir);
  const second = await ensurePki({}, dir);
  t.equal(second.generated, false, 'kept when fine');
  t.equal(second.info.caFingerprintSha256, first.info.caFingerprintSha256);
  t.match(await staleReason(dir, { ...DEFAULT_PKI_OPTIONS, intermediates: 1 }), /parameters changed/);
  t.equal(await staleReason(dir, { ...DEFAULT_PKI_OPTIONS, keyType: 'ecdsa-p256' }), 'parameters changed (have rsa2048, 0 intermediates)');
  t.match(await staleReason(dir, { ...DEFAULT_PKI_OPTIONS, keyType: 'rsa4096' }), /parameters changed/);
  const in29Days = new Date(Date.now() + 29 * 86_400_000);
  t.equal(await staleReason(dir, DEFAULT_PKI_OPTIONS, in29Days), 'certificates expire soon');
  await rm(join(dir, PKI_FILES.leafKey));
  t.equal(await staleReason(dir, DEFAULT_PKI_OPTIONS), `${PKI_FILES.leafKey} is missing`);
  await writeFile(join(dir, PKI_FILES.metadata), 'not json');
  t.equal(await staleReason(dir, DEFAULT_PKI_OPTIONS), 'no certificates yet');
  const third = await ensurePki({}, dir);
  t.equal(third.generated, true);
  t.not(third.info.caFingerprintSha256, first.info.caFingerprintSha256, 'a new CA');
});

t.test('bad parameters are refused', async (t) => {
  const dir = await tempDir();
  await t.rejects(ensurePki({ intermediates: 4 }, dir), /intermediates must be 0-3/);
  await t.rejects(ensurePki({ keyType: 'dsa1024' as never }, dir), /keyType must be one of rsa2048, rsa4096, ecdsa-p256/);
});

t.test('a key type change regenerates, in any directory', async (t) => {
  const dir = await tempDir();
  const rsa = await ensurePki({}, dir);
  const ecdsa = await ensurePki({ keyType: 'ecdsa-p256' }, dir);
  t.equal(ecdsa.generated, true, 'regenerated for the new key type');
  t.not(ecdsa.info.caFingerprintSha256, rsa.info.caFingerprintSha256);
  t.same({ keyType: ecdsa.info.keyType, keyBits: ecdsa.info.keyBits }, { keyType: 'ECDSA', keyBits: 256 });
  t.equal((await ensurePki({ keyType: 'ecdsa-p256' }, dir)).generated, false, 'then kept');
  const forced = await ensurePki({ keyType: 'ecdsa-p256' }, dir, true);
  t.equal(forced.generated, true, 'force regenerates');
  t.not(forced.info.caFingerprintSha256, ecdsa.info.caFingerprintSha256);
});

// What the node-forge PKI code left in certs/: PKCS#1 keys, pki.json with keyType "rsa" and
// keyBits (and, older still, no keyType at all).
async function makeLegacyPki(dir: string, metadata: Record<string, unknown>): Promise<void> {
  await ensurePki({}, dir);
  for (const file of [PKI_FILES.caKey, PKI_FILES.leafKey]) {
    const pkcs1 = createPrivateKey(await readFile(join(dir, file), 'utf8')).export({ type: 'pkcs1', format: 'pem' });
    await writeFile(join(dir, file), pkcs1, { mode: 0o600 });
  }
  const current = JSON.parse(await readFile(join(dir, PKI_FILES.metadata), 'utf8')) as Record<string, unknown>;
  const { keyType: _dropped, ...rest } = current;
  await writeFile(join(dir, PKI_FILES.metadata), JSON.stringify({ ...rest, ...metadata }, null, 2) + '\n');
}

t.test('a PKI made by the old node-forge code is kept when it matches, else regenerated', async (t) => {
  for (const metadata of [{ keyType: 'rsa', keyBits: 2048 }, { keyBits: 2048 }]) {
    const dir = await tempDir();
    await makeLegacyPki(dir, metadata);
    t.match(await readFile(join(dir, PKI_FILES.leafKey), 'utf8'), /BEGIN RSA PRIVATE KEY/);
    t.equal(await staleReason(dir, DEFAULT_PKI_OPTIONS), null, `${JSON.stringify(metadata)}: still valid for rsa2048`);
    const kept = await ensurePki({}, dir);
    t.equal(kept.generated, false);
    t.same({ keyType: kept.info.keyType, keyBits: kept.info.keyBits }, { keyType: 'RSA', keyBits: 2048 });
    t.equal(await staleReason(dir, { ...DEFAULT_PKI_OPTIONS, keyType: 'rsa4096' }), 'parameters changed (have rsa2048, 0 intermediates)');
    const ecdsa = await ensurePki({ keyType: 'ecdsa-p256' }, dir);
    t.equal(ecdsa.generated, true, 'regenerated for another key type');
    t.match(await readFile(join(dir, PKI_FILES.leafKey), 'utf8'), /^-----BEGIN PRIVATE KEY-----/);
  }
  const dir = await tempDir();
  await makeLegacyPki(dir, { keyType: 'rsa', keyBits: 3072 });
  t.equal(await staleReason(dir, DEFAULT_PKI_OPTIONS), 'parameters changed (have rsa3072, 0 intermediates)', 'a 3072-bit PKI is no longer made');
  t.equal((await ensurePki({}, dir)).generated, true);
});
