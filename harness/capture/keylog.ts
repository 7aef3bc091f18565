// The TLS key log (NSS SSLKEYLOGFILE format) the clients write: "<LABEL> <client random hex>
// <secret hex>" per line. Read to decrypt what tshark could not (./quic-decrypt.ts).
import { readFile } from 'node:fs/promises';
import { KEY_LOG_LINE } from '../files/key-log-lines.js';

/** Client random (lowercase hex) -> label (SERVER_TRAFFIC_SECRET_0, ...) -> secret. */
export type KeyLog = Map<string, Map<string, Buffer>>;

/**
 * Parses a key log. Comments, blank lines and malformed lines (say, a half-written last line
 * of a log several clients append to) are skipped; a repeated label keeps the last secret.
 */
export function parseKeyLog(text: string): KeyLog {
  const keylog: KeyLog = new Map();
  for (const line of text.split('\n')) {
    const match = KEY_LOG_LINE.exec(line);
    if (match === null) continue;
    const [, label = '', random = '', secret = ''] = match;
    const client = random.toLowerCase();
    const secrets = keylog.get(client) ?? new Map<string, Buffer>();
    secrets.set(label, Buffer.from(secret, 'hex'));
    keylog.set(client, secrets);
  }
  return keylog;
}

/** Reads and parses a key log file. */
export async function readKeyLog(file: string): Promise<KeyLog> {
  return parseKeyLog(await readFile(file, 'utf8'));
}
