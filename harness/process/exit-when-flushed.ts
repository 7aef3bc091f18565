// process.exit() drops what is still queued for a pipe: a report piped into `wc -c` was cut at
// 64 KiB. Each stream's write callbacks run in order, so an empty write's callback means all
// earlier output has reached the reader (or the reader is gone).
import type { Writable } from 'node:stream';

function flushed(stream: Writable): Promise<void> {
  if (stream.destroyed || !stream.writable) return Promise.resolve();
  return new Promise((resolve) => {
    stream.write('', () => resolve());
  });
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
