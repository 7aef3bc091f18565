// What an SMB over QUIC client would think of a server's certificate chain, checked here with
// node:crypto (no TLS stack involved): the chain as the server sent it, summarised, and the
// problems a Windows client would refuse it for. Pure: the trust anchors and the clock are
// parameters, so the result depends on nothing but its input.
//
// Each problem is one string, `<code>: <sentence>`, the codes being:
//   no-certificate   the server sent none
//   unparseable      a certificate could not be read
//   name-mismatch    the name asked for is not among the leaf's subject alternative names
//   expired          a certificate of the chain (or the anchor it leads to) is past its notAfter
//   not-yet-valid    ... or before its notBefore
//   untrusted        the chain does not lead to one of the trust anchors
//   unsupported-key  the leaf's key is not one SMB over QUIC accepts (SMB_QUIC_KEY_RULE)
//   no-server-auth   the leaf's extended key usage lacks serverAuth, or it has none at all
//
// What Windows requires, from Microsoft Learn, "SMB over QUIC"
// (https://learn.microsoft.com/en-us/windows-server/storage/file-server/smb-over-quic), its
// certificate requirements: the subject alternative names hold a DNS name entry for each fully
// qualified name clients use to reach the server (the name is matched against the SANs only:
// a subject CN alone does not do, as in RFC 6125 6.4.4); the purpose (EKU) is Server
// Authentication, 1.3.6.1.5.5.7.3.1; the key is ECDSA P-256 or larger, or RSA of at least 2048
// bits (SMB_QUIC_KEY_RULE); the chain is one the client trusts and the certificate is in its
// validity period. MS-SMB2 3.3.1.17 lets a server map a certificate to a DNS name or an IP
// address, so an IP address SAN matches an address too.
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';

export type CertificateInput = string | Uint8Array;

export type KeyKind = 'RSA' | 'RSA-PSS' | 'ECDSA' | 'Ed25519' | 'Ed448' | 'DSA' | 'unknown';

export interface CertificateSummary {
  /** Distinguished name, RDNs joined by ", " in the certificate's order: "CN=a, O=b". */
  subject: string;
  /** "DNS:name", "IP:address" (IPv6 in its short form, RFC 5952: "IP:::1"), "email:", "URI:". */
  subjectAltNames: string[];
  issuer: string;
  /** ISO 8601, UTC. */
  notBefore: string;
  notAfter: string;
  keyType: KeyKind;
  /** RSA modulus length, or the curve's size for ECDSA (256 for P-256); null when unknown. */
  keyBits: number | null;
  /** ECDSA only: "P-256", "P-384", "P-521", or OpenSSL's name for other curves. */
  curve?: string;
  /** SHA-256 of the DER encoding, lower-case hex. */
  sha256: string;
  isCa: boolean;
}

export interface CertificateCheckInput {
  /** The chain as the server sent it, leaf first: PEM (one or several per string) or DER. */
  chain: readonly CertificateInput[];
  /** The name the client asked for (TLS SNI): a DNS name or an IP address. */
  serverName: string;
  /** The certificates trusted as roots: PEM (bundles allowed) or DER. */
  trustAnchors: readonly CertificateInput[];
  /** How problems name the anchors, e.g. "the CA in ca.pem" (default "the trusted CAs"). */
  trustAnchorsLabel?: string;
  now: Date;
}

export interface CertificateCheck {
  chain: CertificateSummary[];
  problems: string[];
  nameMatches: boolean;
  /** Every certificate of the chain, and the anchor reached, valid at `now`. */
  timeValid: boolean;
  trusted: boolean;
  keySupported: boolean;
  /** Subjects from the leaf to the trust anchor, when the chain leads to one. */
  trustPath: string[];
}

/**
 * The key rule, from Microsoft's SMB over QUIC certificate requirements
 * (https://learn.microsoft.com/en-us/windows-server/storage/file-server/smb-over-quic,
 * "Public key algorithm: ECDSA_P256 (or greater. Can also use RSA with at least 2048 length)").
 * "Or greater" is read as the larger NIST curves P-384 and P-521; other curves, Ed25519/Ed448
 * and DSA are refused.
 */
export const SMB_QUIC_KEY_RULE = 'SMB over QUIC needs RSA of at least 2048 bits or ECDSA on P-256 or a larger NIST curve (P-384, P-521) (Microsoft Learn, "SMB over QUIC", certificate requirements)';

const SERVER_AUTH_OID = '1.3.6.1.5.5.7.3.1';
const ANY_EXTENDED_KEY_USAGE_OID = '2.5.29.37.0';
const CURVES: Record<string, { name: string; bits: number }> = {
  prime256v1: { name: 'P-256', bits: 256 },
  secp384r1: { name: 'P-384', bits: 384 },
  secp521r1: { name: 'P-521', bits: 521 },
};
const MAX_PATH_LENGTH = 10;

/** Every certificate in the inputs, in order; unreadable ones as errors. */
export function parseCertificates(inputs: readonly CertificateInput[]): Array<X509Certificate | Error> {
  const parsed: Array<X509Certificate | Error> = [];
  const parse = (data: string | Buffer): void => {
    try {
      parsed.push(new X509Certificate(data));
    } catch (error) {
      parsed.push(error instanceof Error ? error : new Error(String(error)));
    }
  };
  for (const input of inputs) {
    if (typeof input === 'string') {
      const pems = input.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
      if (pems === null) parse(input);
      else pems.forEach(parse);
    } else {
      parse(Buffer.from(input.buffer, input.byteOffset, input.byteLength));
    }
  }
  return parsed;
}

function distinguishedName(multiLine: string): string {
  return multiLine.split('\n').filter(Boolean).join(', ');
}

/** An IPv6 address as people write it (RFC 5952: zeros compressed, lower case); anything else unchanged. */
export function shortIpAddress(address: string): string {
  if (isIP(address) !== 6) return address;
  return new URL(`http://[${address}]`).hostname.slice(1, -1);
}

/**
 * Node prints SANs as `DNS:a, IP Address:1.2.3.4`, quoting (JSON) values with special
 * characters, and IPv6 written out in full as OpenSSL does (0:0:0:0:0:0:0:1): kept as ::1.
 */
export function parseSubjectAltNames(text: string | undefined): string[] {
  if (!text) return [];
  const names: string[] = [];
  const entry = /(DNS|IP Address|email|URI|DirName|othername|Registered ID):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/g;
  for (const match of text.matchAll(entry)) {
    const [, type = '', raw = ''] = match;
    let value = raw;
    if (raw.startsWith('"')) {
      try {
        value = JSON.parse(raw) as string;
      } catch {
        // keep it as printed
      }
    }
    names.push(type === 'IP Address' ? `IP:${shortIpAddress(value)}` : `${type}:${value}`);
  }
  return names;
}

function describeKey(certificate: X509Certificate): { keyType: KeyKind; keyBits: number | null; curve?: string } {
  const key = certificate.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return { keyType: 'RSA', keyBits: details.modulusLength ?? null };
    case 'rsa-pss':
      return { keyType: 'RSA-PSS', keyBits: details.modulusLength ?? null };
    case 'ec': {
      const curve = details.namedCurve !== undefined ? CURVES[details.namedCurve] : undefined;
      return { keyType: 'ECDSA', keyBits: curve?.bits ?? null, curve: curve?.name ?? details.namedCurve ?? 'unknown' };
    }
    case 'ed25519':
      return { keyType: 'Ed25519', keyBits: 256 };
    case 'ed448':
      return { keyType: 'Ed448', keyBits: 456 };
    case 'dsa':
      return { keyType: 'DSA', keyBits: details.modulusLength ?? null };
    default:
      return { keyType: 'unknown', keyBits: null };
  }
}

function validity(certificate: X509Certificate): { notBefore: Date; notAfter: Date } {
  // Node 20 gives OpenSSL's text ("Nov 26 06:17:56 2026 GMT"), which Date parses.
  return { notBefore: new Date(certificate.validFrom), notAfter: new Date(certificate.validTo) };
}

export function summarizeCertificate(certificate: X509Certificate): CertificateSummary {
  const { notBefore, notAfter } = validity(certificate);
  return {
    subject: distinguishedName(certificate.subject),
    subjectAltNames: parseSubjectAltNames(certificate.subjectAltName),
    issuer: distinguishedName(certificate.issuer),
    notBefore: notBefore.toISOString(),
    notAfter: notAfter.toISOString(),
    ...describeKey(certificate),
    sha256: certificate.fingerprint256.replaceAll(':', '').toLowerCase(),
    isCa: certificate.ca,
  };
}

/** True when the key is one SMB over QUIC accepts (SMB_QUIC_KEY_RULE). */
export function smbQuicKeySupported(summary: Pick<CertificateSummary, 'keyType' | 'keyBits' | 'curve'>): boolean {
  if (summary.keyType === 'RSA' || summary.keyType === 'RSA-PSS') return (summary.keyBits ?? 0) >= 2048;
  if (summary.keyType === 'ECDSA') return summary.curve === 'P-256' || summary.curve === 'P-384' || summary.curve === 'P-521';
  return false;
}

function nameMatches(leaf: X509Certificate, serverName: string): boolean {
  const name = serverName.replace(/^\[(.*)\]$/, '$1');
  if (isIP(name) !== 0) return leaf.checkIP(name) !== undefined;
  // SANs only, as RFC 6125 and Windows do: the subject CN is never a fallback.
  return leaf.checkHost(name.replace(/\.$/, ''), { subject: 'never' }) !== undefined;
}

function verifiesWith(child: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return child.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/** Names (and key identifiers, key usage) match, and the signature verifies with the issuer's key. */
function issuedBy(child: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return child.checkIssued(issuer) && verifiesWith(child, issuer);
  } catch {
    return false;
  }
}

interface PathResult {
  path: X509Certificate[];
  anchor: X509Certificate | null;
  /** Why the walk stopped short of an anchor. */
  stoppedAt?: string;
}

/** Walks from the leaf through the chain's CA certificates to an anchor. */
function buildPath(leaf: X509Certificate, intermediates: X509Certificate[], anchors: X509Certificate[]): PathResult {
  const anchorPrints = new Set(anchors.map((a) => a.fingerprint256));
  const path = [leaf];
  let current = leaf;
  for (let step = 0; step < MAX_PATH_LENGTH; step++) {
    // A certificate that is itself an anchor (a pinned self-signed one, or the root sent along).
    if (anchorPrints.has(current.fingerprint256)) return { path: path.slice(0, -1), anchor: current };
    const anchor = anchors.find((candidate) => candidate.ca && issuedBy(current, candidate));
    if (anchor) return { path, anchor };
    const next = intermediates.find((candidate) => candidate.ca && !path.includes(candidate) && issuedBy(current, candidate));
    if (!next) {
      const subject = distinguishedName(current.subject);
      const issuer = distinguishedName(current.issuer);
      // Not checkIssued(): OpenSSL's also wants keyCertSign, which a self-signed leaf lacks.
      const selfSigned = subject === issuer && verifiesWith(current, current);
      return {
        path,
        anchor: null,
        stoppedAt: selfSigned ? `${current === leaf ? 'the leaf' : `"${subject}"`} is self-signed and not one of them` : `the issuer of "${subject}", "${issuer}", is neither in the chain nor one of them`,
      };
    }
    path.push(next);
    current = next;
  }
  return { path, anchor: null, stoppedAt: `no anchor within ${MAX_PATH_LENGTH} certificates` };
}

function describePosition(index: number, summary: CertificateSummary): string {
  return `${index === 0 ? 'the leaf' : `chain certificate ${index}`} (${summary.subject})`;
}

export function checkCertificateChain(input: CertificateCheckInput): CertificateCheck {
  const problems: string[] = [];
  const parsed = parseCertificates(input.chain);
  const certificates: X509Certificate[] = [];
  parsed.forEach((entry, index) => {
    if (entry instanceof Error) problems.push(`unparseable: certificate ${index} of the chain could not be read: ${entry.message}`);
    else certificates.push(entry);
  });
  const anchors = parseCertificates(input.trustAnchors).filter((entry): entry is X509Certificate => !(entry instanceof Error));
  const anchorsLabel = input.trustAnchorsLabel ?? 'the trusted CAs';
  const chain = certificates.map(summarizeCertificate);
  const leaf = certificates[0];
  const leafSummary = chain[0];
  if (!leaf || !leafSummary) {
    problems.push('no-certificate: the server sent no certificate');
    return { chain, problems, nameMatches: false, timeValid: false, trusted: false, keySupported: false, trustPath: [] };
  }

  const matches = nameMatches(leaf, input.serverName);
  if (!matches) {
    const names = leafSummary.subjectAltNames.length > 0 ? leafSummary.subjectAltNames.join(', ') : `none (subject ${leafSummary.subject})`;
    const cnOnly = leaf.checkHost(input.serverName.replace(/\.$/, ''), { subject: 'always' }) !== undefined && isIP(input.serverName.replace(/^\[(.*)\]$/, '$1')) === 0;
    problems.push(
      `name-mismatch: the name asked for, "${input.serverName}", is not among the leaf certificate's subject alternative names: ${names}` +
        (cnOnly ? `; it is only the subject's CN, which Windows does not match names against: it needs a DNS entry "${input.serverName}" among the SANs` : ''),
    );
  }

  const { path, anchor, stoppedAt } = buildPath(leaf, certificates.slice(1), anchors);
  const trusted = anchor !== null;
  if (!trusted) {
    problems.push(`untrusted: the chain does not lead to ${anchorsLabel}: ${stoppedAt ?? 'no path'}`);
  }

  // Validity of what the server sent, and of the anchor the path ends at.
  let timeValid = true;
  const now = input.now.getTime();
  const dated: Array<{ what: string; certificate: X509Certificate }> = certificates.map((certificate, index) => ({
    what: describePosition(index, chain[index] as CertificateSummary),
    certificate,
  }));
  if (anchor && !certificates.includes(anchor) && !certificates.some((c) => c.fingerprint256 === anchor.fingerprint256)) {
    dated.push({ what: `the trust anchor (${distinguishedName(anchor.subject)})`, certificate: anchor });
  }
  for (const { what, certificate } of dated) {
    const { notBefore, notAfter } = validity(certificate);
    if (now > notAfter.getTime()) {
      timeValid = false;
      problems.push(`expired: ${what} expired at ${notAfter.toISOString()} (notAfter); the clock says ${input.now.toISOString()}`);
    } else if (now < notBefore.getTime()) {
      timeValid = false;
      problems.push(`not-yet-valid: ${what} is valid only from ${notBefore.toISOString()} (notBefore); the clock says ${input.now.toISOString()}`);
    }
  }

  const keySupported = smbQuicKeySupported(leafSummary);
  if (!keySupported) {
    const key = `${leafSummary.keyType}${leafSummary.curve !== undefined ? ` ${leafSummary.curve}` : leafSummary.keyBits !== null ? ` ${leafSummary.keyBits} bits` : ''}`;
    problems.push(`unsupported-key: the leaf's key is ${key}; ${SMB_QUIC_KEY_RULE}`);
  }

  // Node calls the extended key usage list `keyUsage`; undefined when the extension is absent.
  const extendedKeyUsage = leaf.keyUsage as string[] | undefined;
  if (extendedKeyUsage === undefined) {
    problems.push(`no-server-auth: the leaf has no extended key usage extension; Windows Server's SMB over QUIC requires the Server Authentication purpose (${SERVER_AUTH_OID})`);
  } else if (!extendedKeyUsage.includes(SERVER_AUTH_OID) && !extendedKeyUsage.includes(ANY_EXTENDED_KEY_USAGE_OID)) {
    problems.push(`no-server-auth: the leaf's extended key usage (${extendedKeyUsage.join(', ') || 'empty'}) lacks serverAuth (${SERVER_AUTH_OID}), which SMB over QUIC requires`);
  }

  const trustPath = trusted ? [...path, ...(path.includes(anchor) ? [] : [anchor])].map((c) => distinguishedName(c.subject)) : [];
  return { chain, problems, nameMatches: matches, timeValid, trusted, keySupported, trustPath };
}

/** The code of a problem string ("expired: ..." -> "expired"). */
export function problemCode(problem: string): string {
  return problem.slice(0, Math.max(0, problem.indexOf(':')));
}
