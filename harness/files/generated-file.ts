// A file holding the lab's generated body (generated-body.ts here: byte i = i mod 251) of N bytes:
// what the SMB server serves and what the SMB client uploads, so either end can be checked.
import { constants } from 'node:fs';
import { lstat, open, rename, rm } from 'node:fs/promises';
import { generatedChunks } from './generated-body.js';

/** Bytes per write(2): large, so 100 MB takes a few dozen calls. */
const WRITE_BYTES = 4 * 1024 * 1024;

/**
 * Creating the temporary file: a new file only (O_EXCL), never through a symlink (O_NOFOLLOW).
 * The directory may be writable by someone else (the Samba share is the SMB account's), who
 * could plant a link at the temporary name to have root write or chown another file.
 */
const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/**
 * Writes the generated body of `size` bytes to `path` (mode 0600), through a temporary name so
 * the file appears complete or not at all; `owner` gets it when given.
 */
export async function writeGeneratedFile(path: string, size: number, owner?: { uid: number; gid: number }): Promise<void> {
  const partial = `${path}.partial`;
  await rm(partial, { force: true }); // a leftover (or a planted link) is unlinked, not followed
  const handle = await open(partial, CREATE_NEW, 0o600);
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
    if (owner) await handle.chown(owner.uid, owner.gid); // fchown: the file written, whatever the name points to now
  } finally {
    await handle.close();
  }
  await rename(partial, path); // replaces a link at `path` itself, never its target
  const written = (await lstat(path)).size;
  if (written !== size) throw new Error(`${path} has ${written} bytes, expected ${size}`);
}
