// process.exit() drops what is still queued for a pipe: a report piped into `wc -c` was cut at
// 64 KiB. An empty write's callback is no proof that earlier output left (with a socket for
// stdout, as a spawning Node process gives, it ran while 280 KB were still queued), so this
// waits until neither the stream nor libuv holds a byte of it, or the reader is gone.
import type { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

/** Bytes still queued in libuv below a net.Socket stream (stdout on a pipe or socket). */
function queuedInHandle(stream: Writable): number {
  const handle = (stream as Writable & { _handle?: { writeQueueSize?: number } })._handle;
  return handle?.writeQueueSize ?? 0;
}

async function flushed(stream: Writable): Promise<void> {
  while (!stream.destroyed && (stream.writableLength > 0 || queuedInHandle(stream) > 0)) await sleep(5);
}

/** Resolves once stdout and stderr have handed over everything written to them so far. */
export async function stdioFlushed(): Promise<void> {
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
}

/** Exits with `code` once stdout and stderr are drained, whatever timers are still pending. */
export async function exitWhenFlushed(code: number): Promise<never> {
  await stdioFlushed();
  process.exit(code);
}
