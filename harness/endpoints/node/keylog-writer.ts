// Appends TLS key log lines (NSS format, from node:tls 'keylog' events) to a private file
// without blocking the event loop during a timed handshake.
import { appendFile } from 'node:fs/promises';

export class KeylogWriter {
  private pending: Promise<void> = Promise.resolve();

  constructor(private readonly file: string) {}

  write(line: Buffer): void {
    this.pending = this.pending.then(() => appendFile(this.file, line, { mode: 0o600 }));
  }

  /** Resolves once every line so far is in the file. */
  flush(): Promise<void> {
    return this.pending;
  }
}
