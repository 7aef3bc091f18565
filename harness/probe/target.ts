// What the probe contacts: exactly the URL given, its name resolved once (or taken from
// --resolve, curl's HOST:PORT:ADDRESS) and recorded. Nothing else is ever sent to.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { UsageError } from '../options/usage-error.js';

export interface ProbeTarget {
  url: string;
  /** As written in the URL, brackets removed: the TLS SNI and the name checked. */
  host: string;
  port: number;
  path: string;
  /** The one address every packet goes to. */
  address: string;
  resolvedBy: 'literal' | '--resolve' | 'dns';
}

export interface ParsedUrl {
  url: string;
  host: string;
  port: number;
  path: string;
}

export function parseProbeUrl(value: string): ParsedUrl {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`the target must be an https:// URL, got "${value}"`);
  }
  if (url.protocol !== 'https:') throw new UsageError(`the target must be an https:// URL (HTTP/3 needs TLS), got "${value}"`);
  if (url.username !== '' || url.password !== '') throw new UsageError('the target URL must not carry credentials');
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw new UsageError(`the target URL has no host: "${value}"`);
  return { url: url.href, host, port: url.port === '' ? 443 : Number(url.port), path: `${url.pathname}${url.search}` };
}

/** --resolve HOST:PORT:ADDRESS (IPv6 address bare or in brackets). */
export function parseResolve(value: string): { host: string; port: number; address: string } {
  const match = /^([^:[\]]+):(\d+):(.+)$/.exec(value);
  const address = match?.[3]?.replace(/^\[(.*)\]$/, '$1');
  const port = Number(match?.[2]);
  if (!match || address === undefined || isIP(address) === 0) throw new UsageError(`--resolve wants HOST:PORT:ADDRESS with an IP address, got "${value}"`);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`--resolve: port must be 1-65535, got "${value}"`);
  return { host: (match[1] as string).toLowerCase(), port, address };
}

/** The address for the URL: the literal, the --resolve entry (which must name the URL's host and port), or one DNS lookup. */
export async function resolveTarget(url: ParsedUrl, resolve: string | undefined, lookupName: (host: string) => Promise<string> = lookupOnce): Promise<ProbeTarget> {
  if (resolve !== undefined) {
    const entry = parseResolve(resolve);
    if (entry.host !== url.host.toLowerCase() || entry.port !== url.port) throw new UsageError(`--resolve ${resolve} does not match the URL's ${url.host}:${url.port}`);
    return { ...url, address: entry.address, resolvedBy: '--resolve' };
  }
  if (isIP(url.host) !== 0) return { ...url, address: url.host, resolvedBy: 'literal' };
  let address: string;
  try {
    address = await lookupName(url.host);
  } catch (error) {
    throw new UsageError(`cannot resolve ${url.host}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { ...url, address, resolvedBy: 'dns' };
}

async function lookupOnce(host: string): Promise<string> {
  return (await lookup(host)).address;
}
