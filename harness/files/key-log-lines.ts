// TLS key log lines (NSS SSLKEYLOGFILE format: "<LABEL> <client random hex> <secret hex>"), and
// the copy of a key log that an unprivileged program wrote into the run's own, root's one.
import { appendFile, constants, open } from 'node:fs/promises';

/** One well-formed key log line: label, client random, secret. */
export const KEY_LOG_LINE = /^([A-Z0-9_]+) ([0-9a-fA-F]{64}) ((?:[0-9a-fA-F]{2})+)\s*$/;

/** More than any one browser's secrets (a handful of lines a connection): the rest is not read. */
const MAX_KEY_LOG_BYTES = 1024 * 1024;

/**
 * Appends the well-formed lines of `from` (a key log another user's program wrote, so a link
 * is not followed, only a regular file is read, and only up to MAX_KEY_LOG_BYTES) to `to`.
 * Resolves with the number of lines copied; a missing `from` (no secrets written) copies none.
 */
export async function appendKeyLog(from: string, to: string): Promise<number> {
  const file = await open(from, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw new Error(`cannot read the key log ${from}: ${error.message}`);
  });
  if (file === null) return 0;
  let text: string;
  try {
    if (!(await file.stat()).isFile()) throw new Error(`the key log ${from} is not a regular file`);
    const { buffer, bytesRead } = await file.read(Buffer.alloc(MAX_KEY_LOG_BYTES), 0, MAX_KEY_LOG_BYTES, 0);
    text = buffer.toString('latin1', 0, bytesRead);
  } finally {
    await file.close();
  }
  const lines = text.split('\n').filter((line) => KEY_LOG_LINE.test(line));
  if (lines.length > 0) await appendFile(to, lines.map((line) => `${line.trimEnd()}\n`).join(''));
  return lines.length;
}
