// Checks a body against the lab's generated pattern (generated-body.ts: byte i = i mod 251) as
// it streams in, from any starting offset (a Range or a resumed download starts mid-body).
// Each chunk is compared with views of the pattern buffer (Buffer.equals: memcmp), so 100 MB
// cost a few tens of milliseconds; the exact byte is looked for only once a view differs.
import { createReadStream } from 'node:fs';
import { generatedByteAt, generatedChunks } from './generated-body.js';

/** The first byte that is not the pattern's: its offset in the whole body. */
export interface BodyMismatch {
  offset: number;
  found: number;
  expected: number;
}

export interface BodyCheckResult {
  /** Bytes fed, from the starting offset. */
  bytes: number;
  /** Bytes that matched the pattern before the first mismatch (all of them when there is none). */
  verifiedBytes: number;
  mismatch: BodyMismatch | null;
}

function hex(byte: number): string {
  return `0x${byte.toString(16).padStart(2, '0')}`;
}

/** "body byte 1048577 is 0x00, expected 0x2c". */
export function describeMismatch(mismatch: BodyMismatch, what = 'body'): string {
  return `${what} byte ${mismatch.offset} is ${hex(mismatch.found)}, expected ${hex(mismatch.expected)}`;
}

export class BodyCheck {
  private position: number;
  private fed = 0;
  private firstMismatch: BodyMismatch | null = null;

  /** `startOffset`: the body offset of the first byte fed (a Range's start). */
  constructor(readonly startOffset = 0) {
    if (!Number.isSafeInteger(startOffset) || startOffset < 0) throw new Error(`body check: the starting offset must be a non-negative integer, got ${startOffset}`);
    this.position = startOffset;
  }

  /** Checks the next bytes of the body. After a mismatch, bytes are only counted. */
  update(chunk: Uint8Array): void {
    if (this.firstMismatch === null) {
      let done = 0;
      for (const expected of generatedChunks(chunk.length, this.position)) {
        const got = chunk.subarray(done, done + expected.length);
        if (!expected.equals(got)) {
          const at = got.findIndex((byte, i) => byte !== expected[i]);
          const offset = this.position + done + at;
          this.firstMismatch = { offset, found: got[at] as number, expected: generatedByteAt(offset) };
          break;
        }
        done += expected.length;
      }
    }
    this.position += chunk.length;
    this.fed += chunk.length;
  }

  result(): BodyCheckResult {
    const verifiedBytes = this.firstMismatch === null ? this.fed : this.firstMismatch.offset - this.startOffset;
    return { bytes: this.fed, verifiedBytes, mismatch: this.firstMismatch };
  }

  /** The bytes fed, all verified; throws naming the first wrong byte (the length is the caller's to check). */
  intact(what = 'body'): number {
    const { verifiedBytes, mismatch } = this.result();
    if (mismatch !== null) throw new BodyIntegrityError(describeMismatch(mismatch, what), mismatch);
    return verifiedBytes;
  }

  /**
   * The verified byte count when the body is the pattern and `expectedBytes` long; throws
   * otherwise, naming the first wrong byte (or the length), so the sample fails with it.
   */
  verified(expectedBytes: number, what = 'body'): number {
    const verifiedBytes = this.intact(what);
    const { bytes } = this.result();
    if (bytes !== expectedBytes) throw new BodyIntegrityError(`${what} has ${bytes} bytes from offset ${this.startOffset}, expected ${expectedBytes}`, null);
    return verifiedBytes;
  }
}

/** A body that is not what the server was to send: wrong bytes, or the wrong length. */
export class BodyIntegrityError extends Error {
  constructor(
    message: string,
    readonly mismatch: BodyMismatch | null,
  ) {
    super(message);
    this.name = 'BodyIntegrityError';
  }
}

/** Reads a stream (a file, a FIFO, a pipe) into a check. */
export async function checkStream(stream: AsyncIterable<Uint8Array>, startOffset = 0): Promise<BodyCheck> {
  const check = new BodyCheck(startOffset);
  for await (const chunk of stream) check.update(chunk);
  return check;
}

/** Large reads: 100 MB in a few hundred calls. */
const FILE_READ_BYTES = 1024 * 1024;

/** Checks a whole file (a download saved by a client, a file stored by a server): its verified bytes, or throws. */
export async function verifyGeneratedFile(path: string, expectedBytes: number, what = 'body'): Promise<number> {
  const check = await checkStream(createReadStream(path, { highWaterMark: FILE_READ_BYTES }));
  return check.verified(expectedBytes, what);
}

/**
 * The server's answer to an upload must account for every byte sent: {"receivedBytes": N}, and
 * from a server that checked them against the pattern, "verifiedBytes" and, when one was
 * wrong, "mismatch" ({offset, found, expected}). Returns the bytes the server verified, or null
 * when it did not say (it could not check them); throws naming the first wrong byte.
 */
export function checkUploadAnswer(text: string, expected: number, sent: number): number | null {
  let answer: { receivedBytes?: unknown; verifiedBytes?: unknown; mismatch?: unknown };
  try {
    answer = JSON.parse(text) as typeof answer;
  } catch {
    throw new Error(`upload: the server's answer is not JSON: ${text.slice(0, 200)}`);
  }
  if (sent !== expected) throw new Error(`upload: sent ${sent} bytes, meant to send ${expected}`);
  const mismatch = answer.mismatch as BodyMismatch | undefined | null;
  if (mismatch !== undefined && mismatch !== null) throw new BodyIntegrityError(`upload: the server received ${describeMismatch(mismatch, 'body')}`, mismatch);
  if (answer.receivedBytes !== expected) throw new Error(`upload: the server received ${JSON.stringify(answer.receivedBytes)} bytes of ${expected}`);
  if (answer.verifiedBytes === undefined) return null;
  if (answer.verifiedBytes !== expected) throw new Error(`upload: the server verified ${JSON.stringify(answer.verifiedBytes)} bytes of ${expected}`);
  return expected;
}
