// The lab PKI: a throwaway root CA, optional intermediates and a server leaf, built with
// node-forge. Keys are written 0600; git ignores certs/.
import forge from 'node-forge';
import { randomBytes } from 'node:crypto';
import { SERVER_CERTIFICATE_NAMES } from '../lab/addresses.js';

export interface PkiOptions {
  keyBits: 2048 | 3072 | 4096;
  /** Intermediate CAs between the root and the leaf (0-3). */
  intermediates: number;
  validityDays: number;
}

export const DEFAULT_PKI_OPTIONS: PkiOptions = { keyBits: 2048, intermediates: 0, validityDays: 30 };

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
  certificate: forge.pki.Certificate;
  privateKey: forge.pki.rsa.PrivateKey;
}

function serialNumber(): string {
  // Positive 16-byte serial (top bit clear).
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString('hex');
}

function generateKeys(bits: number): forge.pki.rsa.KeyPair {
  // Without a custom PRNG forge uses Node's native key generation: fast enough for 4096 bits.
  return forge.pki.rsa.generateKeyPair({ bits, e: 0x10001 });
}

function makeCertificate(args: {
  commonName: string;
  keys: forge.pki.rsa.KeyPair;
  issuer: Issuer | null;
  isCa: boolean;
  pathLength?: number;
  validityDays: number;
  now: Date;
}): Issuer {
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = args.keys.publicKey;
  certificate.serialNumber = serialNumber();
  // Back-date by an hour so clocks a little apart still accept it.
  certificate.validity.notBefore = new Date(args.now.getTime() - 3600_000);
  certificate.validity.notAfter = new Date(args.now.getTime() + args.validityDays * 86_400_000);
  const subject = [
    { name: 'commonName', value: args.commonName },
    { name: 'organizationName', value: 'QUIC lab (throwaway test PKI)' },
  ];
  certificate.setSubject(subject);
  certificate.setIssuer(args.issuer ? args.issuer.certificate.subject.attributes : subject);
  const extensions: object[] = [
    args.isCa
      ? { name: 'basicConstraints', cA: true, critical: true, ...(args.pathLength !== undefined ? { pathLenConstraint: args.pathLength } : {}) }
      : { name: 'basicConstraints', cA: false, critical: true },
    args.isCa
      ? { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true }
      : { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ];
  if (args.issuer) {
    extensions.push({ name: 'authorityKeyIdentifier', keyIdentifier: args.issuer.certificate.generateSubjectKeyIdentifier().getBytes() });
  }
  if (!args.isCa) {
    extensions.push({ name: 'extKeyUsage', serverAuth: true });
    extensions.push({
      name: 'subjectAltName',
      altNames: [
        ...SERVER_CERTIFICATE_NAMES.dns.map((value) => ({ type: 2, value })),
        ...SERVER_CERTIFICATE_NAMES.ip.map((ip) => ({ type: 7, ip })),
      ],
    });
  }
  certificate.setExtensions(extensions);
  const signer = args.issuer ? args.issuer.privateKey : args.keys.privateKey;
  certificate.sign(signer, forge.md.sha256.create());
  return { certificate, privateKey: args.keys.privateKey };
}

function toPem(issuer: Issuer): PemPair {
  return {
    certificatePem: forge.pki.certificateToPem(issuer.certificate),
    privateKeyPem: forge.pki.privateKeyToPem(issuer.privateKey),
  };
}

export function generatePki(options: PkiOptions, now = new Date()): Pki {
  if (!Number.isInteger(options.intermediates) || options.intermediates < 0 || options.intermediates > 3) {
    throw new RangeError(`intermediates must be 0-3, got ${options.intermediates}`);
  }
  const root = makeCertificate({
    commonName: 'QUIC lab root CA',
    keys: generateKeys(options.keyBits),
    issuer: null,
    isCa: true,
    validityDays: options.validityDays,
    now,
  });
  const intermediates: Issuer[] = [];
  let issuer = root;
  for (let i = 1; i <= options.intermediates; i++) {
    issuer = makeCertificate({
      commonName: `QUIC lab intermediate CA ${i}`,
      keys: generateKeys(options.keyBits),
      issuer,
      isCa: true,
      pathLength: options.intermediates - i,
      validityDays: options.validityDays,
      now,
    });
    intermediates.push(issuer);
  }
  const leaf = makeCertificate({
    commonName: SERVER_CERTIFICATE_NAMES.dns[0],
    keys: generateKeys(options.keyBits),
    issuer,
    isCa: false,
    validityDays: options.validityDays,
    now,
  });
  return { root: toPem(root), intermediates: intermediates.map(toPem), leaf: toPem(leaf) };
}
