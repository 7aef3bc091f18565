// Request bodies for gtlsclient, which uploads a file (--data=PATH): one file per size,
// written once in a private directory and reused by every exchange of that size (a 100 MB
// body is not rewritten per sample), removed by dispose().
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onCleanup } from '../process/cleanup.js';
import { generatedChunks } from './generated-body.js';

/** Bytes per write(2): large, so writing 100 MB takes a few hundred calls. */
const WRITE_BYTES = 4 * 1024 * 1024;

export class GeneratedBodyFiles {
  private dir: Promise<string> | undefined;
  private unregister: (() => void) | undefined;
  private readonly files = new Map<number, Promise<string>>();

  /** Path of a file holding the lab's generated body (generated-body.ts) of `bytes` bytes. */
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
    if (dir !== undefined) await rm(await dir.catch(() => ''), { recursive: true, force: true });
    this.unregister?.();
    this.unregister = undefined;
  }

  private directory(): Promise<string> {
    this.dir ??= mkdtemp(join(tmpdir(), 'quic-lab-gtlsclient-bodies-')).then((dir) => {
      this.unregister = onCleanup('remove gtlsclient upload bodies', () => rm(dir, { recursive: true, force: true }));
      return dir;
    });
    return this.dir;
  }

  private async write(bytes: number): Promise<string> {
    const path = join(await this.directory(), `body-${bytes}`);
    const handle = await open(path, 'w', 0o600);
    const writeAll = async (buffer: Buffer): Promise<void> => {
      for (let done = 0; done < buffer.length; ) done += (await handle.write(buffer, done)).bytesWritten;
    };
    try {
      let batch: Buffer[] = [];
      let batched = 0;
      for (const chunk of generatedChunks(bytes)) {
        batch.push(chunk);
        batched += chunk.length;
        if (batched >= WRITE_BYTES) {
          await writeAll(Buffer.concat(batch, batched));
          batch = [];
          batched = 0;
        }
      }
      if (batched > 0) await writeAll(Buffer.concat(batch, batched));
    } finally {
      await handle.close();
    }
    return path;
  }
}
