// What the Chromium client runs inside its page, and how the page's Resource Timing becomes
// ExchangeTimings and BatchTimings.
//
// The page is a blank document of the lab origin (https://<serverName>:<port>/...), handed to
// Chromium by the client itself (a CDP Fetch interception: no request reaches the server for
// it). Its script then fetch()es the objects from that same origin, all at once, over the one
// connection Chromium opens for them. Same origin, so Resource Timing exposes every detail
// (connect, TLS, request, response, sizes, protocol), with no CORS nor Timing-Allow-Origin on
// the lab servers. fetch() with cache "no-store" bypasses the HTTP cache, so identical paths
// are really fetched each (the cache's per-URL lock would otherwise serialize them).
//
// Every body is checked in the page against the lab's pattern (files/generated-body.ts: byte i
// is i mod 251, from the Range's start), but only once every body has been read and the
// Resource Timing entries have been taken: nothing the check does can slow a read (and through
// the data pipe's backpressure the transfer) while it is timed. The page keeps the chunks
// Chromium handed it until then (references, not copies: a 100 MB body holds 100 MB in the
// renderer until its check). That moved nothing measurable: 100 MB over h2 on loopback (about
// 1 Gbit/s), the body's median time was 822 ms kept and checked, 843 ms counted and dropped as
// before (12 transfers each, 570-1250 ms either way).
import { z } from 'zod';
import { BodyIntegrityError, describeMismatch } from '../../files/body-check.js';
import type { BatchTimings, ExchangeTimings } from '../types.js';

/** Path of the generated page (never requested from the server: the client answers it). */
export const PAGE_PATH = '/__quic-lab__/page.html';

/** The page: nothing to load; the empty icon keeps Chromium from asking the server for /favicon.ico. */
export const PAGE_HTML = '<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>quic-lab</title></head><body></body></html>';

/** How long the page waits for Resource Timing entries after the bodies are read (they are queued separately). */
const ENTRY_WAIT_MS = 2000;

/**
 * The pattern check the page runs, a JavaScript function expression: `chunks` (Uint8Arrays) are
 * the body from offset `startOffset` on; the answer is the bytes that matched before the first
 * wrong one (all of them when none is) and that byte, as files/body-check.ts's BodyMismatch
 * (offset in the whole body, the byte found, the byte expected). 251: generated-body.ts's period.
 */
export const PAGE_BODY_CHECK = `(chunks, startOffset) => {
  let offset = startOffset;
  let expected = startOffset % 251;
  for (const chunk of chunks) {
    for (let i = 0; i < chunk.length; i++) {
      if (chunk[i] !== expected) return { verifiedBytes: offset + i - startOffset, mismatch: { offset: offset + i, found: chunk[i], expected } };
      if (++expected === 251) expected = 0;
    }
    offset += chunk.length;
  }
  return { verifiedBytes: offset - startOffset, mismatch: null };
}`;

/**
 * The page's measurement, a JavaScript expression for Runtime.evaluate (a plain string, not a
 * serialized TypeScript function: tsx's transform could add helpers the page does not have).
 * Every body is read to its end and counted; once all are read and the Resource Timing entries
 * taken, each is checked against the pattern from the request's start offset (the Range's, or
 * 0) and dropped.
 */
export function pageScript(paths: readonly string[], rangeStartBytes: number | null): string {
  const args = JSON.stringify({ paths, rangeStartBytes, entryWaitMs: ENTRY_WAIT_MS });
  return `(async ({ paths, rangeStartBytes, entryWaitMs }) => {
  performance.clearResourceTimings();
  performance.setResourceTimingBufferSize(paths.length + 100);
  const init = { cache: 'no-store', headers: rangeStartBytes === null ? {} : { Range: 'bytes=' + rangeStartBytes + '-' } };
  const bodies = new Map();
  const results = await Promise.all(paths.map(async (path) => {
    const url = new URL(path, location.href).href;
    try {
      const response = await fetch(path, init);
      const result = { path, url: response.url, status: response.status, bytes: 0 };
      const chunks = [];
      if (response.body) {
        const reader = response.body.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          result.bytes += value.byteLength;
          chunks.push(value);
        }
      }
      bodies.set(result, chunks);
      return result;
    } catch (error) {
      return { path, url, error: String(error) };
    }
  }));
  const wanted = results.filter((r) => r.error === undefined).length;
  const entries = () => performance.getEntriesByType('resource');
  for (let waited = 0; entries().length < wanted && waited < entryWaitMs; waited += 5) await new Promise((r) => setTimeout(r, 5));
  const timed = entries().map((e) => e.toJSON());
  // The timings are taken: only now the bodies are checked.
  const check = ${PAGE_BODY_CHECK};
  for (const [result, chunks] of bodies) Object.assign(result, check(chunks, rangeStartBytes ?? 0));
  bodies.clear();
  return { results, entries: timed };
})(${args})`;
}

const entrySchema = z.object({
  name: z.string(),
  startTime: z.number(),
  fetchStart: z.number(),
  connectStart: z.number(),
  secureConnectionStart: z.number(),
  connectEnd: z.number(),
  requestStart: z.number(),
  responseStart: z.number(),
  responseEnd: z.number(),
  nextHopProtocol: z.string(),
  encodedBodySize: z.number(),
  decodedBodySize: z.number(),
  transferSize: z.number(),
});
export type ResourceEntry = z.infer<typeof entrySchema>;

const fetchResultSchema = z.object({
  path: z.string(),
  url: z.string(),
  status: z.number().optional(),
  bytes: z.number().optional(),
  /** The page's pattern check (PAGE_BODY_CHECK): bytes right before the first wrong one, and that one. */
  verifiedBytes: z.number().optional(),
  mismatch: z.object({ offset: z.number(), found: z.number(), expected: z.number() }).nullable().optional(),
  error: z.string().optional(),
});
export type FetchResult = z.infer<typeof fetchResultSchema>;

export const pageResultSchema = z.object({ results: z.array(fetchResultSchema), entries: z.array(entrySchema) });
export type PageResult = z.infer<typeof pageResultSchema>;

/** Each fetch's Resource Timing entry, in fetch order. Entries of the same URL go to that URL's fetches in order of completion (they cannot be told apart otherwise). */
export function entriesByFetch(page: PageResult): ResourceEntry[] {
  const byUrl = new Map<string, ResourceEntry[]>();
  for (const entry of [...page.entries].sort((a, b) => a.responseEnd - b.responseEnd)) {
    byUrl.set(entry.name, [...(byUrl.get(entry.name) ?? []), entry]);
  }
  return page.results.map((result) => {
    const entry = byUrl.get(result.url)?.shift();
    if (entry === undefined) throw new Error(`chromium: no Resource Timing entry for ${result.url}`);
    return entry;
  });
}

/** The entry of a request that opened a connection of its own (a reused one reports connectStart = connectEnd). */
export function openedConnection(entry: ResourceEntry): boolean {
  return entry.connectEnd > entry.connectStart;
}

/** The object's size as the server sent it (before any content decoding): the whole body, HTTP framing excluded. */
function bodyBytes(entry: ResourceEntry, fetched: FetchResult): number {
  // No lab server encodes its bodies, so the bytes the page read must be the encoded size.
  if (fetched.bytes !== undefined && fetched.bytes !== entry.encodedBodySize) {
    throw new Error(`chromium: ${fetched.url}: the page read ${fetched.bytes} body bytes, Resource Timing says ${entry.encodedBodySize} were received`);
  }
  return entry.encodedBodySize;
}

/** The body bytes the page found to be the lab's pattern; throws naming the first wrong one (as every client does, describeMismatch). */
function verifiedBytes(fetched: FetchResult, what: string): number {
  if (fetched.mismatch) throw new BodyIntegrityError(describeMismatch(fetched.mismatch, what), fetched.mismatch);
  if (fetched.verifiedBytes === undefined || fetched.verifiedBytes !== fetched.bytes) {
    throw new Error(`chromium: ${fetched.url}: the page checked ${fetched.verifiedBytes ?? 'none'} of the ${fetched.bytes ?? '?'} body bytes it read`);
  }
  return fetched.verifiedBytes;
}

/**
 * One fetch on a fresh connection, in ms from the entry's connectStart (Chromium starting to
 * connect: the TCP SYN, or the QUIC Initial). connectMs (TCP only) ends at
 * secureConnectionStart (TLS starts once TCP is connected); handshakeMs at connectEnd (TLS
 * done; for QUIC the QUIC handshake, which Chromium reports in connectStart..connectEnd);
 * ttfbMs at responseStart (first byte of the response); totalMs at responseEnd (last byte).
 * The body's transfer runs from responseStart to responseEnd: Resource Timing has no first
 * body byte, so the headers' arrival stands in for it (as with curl's starttransfer).
 */
export function exchangeTimingsFrom(entry: ResourceEntry, fetched: FetchResult, application: 'h2' | 'h3'): ExchangeTimings {
  if (!openedConnection(entry)) {
    throw new Error(`chromium: ${entry.name} went over a connection that was already open (connectStart = connectEnd): no handshake to time`);
  }
  const origin = entry.connectStart;
  const since = (ms: number): number => ms - origin;
  return {
    // On loopback TCP can connect within Resource Timing's 0.1 ms: secureConnectionStart = connectStart, connectMs 0.
    ...(application === 'h2' && entry.secureConnectionStart > 0 && entry.secureConnectionStart >= origin ? { connectMs: since(entry.secureConnectionStart) } : {}),
    handshakeMs: since(entry.connectEnd),
    ttfbMs: since(entry.responseStart),
    totalMs: since(entry.responseEnd),
    bodyStartMs: since(entry.responseStart),
    bodyEndMs: since(entry.responseEnd),
    bodyBytes: bodyBytes(entry, fetched),
    verifiedBodyBytes: verifiedBytes(fetched, 'body'),
    alpn: entry.nextHopProtocol,
    extraMs: { requestStartMs: since(entry.requestStart) },
  };
}

/**
 * All fetches of a batch, in ms from the connectStart of the first connection opened. Each
 * object's completedMs is its responseEnd; bytes its encodedBodySize. `connections` is what
 * the caller counted (distinct connection ids Chromium reported), or else the number of
 * fetches that opened a connection. Each object's verifiedBytes: what the page's check found right
 * (a wrong byte throws, naming the object and the byte).
 */
export function batchTimingsFrom(entries: readonly ResourceEntry[], fetched: readonly FetchResult[], connections: number | null): BatchTimings {
  const opened = entries.filter(openedConnection).sort((a, b) => a.connectStart - b.connectStart);
  const first = opened[0];
  if (first === undefined) throw new Error('chromium: no fetch of the batch opened a connection: no handshake to time');
  const origin = first.connectStart;
  const objects = entries.map((entry, i) => {
    const result = fetched[i] as FetchResult;
    return { path: result.path, bytes: bodyBytes(entry, result), completedMs: entry.responseEnd - origin, verifiedBytes: verifiedBytes(result, `object ${i + 1}'s body`) };
  });
  return {
    handshakeMs: first.connectEnd - origin,
    objects,
    totalMs: Math.max(...objects.map((o) => o.completedMs)),
    connections: connections ?? opened.length,
  };
}
