// The lab's bodies as files, for servers that serve files rather than generate them (Caddy,
// ngtcp2's gtlsserver): for each size N, the generated body of N bytes (generated-body.ts:
// byte i = i mod 251) written once by GeneratedBodyFiles and hard-linked into the served
// directory as "N", so "/N" is that file. A test can change a byte of a served file
// (servedFile) to show that the clients catch it.
import { link } from 'node:fs/promises';
import { join } from 'node:path';
import { GeneratedBodyFiles } from './body-files.js';

/**
 * Sizes served from the start: what the scenarios ask for by default (handshake 1 kB;
 * multiplexing 10 kB and 200 kB objects; transfers 1, 2, 4 and 10 MB) and 0 and 1 for priming
 * connections. About 17 MB of files, written in a few tenths of a second; a larger or other size
 * needs prepare().
 */
export const DEFAULT_SERVED_BODY_SIZES: readonly number[] = [0, 1000, 10_000, 100_000, 200_000, 1_000_000, 2_000_000, 4_000_000, 10_000_000];
/** Always served: the bodies the clients' priming connections ask for (gtlsclient /0, undici /1). */
const PRIMING_BODY_SIZES: readonly number[] = [0, 1];
/** The largest "/N" any lab server answers (generated-body.ts's bodySizeFromPath). */
const MAX_BODY_BYTES = 4 * 1024 ** 3;

export class ServedBodies {
  private readonly sizes = new Set<number>();
  private dir: string | undefined;
  private bodies: GeneratedBodyFiles | undefined;
  /** Sizes with a file in the served directory. */
  private readonly linked = new Map<number, Promise<void>>();

  /** `server` names the server in errors. */
  constructor(
    private readonly server: string,
    sizes: readonly number[] = DEFAULT_SERVED_BODY_SIZES,
  ) {
    for (const size of [...PRIMING_BODY_SIZES, ...sizes]) this.sizes.add(this.checkedSize(size));
  }

  /** Body sizes ("/N") served, ascending. */
  get bodySizes(): number[] {
    return [...this.sizes].sort((a, b) => a - b);
  }

  /** Starts serving into `dir` (an empty directory the server serves): every size's file is linked there. */
  async serveIn(dir: string): Promise<void> {
    await this.stop();
    this.dir = dir;
    this.bodies = new GeneratedBodyFiles();
    await Promise.all([...this.sizes].map((size) => this.linkBody(size)));
  }

  /** Makes "/N" servable for each size: now when serving (resolves once the files are in place), otherwise at serveIn(). */
  async prepare(sizes: Iterable<number>): Promise<void> {
    const wanted = [...sizes].map((size) => this.checkedSize(size));
    for (const size of wanted) this.sizes.add(size);
    if (this.dir !== undefined) await Promise.all(wanted.map((size) => this.linkBody(size)));
  }

  /**
   * The file served for "/N" while serving. Changing it in place (not replacing it) changes what
   * the server sends, also for a server that keeps the file open or mapped (gtlsserver does).
   */
  async servedFile(size: number): Promise<string> {
    if (this.dir === undefined) throw new Error(`${this.server}: not serving (start the server first)`);
    if (!this.sizes.has(size)) throw new Error(`${this.server}: no body of ${size} bytes is served`);
    await this.linkBody(size);
    return join(this.dir, String(size));
  }

  /** Stops serving: the files go (the served directory is the server's to remove). */
  async stop(): Promise<void> {
    this.dir = undefined;
    this.linked.clear();
    await this.bodies?.dispose();
    this.bodies = undefined;
  }

  /** Writes (once) the body of `size` bytes and links it into the served directory as "size". */
  private linkBody(size: number): Promise<void> {
    let done = this.linked.get(size);
    if (done === undefined) {
      const dir = this.dir;
      const bodies = this.bodies;
      if (dir === undefined || bodies === undefined) return Promise.resolve();
      done = bodies.file(size).then((file) => link(file, join(dir, String(size))));
      this.linked.set(size, done);
      done.catch(() => this.linked.delete(size));
    }
    return done;
  }

  private checkedSize(size: number): number {
    if (!Number.isSafeInteger(size) || size < 0 || size > MAX_BODY_BYTES) throw new Error(`${this.server}: a body size must be an integer from 0 to ${MAX_BODY_BYTES}, got ${size}`);
    return size;
  }
}
