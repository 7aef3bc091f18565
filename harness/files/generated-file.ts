// A file holding the lab's generated body (generated-body.ts here: byte i = i mod 251) of N bytes:
// what the SMB server serves and what the SMB client uploads, so either end can be checked.
import { chown, open, rename, stat } from 'node:fs/promises';
import { generatedChunks } from './generated-body.js';

/** Bytes per write(2): large, so 100 MB takes a few dozen calls. */
const WRITE_BYTES = 4 * 1024 * 1024;

/**
 * Writes the generated body of `size` bytes to `path` (mode 0600), through a temporary name so
 * the file appears complete or not at all; `owner` gets it when given.
 */
export async function writeGeneratedFile(path: string, size: number, owner?: { uid: number; gid: number }): Promise<void> {
  const partial = `${path}.partial`;
  const handle = await open(partial, 'w', 0o600);
  try {
    let batch: Buffer[] = [];
    let batched = 0;
    const flush = async (): Promise<void> => {
      const buffer = Buffer.concat(batch, batched);
      for (let done = 0; done < buffer.length;) done += (await handle.write(buffer, done)).bytesWritten;
      batch = [];
      batched = 0;
    };
    for (const chunk of generatedChunks(size)) {
      batch.push(chunk);
      batched += chunk.length;
      if (batched >= WRITE_BYTES) await flush();
    }
    if (batched > 0) await flush();
  } finally {
    await handle.close();
  }
  if (owner) await chown(partial, owner.uid, owner.gid);
  await rename(partial, path);
  const written = (await stat(path)).size;
  if (written !== size) throw new Error(`${path} has ${written} bytes, expected ${size}`);
}
