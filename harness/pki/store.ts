// The PKI on disk: certs/ by default, or any directory (a sweep uses temp ones). Regenerated
// when missing, when its parameters (key type, intermediates) differ from the ones asked for,
// or when it is about to expire.
import { X509Certificate, createHash } from 'node:crypto';
import { readFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../files/atomic-write.js';
import { LAB_SERVER_NAME } from '../lab/addresses.js';
import type { TlsMaterial } from '../endpoints/types.js';
import type { CertificatesInfo } from '../results/schema.js';
import { DEFAULT_PKI_OPTIONS, generatePki, isKeyType, type PkiOptions } from './generate.js';
import { projectPath } from '../project-root.js';

export const DEFAULT_CERTS_DIR = projectPath('certs');
/** Regenerate when fewer than this many days of validity remain. */
const RENEW_BEFORE_DAYS = 2;

// keyType is one of KEY_TYPES. PKIs made before ECDSA support (node-forge) wrote
// keyType "rsa" plus keyBits, and older ones may lack keyType: both mean RSA of keyBits.
const metadataSchema = z.object({
  keyType: z.string().optional(),
  keyBits: z.number().optional(),
  intermediates: z.number(),
  validityDays: z.number(),
  notAfter: z.string(),
  generatedAt: z.string(),
});

type Metadata = z.infer<typeof metadataSchema>;

/** The key type a pki.json describes (a KeyType, or e.g. "rsa3072" for one no longer made). */
function recordedKeyType(metadata: Metadata): string {
  if (isKeyType(metadata.keyType)) return metadata.keyType;
  if (metadata.keyType === undefined || metadata.keyType === 'rsa') return `rsa${metadata.keyBits ?? '?'}`;
  return metadata.keyType;
}

export const PKI_FILES = {
  ca: 'ca.pem',
  caKey: 'ca.key',
  leaf: 'server.pem',
  leafKey: 'server.key',
  chain: 'server-chain.pem',
  metadata: 'pki.json',
} as const;

export interface LabPki {
  dir: string;
  material: TlsMaterial;
  info: CertificatesInfo;
  /** True when this call generated new certificates. */
  generated: boolean;
}

function materialFor(dir: string): TlsMaterial {
  return {
    caFile: join(dir, PKI_FILES.ca),
    chainFile: join(dir, PKI_FILES.chain),
    keyFile: join(dir, PKI_FILES.leafKey),
    serverName: LAB_SERVER_NAME,
  };
}

async function readMetadata(dir: string): Promise<Metadata | null> {
  try {
    return metadataSchema.parse(JSON.parse(await readFile(join(dir, PKI_FILES.metadata), 'utf8')));
  } catch {
    return null;
  }
}

/** Why the PKI in `dir` cannot be used as it is, or null when it can. */
export async function staleReason(dir: string, options: PkiOptions, now = new Date()): Promise<string | null> {
  const metadata = await readMetadata(dir);
  if (!metadata) return 'no certificates yet';
  const keyType = recordedKeyType(metadata);
  if (keyType !== options.keyType || metadata.intermediates !== options.intermediates) {
    return `parameters changed (have ${keyType}, ${metadata.intermediates} intermediates)`;
  }
  for (const file of [PKI_FILES.ca, PKI_FILES.chain, PKI_FILES.leafKey]) {
    try {
      await readFile(join(dir, file));
    } catch {
      return `${file} is missing`;
    }
  }
  const remainingMs = new Date(metadata.notAfter).getTime() - now.getTime();
  if (remainingMs < RENEW_BEFORE_DAYS * 86_400_000) return 'certificates expire soon';
  return null;
}

export async function ensurePki(options: Partial<PkiOptions> = {}, dir = DEFAULT_CERTS_DIR, force = false): Promise<LabPki> {
  const wanted: PkiOptions = { ...DEFAULT_PKI_OPTIONS, ...options };
  const reason = force ? 'regeneration forced' : await staleReason(dir, wanted);
  if (reason !== null) {
    const pki = await generatePki(wanted);
    const intermediatesTopDown = pki.intermediates.map((p) => p.certificatePem);
    // The server sends its leaf then the intermediates, nearest issuer first.
    const chainPem = [pki.leaf.certificatePem, ...[...intermediatesTopDown].reverse()].join('');
    await writeFileAtomic(join(dir, PKI_FILES.caKey), pki.root.privateKeyPem, 0o600);
    await writeFileAtomic(join(dir, PKI_FILES.leafKey), pki.leaf.privateKeyPem, 0o600);
    // A rename keeps the temp file's mode, but an older key file may have had another one.
    await chmod(join(dir, PKI_FILES.caKey), 0o600);
    await chmod(join(dir, PKI_FILES.leafKey), 0o600);
    await writeFileAtomic(join(dir, PKI_FILES.ca), pki.root.certificatePem);
    await writeFileAtomic(join(dir, PKI_FILES.leaf), pki.leaf.certificatePem);
    await writeFileAtomic(join(dir, PKI_FILES.chain), chainPem);
    const notAfter = new X509Certificate(pki.leaf.certificatePem).validTo;
    await writeFileAtomic(
      join(dir, PKI_FILES.metadata),
      JSON.stringify(
        {
          keyType: wanted.keyType,
          intermediates: wanted.intermediates,
          validityDays: wanted.validityDays,
          notAfter: new Date(notAfter).toISOString(),
          generatedAt: new Date().toISOString(),
        },
        null,
        2,
      ) + '\n',
    );
  }
  return { dir, material: materialFor(dir), info: await describePki(dir), generated: reason !== null };
}

/** Splits a PEM bundle into its certificates. */
export function splitPem(bundle: string): string[] {
  return bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g) ?? [];
}

export async function describePki(dir: string): Promise<CertificatesInfo> {
  const chain = splitPem(await readFile(join(dir, PKI_FILES.chain), 'utf8')).map((pem) => new X509Certificate(pem));
  const ca = new X509Certificate(await readFile(join(dir, PKI_FILES.ca), 'utf8'));
  const leaf = chain[0];
  if (!leaf) throw new Error(`${join(dir, PKI_FILES.chain)} holds no certificate`);
  const { keyType, keyBits } = describeKey(leaf);
  return {
    keyType,
    keyBits,
    chainLength: chain.length,
    chainBytes: chain.reduce((sum, cert) => sum + cert.raw.length, 0),
    caFingerprintSha256: createHash('sha256').update(ca.raw).digest('hex'),
  };
}

const CURVE_BITS: Record<string, number> = { prime256v1: 256, 'P-256': 256, secp384r1: 384, 'P-384': 384, secp521r1: 521, 'P-521': 521 };

/** The leaf's key as results report it: RSA and its modulus length, or ECDSA and its curve size. */
function describeKey(leaf: X509Certificate): { keyType: string; keyBits: number } {
  const key = leaf.publicKey;
  const details = key.asymmetricKeyDetails;
  if ((key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') && details?.modulusLength) {
    return { keyType: key.asymmetricKeyType === 'rsa' ? 'RSA' : 'RSA-PSS', keyBits: details.modulusLength };
  }
  const curveBits = details?.namedCurve !== undefined ? CURVE_BITS[details.namedCurve] : undefined;
  if (key.asymmetricKeyType === 'ec' && curveBits !== undefined) return { keyType: 'ECDSA', keyBits: curveBits };
  throw new Error(`the lab leaf has an unsupported key: ${[key.asymmetricKeyType ?? 'unknown', details?.namedCurve].filter(Boolean).join(' ')}`);
}
