// The lab PKI: a throwaway root CA, optional intermediates and a server leaf, built with
// @peculiar/x509 on Node's WebCrypto. Every certificate of one PKI has the same key type.
// Keys are written 0600; git ignores certs/.
// @peculiar/x509 needs a Reflect metadata polyfill loaded before it (its README says so).
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { randomBytes, webcrypto } from 'node:crypto';
import { SERVER_CERTIFICATE_NAMES } from '../lab/addresses.js';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export const KEY_TYPES = ['rsa2048', 'rsa4096', 'ecdsa-p256'] as const;
export type KeyType = (typeof KEY_TYPES)[number];

export interface PkiOptions {
  /** Key type of the root, the intermediates and the leaf alike. */
  keyType: KeyType;
  /** Intermediate CAs between the root and the leaf (0-3). */
  intermediates: number;
  validityDays: number;
}

export const DEFAULT_PKI_OPTIONS: PkiOptions = { keyType: 'rsa2048', intermediates: 0, validityDays: 30 };

/** A chain to make: the key type of every certificate and the intermediate CAs between root and leaf (0-3). */
export interface CertificateSpec {
  keyType: KeyType;
  intermediates: number;
}

export interface KeyTypeInfo {
  algorithm: 'RSA' | 'ECDSA';
  /** RSA modulus length, or the curve's size for ECDSA. */
  bits: 2048 | 4096 | 256;
}

const KEY_TYPE_INFO: Record<KeyType, KeyTypeInfo> = {
  rsa2048: { algorithm: 'RSA', bits: 2048 },
  rsa4096: { algorithm: 'RSA', bits: 4096 },
  'ecdsa-p256': { algorithm: 'ECDSA', bits: 256 },
};

/** What a key type is, for reporting: rsa4096 -> RSA, 4096 bits. */
export function keyTypeInfo(keyType: KeyType): KeyTypeInfo {
  return KEY_TYPE_INFO[keyType];
}

export function isKeyType(value: unknown): value is KeyType {
  return typeof value === 'string' && (KEY_TYPES as readonly string[]).includes(value);
}

export interface PemPair {
  certificatePem: string;
  privateKeyPem: string;
}

export interface Pki {
  root: PemPair;
  intermediates: PemPair[];
  leaf: PemPair;
}

interface Issuer {
  certificate: x509.X509Certificate;
  keys: CryptoKeyPair;
}

// RSA certificates are signed RSASSA-PKCS1-v1_5 with SHA-256, as CAs issue them. The keys
// export as plain rsaEncryption PKCS#8, so a TLS 1.3 server still signs with RSA-PSS.
function keyAlgorithm(keyType: KeyType): RsaHashedKeyGenParams | EcKeyGenParams {
  const info = keyTypeInfo(keyType);
  return info.algorithm === 'RSA' ? { name: 'RSASSA-PKCS1-v1_5', modulusLength: info.bits, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' } : { name: 'ECDSA', namedCurve: 'P-256' };
}

function signingAlgorithm(keyType: KeyType): Algorithm | EcdsaParams {
  return keyTypeInfo(keyType).algorithm === 'RSA' ? { name: 'RSASSA-PKCS1-v1_5' } : { name: 'ECDSA', hash: 'SHA-256' };
}

async function generateKeys(keyType: KeyType): Promise<CryptoKeyPair> {
  return await webcrypto.subtle.generateKey(keyAlgorithm(keyType), true, ['sign', 'verify']);
}

function serialNumber(): string {
  // Positive 16-byte serial (top bit clear, first byte non-zero so the length stays 16).
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01;
  return bytes.toString('hex');
}

async function makeCertificate(args: { commonName: string; keyType: KeyType; keys: CryptoKeyPair; issuer: Issuer | null; isCa: boolean; pathLength?: number; validityDays: number; now: Date }): Promise<Issuer> {
  const { keys } = args;
  const isRsa = keyTypeInfo(args.keyType).algorithm === 'RSA';
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(args.isCa, args.isCa ? args.pathLength : undefined, true),
    new x509.KeyUsagesExtension(
      args.isCa
        ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign
        : // RFC 5480: an EC key must not assert keyEncipherment.
          x509.KeyUsageFlags.digitalSignature | (isRsa ? x509.KeyUsageFlags.keyEncipherment : 0),
      true,
    ),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  if (args.issuer) extensions.push(await x509.AuthorityKeyIdentifierExtension.create(args.issuer.keys.publicKey));
  if (!args.isCa) {
    extensions.push(new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]));
    extensions.push(
      new x509.SubjectAlternativeNameExtension([...SERVER_CERTIFICATE_NAMES.dns.map((value) => ({ type: 'dns' as const, value })), ...SERVER_CERTIFICATE_NAMES.ip.map((value) => ({ type: 'ip' as const, value }))]),
    );
  }
  const subject: x509.JsonName = [{ CN: [args.commonName] }, { O: ['QUIC lab (throwaway test PKI)'] }];
  const common = {
    serialNumber: serialNumber(),
    // Back-date by an hour so clocks a little apart still accept it.
    notBefore: new Date(args.now.getTime() - 3600_000),
    notAfter: new Date(args.now.getTime() + args.validityDays * 86_400_000),
    extensions,
    signingAlgorithm: signingAlgorithm(args.keyType),
  };
  const certificate = args.issuer
    ? await x509.X509CertificateGenerator.create({
        ...common,
        subject,
        issuer: args.issuer.certificate.subjectName,
        publicKey: keys.publicKey,
        signingKey: args.issuer.keys.privateKey,
      })
    : await x509.X509CertificateGenerator.createSelfSigned({ ...common, name: subject, keys });
  return { certificate, keys };
}

async function toPem(issuer: Issuer): Promise<PemPair> {
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', issuer.keys.privateKey);
  return {
    certificatePem: issuer.certificate.toString('pem') + '\n',
    privateKeyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY') + '\n',
  };
}

export async function generatePki(options: PkiOptions, now = new Date()): Promise<Pki> {
  if (!Number.isInteger(options.intermediates) || options.intermediates < 0 || options.intermediates > 3) {
    throw new RangeError(`intermediates must be 0-3, got ${options.intermediates}`);
  }
  if (!isKeyType(options.keyType)) {
    throw new RangeError(`keyType must be one of ${KEY_TYPES.join(', ')}, got ${String(options.keyType)}`);
  }
  // Key generation runs on libuv's thread pool: all keys at once is quicker on several cores.
  const [rootKeys, leafKeys, ...intermediateKeys] = await Promise.all(Array.from({ length: options.intermediates + 2 }, () => generateKeys(options.keyType)));
  if (!rootKeys || !leafKeys) throw new Error('key generation returned too few keys');
  const common = { keyType: options.keyType, validityDays: options.validityDays, now };
  const root = await makeCertificate({ ...common, commonName: 'QUIC lab root CA', keys: rootKeys, issuer: null, isCa: true });
  const intermediates: Issuer[] = [];
  let issuer = root;
  for (let i = 1; i <= options.intermediates; i++) {
    issuer = await makeCertificate({
      ...common,
      commonName: `QUIC lab intermediate CA ${i}`,
      keys: intermediateKeys[i - 1] as CryptoKeyPair,
      issuer,
      isCa: true,
      pathLength: options.intermediates - i,
    });
    intermediates.push(issuer);
  }
  const leaf = await makeCertificate({ ...common, commonName: SERVER_CERTIFICATE_NAMES.dns[0], keys: leafKeys, issuer, isCa: false });
  return {
    root: await toPem(root),
    intermediates: await Promise.all(intermediates.map(toPem)),
    leaf: await toPem(leaf),
  };
}
