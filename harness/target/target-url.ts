// A remote target's URL template: https://host[:port]/files/{bytes}. Every body the run asks
// for is the template with {bytes} replaced by its size; the server must serve the lab's
// generated bodies there (files/generated-body.ts, written by `npm run target-files`), so each
// client checks every byte as it does against the lab's own servers.
import { parseProbeUrl, type ParsedUrl } from '../probe/target.js';
import { TargetRequestError } from './target-error.js';

export const BYTES_PLACEHOLDER = '{bytes}';
// URL parsing would percent-encode the braces: a token of URL-safe characters stands in.
const TOKEN = '__quic_lab_bytes__';

export interface TargetUrl extends ParsedUrl {
  /** The URL as given, with {bytes}. */
  template: string;
  /** Its path, with {bytes} as the last segment: "/files/{bytes}". */
  pathTemplate: string;
}

export function parseTargetUrl(value: string): TargetUrl {
  const count = value.split(BYTES_PLACEHOLDER).length - 1;
  if (count !== 1) {
    throw new TargetRequestError(
      `--target: the URL needs ${BYTES_PLACEHOLDER} once, as the last path segment where the body size goes (e.g. https://server.example/files/${BYTES_PLACEHOLDER}); the server must serve the lab's bodies there (npm run target-files), got "${value}"`,
    );
  }
  const parsed = parseProbeUrl(value.replace(BYTES_PLACEHOLDER, TOKEN));
  const pathTemplate = parsed.path.replace(TOKEN, BYTES_PLACEHOLDER);
  // Clients read the size from the path's end (a download is saved under its last segment).
  if (!pathTemplate.endsWith(`/${BYTES_PLACEHOLDER}`)) throw new TargetRequestError(`--target: ${BYTES_PLACEHOLDER} must be the whole last path segment, with no query after it, got "${value}"`);
  return { ...parsed, url: parsed.url.replace(TOKEN, BYTES_PLACEHOLDER), template: value, pathTemplate };
}

/** The path of a body of `bytes` bytes on the target. */
export function targetPath(pathTemplate: string, bytes: number): string {
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw new Error(`a body size must be a non-negative integer, got ${bytes}`);
  return pathTemplate.replace(BYTES_PLACEHOLDER, String(bytes));
}
