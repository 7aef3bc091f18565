import t from 'tap';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePki, PKI_FILES, splitPem, staleReason } from '../../harness/pki/store.js';
import { DEFAULT_PKI_OPTIONS } from '../../harness/pki/generate.js';

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
  t.equal(pki.info.chainBytes, chain.reduce((sum, c) => sum + c.raw.length, 0));
  const [leaf, nearest, top] = chain as [X509Certificate, X509Certificate, X509Certificate];
  t.ok(leaf.checkIssued(nearest) && leaf.verify(nearest.publicKey), 'leaf signed by the nearest intermediate');
  t.ok(nearest.checkIssued(top) && nearest.verify(top.publicKey), 'intermediate 2 signed by intermediate 1');
  t.ok(top.checkIssued(root) && top.verify(root.publicKey), 'intermediate 1 signed by the root');
  t.ok(root.verify(root.publicKey), 'root is self-signed');
  t.equal(root.ca, true);
  t.equal(leaf.ca, false);
  t.equal(leaf.publicKey.asymmetricKeyDetails?.modulusLength, 2048);
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
});

t.test('regenerated only when missing, changed or near expiry', async (t) => {
  const dir = await tempDir();
  t.equal(await staleReason(dir, DEFAULT_PKI_OPTIONS), 'no certificates yet');
  const first = await ensurePki({}, dir);
  const second = await ensurePki({}, dir);
  t.equal(second.generated, false, 'kept when fine');
  t.equal(second.info.caFingerprintSha256, first.info.caFingerprintSha256);
  t.match(await staleReason(dir, { ...DEFAULT_PKI_OPTIONS, intermediates: 1 }), /parameters changed/);
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
});
