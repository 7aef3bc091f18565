// Every lab server serves a generated body of N bytes for the path "/N" (as ngtcp2's does).
import type { Writable } from 'node:stream';

const MAX_BODY_BYTES = 4 * 1024 ** 3;
const CHUNK = Buffer.alloc(64 * 1024, 'x');

/** N for "/N" (an optional query is ignored), or null for any other path. */
export function bodySizeFromPath(path: string): number | null {
  const match = /^\/(\d{1,10})(?:\?.*)?$/.exec(path);
  if (!match?.[1]) return null;
  const size = Number(match[1]);
  return size <= MAX_BODY_BYTES ? size : null;
}

/** Writes `size` bytes with backpressure, then ends the stream. */
export function writeGeneratedBody(stream: Writable, size: number): void {
  let remaining = size;
  const pump = (): void => {
    while (remaining > 0) {
      const length = Math.min(remaining, CHUNK.length);
      remaining -= length;
      if (!stream.write(length === CHUNK.length ? CHUNK : CHUNK.subarray(0, length))) {
        stream.once('drain', pump);
        return;
      }
    }
    stream.end();
  };
  pump();
}
