// Request bodies for clients that upload a file (gtlsclient --data=PATH, smbclient put): one
// file per size, written once in a private directory and reused by every exchange of that size
// (a 100 MB body is not rewritten per sample), removed by dispose().
import { join } from 'node:path';
import { writeGeneratedFile } from '../files/generated-file.js';
import { makePrivateDir, type PrivateDir } from '../files/private-dir.js';

export class GeneratedBodyFiles {
  private dir: Promise<PrivateDir> | undefined;
  private readonly files = new Map<number, Promise<string>>();

  /** Path of a file holding the lab's generated body (files/generated-body.ts) of `bytes` bytes. */
  file(bytes: number): Promise<string> {
    if (!Number.isSafeInteger(bytes) || bytes < 0) throw new Error(`upload size must be a non-negative integer, got ${bytes}`);
    let file = this.files.get(bytes);
    if (file === undefined) {
      file = this.write(bytes);
      this.files.set(bytes, file);
      file.catch(() => this.files.delete(bytes)); // a failed write is retried next time
    }
    return file;
  }

  async dispose(): Promise<void> {
    const dir = this.dir;
    this.dir = undefined;
    this.files.clear();
    await (await dir?.catch(() => undefined))?.remove();
  }

  private async write(bytes: number): Promise<string> {
    this.dir ??= makePrivateDir('quic-lab-gtlsclient-bodies-');
    const path = join((await this.dir).path, `body-${bytes}`);
    await writeGeneratedFile(path, bytes);
    return path;
  }
}
