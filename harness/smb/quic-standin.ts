// A stand-in for a Windows SMB over QUIC server: a QUIC server (@matrixai/quic, quiche) that
// offers ALPN "smb" with a chosen certificate and completes handshakes. With `bridge` (the lab's
// smbd on TCP 445) it joins each stream a client opens to a TCP connection to that server, so
// the SMB a client speaks over QUIC is answered by a real SMB server; without, any stream is
// refused (enough to check reachability and certificates with quic-probe.ts).
//
// The server always runs in a child process (quic-standin-main.ts): inside the namespace when
// `netns` is given (`ip netns exec`), and otherwise too, so its work never shares the probe's
// event loop. Its certificate and key live in a private temporary directory (0700, the key
// 0600) made by start() and removed by stop() or on an interrupt.
//
// The certificates it can serve (standInTls):
//   lab          the lab PKI's chain and key, as every other endpoint serves them
//   wrong-name   a leaf from the lab CA whose only name is WRONG_SERVER_NAME
//   expired      a leaf from the lab CA with the lab names whose validity ended 30 days ago
//   untrusted    a self-signed leaf with the lab names (no CA a client trusts issued it)
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { X509Certificate, createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { SERVER_CERTIFICATE_NAMES } from '../lab/addresses.js';
import { makePrivateDir, type PrivateDir } from '../files/private-dir.js';
import { ManagedProcess, nodeScriptSpec } from '../process/managed-process.js';
import { PKI_FILES } from '../pki/store.js';
import type { TlsMaterial } from '../endpoints/types.js';
import { projectPath } from '../project-root.js';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

/** Windows SMB over QUIC: UDP 443, ALPN "smb". */
export const SMB_QUIC_PORT = 443;
export const SMB_QUIC_ALPN = 'smb';
/** The only name a "wrong-name" certificate carries. */
export const WRONG_SERVER_NAME = 'wrong.lab.example';
const READY_TIMEOUT_MS = 15_000;
const DAY_MS = 86_400_000;

export const STAND_IN_CERTIFICATES = ['lab', 'wrong-name', 'expired', 'untrusted'] as const;
export type StandInCertificateKind = (typeof STAND_IN_CERTIFICATES)[number];

// ---------------------------------------------------------------------------------------------
// Certificates

export type TestKeyType = { algorithm: 'RSA'; bits: number } | { algorithm: 'ECDSA'; curve: 'P-256' | 'P-384' | 'P-521' };

export interface IssuedCertificate {
  certificatePem: string;
  privateKeyPem: string;
}

export interface IssueOptions {
  commonName: string;
  dns?: readonly string[];
  ip?: readonly string[];
  notBefore: Date;
  notAfter: Date;
  /** Key of the new certificate (default: the issuer's kind, or RSA 2048 when self-signed). */
  keyType?: TestKeyType;
  /** Signs it; absent: self-signed. */
  issuer?: IssuedCertificate;
  isCa?: boolean;
  /** Extended key usage OIDs (default serverAuth for a leaf, none for a CA). */
  extendedKeyUsage?: readonly string[];
}

const SHA256 = 'SHA-256';

function generationParams(keyType: TestKeyType): RsaHashedKeyGenParams | EcKeyGenParams {
  return keyType.algorithm === 'RSA' ? { name: 'RSASSA-PKCS1-v1_5', modulusLength: keyType.bits, publicExponent: new Uint8Array([1, 0, 1]), hash: SHA256 } : { name: 'ECDSA', namedCurve: keyType.curve };
}

function signingAlgorithm(keyType: TestKeyType): Algorithm | EcdsaParams {
  return keyType.algorithm === 'RSA' ? { name: 'RSASSA-PKCS1-v1_5' } : { name: 'ECDSA', hash: keyType.curve === 'P-256' ? SHA256 : keyType.curve === 'P-384' ? 'SHA-384' : 'SHA-512' };
}

/** The key type of a PEM private key, as WebCrypto needs it to import the key. */
function keyTypeOfPrivateKey(privateKeyPem: string): TestKeyType {
  const key = createPrivateKey(privateKeyPem);
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') return { algorithm: 'RSA', bits: details.modulusLength ?? 2048 };
  const curve = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' }[details.namedCurve ?? ''] as 'P-256' | 'P-384' | 'P-521' | undefined;
  if (key.asymmetricKeyType === 'ec' && curve) return { algorithm: 'ECDSA', curve };
  throw new Error(`cannot sign with a ${key.asymmetricKeyType ?? 'unknown'} key`);
}

async function importSigningKey(privateKeyPem: string, keyType: TestKeyType): Promise<CryptoKey> {
  // WebCrypto imports PKCS#8 only: convert whatever PEM flavour it is.
  const pkcs8 = createPrivateKey(privateKeyPem).export({ type: 'pkcs8', format: 'der' });
  const algorithm = keyType.algorithm === 'RSA' ? { name: 'RSASSA-PKCS1-v1_5', hash: SHA256 } : { name: 'ECDSA', namedCurve: keyType.curve };
  return await webcrypto.subtle.importKey('pkcs8', pkcs8, algorithm, false, ['sign']);
}

function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01;
  return bytes.toString('hex');
}

/** One certificate made with @peculiar/x509, with exactly the dates and names given. */
export async function issueCertificate(options: IssueOptions): Promise<IssuedCertificate> {
  const issuerKeyType = options.issuer ? keyTypeOfPrivateKey(options.issuer.privateKeyPem) : undefined;
  const keyType = options.keyType ?? issuerKeyType ?? { algorithm: 'RSA', bits: 2048 };
  const keys = await webcrypto.subtle.generateKey(generationParams(keyType), true, ['sign', 'verify']);
  const isCa = options.isCa ?? false;
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(isCa, undefined, true),
    new x509.KeyUsagesExtension(isCa ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign : x509.KeyUsageFlags.digitalSignature | (keyType.algorithm === 'RSA' ? x509.KeyUsageFlags.keyEncipherment : 0), true),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  const extendedKeyUsage = options.extendedKeyUsage ?? (isCa ? [] : [x509.ExtendedKeyUsage.serverAuth]);
  if (extendedKeyUsage.length > 0) extensions.push(new x509.ExtendedKeyUsageExtension([...extendedKeyUsage]));
  const names = [...(options.dns ?? []).map((value) => ({ type: 'dns' as const, value })), ...(options.ip ?? []).map((value) => ({ type: 'ip' as const, value }))];
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names));
  const subject: x509.JsonName = [{ CN: [options.commonName] }, { O: ['QUIC lab (throwaway test PKI)'] }];
  const common = { serialNumber: serialNumber(), notBefore: options.notBefore, notAfter: options.notAfter, extensions };
  let certificate: x509.X509Certificate;
  if (options.issuer && issuerKeyType) {
    const issuerCertificate = new x509.X509Certificate(options.issuer.certificatePem);
    const signingKey = await importSigningKey(options.issuer.privateKeyPem, issuerKeyType);
    // The issuer's own key identifier when it has one, so chain builders can match them.
    const issuerKeyId = issuerCertificate.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
    extensions.push(issuerKeyId !== undefined ? new x509.AuthorityKeyIdentifierExtension(issuerKeyId) : await x509.AuthorityKeyIdentifierExtension.create(issuerCertificate.publicKey));
    certificate = await x509.X509CertificateGenerator.create({
      ...common,
      subject,
      issuer: issuerCertificate.subjectName,
      publicKey: keys.publicKey,
      signingKey,
      signingAlgorithm: signingAlgorithm(issuerKeyType),
    });
  } else {
    certificate = await x509.X509CertificateGenerator.createSelfSigned({ ...common, name: subject, keys, signingAlgorithm: signingAlgorithm(keyType) });
  }
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { certificatePem: certificate.toString('pem') + '\n', privateKeyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY') + '\n' };
}

export interface StandInTls {
  kind: StandInCertificateKind | 'custom';
  /** Leaf first, then any intermediates, PEM. */
  chainPem: string;
  keyPem: string;
  /** The CA a client should trust: the lab CA (the untrusted certificate does not chain to it). */
  caPem: string;
}

export interface LabCa {
  /** The lab PKI's files; its CA key is read from PKI_FILES.caKey beside caFile unless caKeyFile says. */
  material: Pick<TlsMaterial, 'caFile' | 'chainFile' | 'keyFile'>;
  caKeyFile?: string;
}

/**
 * The certificate a stand-in serves. `now` fixes the dates (default: the clock): the expired
 * one is valid from now-60 days to now-30 days, the others from now-1 hour to now+30 days.
 */
export async function standInTls(kind: StandInCertificateKind, lab: LabCa, now = new Date()): Promise<StandInTls> {
  const caPem = await readFile(lab.material.caFile, 'utf8');
  if (kind === 'lab') {
    return { kind, chainPem: await readFile(lab.material.chainFile, 'utf8'), keyPem: await readFile(lab.material.keyFile, 'utf8'), caPem };
  }
  const labNames = { dns: SERVER_CERTIFICATE_NAMES.dns, ip: SERVER_CERTIFICATE_NAMES.ip };
  const current = { notBefore: new Date(now.getTime() - 3600_000), notAfter: new Date(now.getTime() + 30 * DAY_MS) };
  let leaf: IssuedCertificate;
  if (kind === 'untrusted') {
    leaf = await issueCertificate({ commonName: SERVER_CERTIFICATE_NAMES.dns[0], ...labNames, ...current });
  } else {
    const issuer = { certificatePem: caPem, privateKeyPem: await readFile(lab.caKeyFile ?? join(dirname(lab.material.caFile), PKI_FILES.caKey), 'utf8') };
    leaf =
      kind === 'wrong-name'
        ? await issueCertificate({ commonName: WRONG_SERVER_NAME, dns: [WRONG_SERVER_NAME], issuer, ...current })
        : await issueCertificate({ commonName: SERVER_CERTIFICATE_NAMES.dns[0], ...labNames, issuer, notBefore: new Date(now.getTime() - 60 * DAY_MS), notAfter: new Date(now.getTime() - 30 * DAY_MS) });
  }
  return { kind, chainPem: leaf.certificatePem, keyPem: leaf.privateKeyPem, caPem };
}

// ---------------------------------------------------------------------------------------------
// The server

export interface SmbQuicStandInOptions {
  tls: StandInTls;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 443 (SMB_QUIC_PORT); 0 picks a free port. */
  port?: number;
  /** Run inside this network namespace. */
  netns?: string;
  /** ALPN the server accepts (default ["smb"]); another list makes a server that does not speak SMB. */
  alpn?: readonly string[];
  /** Idle timeout of the server's connections (default 10 s). */
  idleTimeoutMs?: number;
  /** Join each client stream to a TCP connection to this address, reached from the stand-in's namespace. */
  bridge?: { host: string; port: number };
}

export interface StandInAddress {
  host: string;
  port: number;
  /** The lab CA, PEM, in the stand-in's private directory (removed by stop()). */
  caFile: string;
}

const eventSchema = z.discriminatedUnion('event', [
  z.object({ event: z.literal('ready'), host: z.string(), port: z.number() }),
  z.object({ event: z.literal('handshake'), remoteHost: z.string(), remotePort: z.number(), alpn: z.string().nullable() }),
  z.object({ event: z.literal('stream-refused'), streamId: z.number() }),
  z.object({ event: z.literal('stream-bridged'), streamId: z.number() }),
  z.object({
    event: z.literal('bridge-closed'),
    streamId: z.number(),
    toServerBytes: z.number(),
    toClientBytes: z.number(),
    endedBy: z.enum(['client', 'server', 'error']),
    error: z.string().optional(),
  }),
]);

/** A stream the stand-in joined to its bridge target, once both ends closed. */
export type ClosedBridge = Omit<Extract<z.infer<typeof eventSchema>, { event: 'bridge-closed' }>, 'event'>;

export class SmbQuicStandIn {
  readonly implementation = '@matrixai/quic';
  private process: ManagedProcess | undefined;
  private privateDir: PrivateDir | undefined;
  private handshakeCount = 0;
  private streamsRefusedCount = 0;
  private streamsBridgedCount = 0;
  private closedBridgesList: ClosedBridge[] = [];

  constructor(private readonly options: SmbQuicStandInOptions) {}

  /** Handshakes the server completed so far. */
  get handshakes(): number {
    return this.handshakeCount;
  }

  /** Streams joined to the bridge target so far (closed or not). */
  get streamsBridged(): number {
    return this.streamsBridgedCount;
  }

  /** Bridged streams whose both ends have closed, in the order they closed. */
  get closedBridges(): readonly ClosedBridge[] {
    return this.closedBridgesList;
  }

  /** Until `count` bridged streams have closed on both ends, or `timeoutMs` passed; true when they have. */
  async waitForBridgesClosed(count: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.closedBridgesList.length < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    return this.closedBridgesList.length >= count;
  }

  /** Streams the server refused so far. */
  get streamsRefused(): number {
    return this.streamsRefusedCount;
  }

  async start(): Promise<StandInAddress> {
    if (this.process) throw new Error('the SMB over QUIC stand-in is already running');
    this.privateDir = await makePrivateDir('qlab-smbquic-');
    const dir = this.privateDir.path;
    try {
      const files = { chainFile: join(dir, 'chain.pem'), keyFile: join(dir, 'key.pem'), caFile: join(dir, 'ca.pem') };
      await writeFile(files.keyFile, this.options.tls.keyPem, { mode: 0o600 });
      await chmod(files.keyFile, 0o600);
      await writeFile(files.chainFile, this.options.tls.chainPem);
      await writeFile(files.caFile, this.options.tls.caPem);
      const host = this.options.host ?? '127.0.0.1';
      const config = {
        host,
        port: this.options.port ?? SMB_QUIC_PORT,
        chainFile: files.chainFile,
        keyFile: files.keyFile,
        alpn: [...(this.options.alpn ?? [SMB_QUIC_ALPN])],
        idleTimeoutMs: this.options.idleTimeoutMs ?? 10_000,
        ...(this.options.bridge ? { bridge: this.options.bridge } : {}),
      };
      const child = new ManagedProcess(nodeScriptSpec('smb-quic stand-in', projectPath('harness/smb/quic-standin-main.ts'), config, this.options.netns));
      this.process = child;
      child.onLine((line) => {
        if (!line.startsWith('{')) return;
        const parsed = eventSchema.safeParse(JSON.parse(line));
        if (!parsed.success) return;
        if (parsed.data.event === 'handshake') this.handshakeCount++;
        if (parsed.data.event === 'stream-refused') this.streamsRefusedCount++;
        if (parsed.data.event === 'stream-bridged') this.streamsBridgedCount++;
        if (parsed.data.event === 'bridge-closed') {
          const { event: _event, ...closed } = parsed.data;
          this.closedBridgesList.push(closed);
        }
      });
      const line = await child.waitForLine(/"event":"ready"/, READY_TIMEOUT_MS);
      const ready = eventSchema.parse(JSON.parse(line));
      if (ready.event !== 'ready') throw new Error(`unexpected line from the stand-in: ${line}`);
      return { host, port: ready.port, caFile: files.caFile };
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  async stop(): Promise<void> {
    await this.process?.stop();
    this.process = undefined;
    await this.privateDir?.remove();
    this.privateDir = undefined;
  }

  /** What the stand-in serves, for a result's endpoint record. */
  info(): { implementation: string; alpn: string[]; certificate: string; leafSha256: string; bridge: string | null } {
    const leaf = new X509Certificate(this.options.tls.chainPem);
    return {
      implementation: this.implementation,
      alpn: [...(this.options.alpn ?? [SMB_QUIC_ALPN])],
      certificate: this.options.tls.kind,
      leafSha256: leaf.fingerprint256.replaceAll(':', '').toLowerCase(),
      bridge: this.options.bridge ? `${this.options.bridge.host}:${this.options.bridge.port}` : null,
    };
  }
}
