// Output paths, checked before a run and written after it. A directory is never created by
// recursion into an unknown path (Node 20's recursive mkdir never settles under /proc): its
// parent must already be a writable directory. A result that cannot go where it was asked
// goes to a fallback place, and the run says where.
import { constants } from 'node:fs';
import { access, lstat, mkdtemp, realpath, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from '../files/atomic-write.js';
import { RunOptionsError } from './options.js';

/** Kernel file systems: nothing the lab writes belongs there (/dev/shm is memory, and fine). */
const PSEUDO_ROOTS = ['/proc', '/sys', '/dev'];
const WRITABLE_UNDER_PSEUDO = ['/dev/shm'];
/** A file name's limit, less what writeFileAtomic adds for its temporary file ("." + ".<12 hex>.tmp"). */
const MAX_NAME_BYTES = 255 - 18;

function underPseudoRoot(real: string): boolean {
  const under = (root: string) => real === root || real.startsWith(`${root}/`);
  return PSEUDO_ROOTS.some(under) && !WRITABLE_UNDER_PSEUDO.some(under);
}

/** Refuses what no check of the directory can catch: an empty path, a name too long, a link to nothing. */
async function checkName(path: string, flag: string): Promise<string> {
  if (path.trim() === '') throw new RunOptionsError(`${flag}: an empty path`);
  const absolute = resolve(path);
  if (Buffer.byteLength(basename(absolute)) > MAX_NAME_BYTES) throw new RunOptionsError(`${flag}: the name ${basename(absolute).slice(0, 20)}... is longer than ${MAX_NAME_BYTES} bytes`);
  const link = await lstat(absolute).catch(() => null);
  if (link?.isSymbolicLink() && (await stat(absolute).catch(() => null)) === null) throw new RunOptionsError(`${flag}: ${path} is a symbolic link to nothing`);
  return absolute;
}

function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code ?? (error instanceof Error ? error.message : String(error));
}

async function realDirectory(path: string, flag: string): Promise<string> {
  let real: string;
  try {
    real = await realpath(path);
  } catch (error) {
    throw new RunOptionsError(`${flag}: ${path} does not exist (${describe(error)})`);
  }
  if (underPseudoRoot(real)) throw new RunOptionsError(`${flag}: ${path} is on a kernel file system (${real})`);
  const info = await stat(real);
  if (!info.isDirectory()) throw new RunOptionsError(`${flag}: ${path} is not a directory`);
  try {
    await access(real, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw new RunOptionsError(`${flag}: ${path} is not writable (${describe(error)})`);
  }
  return real;
}

/** A directory to write into: it exists and is writable, or its parent does and is. */
export async function checkOutputDirectory(path: string, flag: string): Promise<void> {
  const absolute = await checkName(path, flag);
  const exists = await stat(absolute).then(
    () => true,
    () => false,
  );
  await realDirectory(exists ? absolute : dirname(absolute), flag);
}

/** A file to write: not a directory, in a writable directory that exists. */
export async function checkOutputFile(path: string, flag: string): Promise<void> {
  if (/[/\\]$/.test(path)) throw new RunOptionsError(`${flag}: ${path} ends with a slash; give a file name`);
  const absolute = await checkName(path, flag);
  const info = await stat(absolute).catch(() => null);
  if (info?.isDirectory()) throw new RunOptionsError(`${flag}: ${path} is a directory; give a file name`);
  await realDirectory(dirname(absolute), flag);
}

export interface WrittenOutput {
  /** Paths written. */
  paths: string[];
  /** Paths that could not be written, and why. */
  failures: string[];
  /** Where the text went when no asked-for path took it. */
  fallback?: string;
}

/** Writes `text` to every path; when none takes it, to a private directory under the system's temp. */
export async function writeEverywhere(text: string, paths: readonly string[]): Promise<WrittenOutput> {
  const written: WrittenOutput = { paths: [], failures: [] };
  for (const path of paths) {
    try {
      // writeFileAtomic makes a missing directory: at most one level, its parent was checked before the run.
      await writeFileAtomic(path, text);
      written.paths.push(path);
    } catch (error) {
      written.failures.push(`${path}: ${describe(error)}`);
    }
  }
  if (written.paths.length === 0 && paths.length > 0) {
    const dir = await mkdtemp(join(tmpdir(), 'quic-lab-result-'));
    const asked = basename(paths[0] as string);
    const path = join(dir, Buffer.byteLength(asked) <= 100 ? asked : 'result.json');
    await writeFileAtomic(path, text);
    written.paths.push(path);
    written.fallback = path;
  }
  return written;
}
