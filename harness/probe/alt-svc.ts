// The Alt-Svc header (RFC 7838): which alternative services a server advertises, so the probe
// knows whether HTTP/3 is offered and on which UDP port. Only what the probe needs is parsed:
// protocol id, authority (host and port) and `ma` (max-age, default 24 hours); other
// parameters (`persist`) are kept as text.

export interface AltSvcEntry {
  /** ALPN protocol id, percent-decoded ("h3", "h3-29", "h2"). */
  protocol: string;
  /** Empty: the same host as the origin. */
  host: string;
  port: number;
  /** `ma`, or RFC 7838's default of 86400 s. */
  maxAgeSeconds: number;
  parameters: Record<string, string>;
}

export type AltSvc = { clear: true; entries: [] } | { clear: false; entries: AltSvcEntry[] };

export const ALT_SVC_DEFAULT_MAX_AGE_SECONDS = 86_400;

/** Splits on `sep` outside double quotes. */
function splitOutsideQuotes(text: string, sep: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (const char of text) {
    if (char === '"') quoted = !quoted;
    if (char === sep && !quoted) {
      parts.push(current);
      current = '';
    } else current += char;
  }
  parts.push(current);
  return parts;
}

const unquote = (value: string): string => (value.startsWith('"') && value.endsWith('"') && value.length >= 2 ? value.slice(1, -1) : value);

/** Parses one or more Alt-Svc field values (joined with ","); throws on an entry it cannot read. */
export function parseAltSvc(header: string): AltSvc {
  if (header.trim() === 'clear') return { clear: true, entries: [] };
  const entries: AltSvcEntry[] = [];
  for (const raw of splitOutsideQuotes(header, ',')) {
    if (raw.trim() === '') continue;
    const [service = '', ...params] = splitOutsideQuotes(raw, ';').map((p) => p.trim());
    const match = /^([^=\s]+)=("[^"]*")$/.exec(service);
    if (!match) throw new Error(`Alt-Svc: cannot read "${service}" (want protocol="host:port")`);
    const protocol = decodeURIComponent(match[1] as string);
    const authority = unquote(match[2] as string);
    const colon = authority.lastIndexOf(':');
    const port = Number(authority.slice(colon + 1));
    if (colon < 0 || !Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`Alt-Svc: "${authority}" has no valid port`);
    const parameters: Record<string, string> = {};
    for (const param of params) {
      const eq = param.indexOf('=');
      if (eq > 0) parameters[param.slice(0, eq).trim().toLowerCase()] = unquote(param.slice(eq + 1).trim());
    }
    const ma = parameters.ma !== undefined ? Number(parameters.ma) : ALT_SVC_DEFAULT_MAX_AGE_SECONDS;
    if (!Number.isInteger(ma) || ma < 0) throw new Error(`Alt-Svc: ma="${parameters.ma}" is not a number of seconds`);
    entries.push({ protocol, host: authority.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), port, maxAgeSeconds: ma, parameters });
  }
  return { clear: false, entries };
}

/** The final HTTP/3 entry (RFC 9114's "h3"), preferring one on the origin's host. */
export function h3Entry(altSvc: AltSvc): AltSvcEntry | null {
  const h3 = altSvc.entries.filter((e) => e.protocol === 'h3');
  return h3.find((e) => e.host === '') ?? h3[0] ?? null;
}
