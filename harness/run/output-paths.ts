// Output paths, checked before a run and written after it. A directory is never created by
// recursion into an unknown path (Node 20's recursive mkdir never settles under /proc): its
// parent must already be a writable directory. A result that cannot go where it was asked
// goes to a fallback place, and the run says where.
import { constants } from 'node:fs';
import { access, mkdir, mkdtemp, realpath, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from '../files/atomic-write.js';
import { RunOptionsError } from './options.js';

/** Kernel file systems: nothing the lab writes belongs there. */
const PSEUDO_ROOTS = ['/proc', '/sys', '/dev'];

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
  if (PSEUDO_ROOTS.some((root) => real === root || real.startsWith(`${root}/`))) throw new RunOptionsError(`${flag}: ${path} is on a kernel file system (${real})`);
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
  const absolute = resolve(path);
  const exists = await stat(absolute).then(
    () => true,
    () => false,
  );
  await realDirectory(exists ? absolute : dirname(absolute), flag);
}

/** A file to write: not a directory, in a writable directory that exists. */
export async function checkOutputFile(path: string, flag: string): Promise<void> {
  const absolute = resolve(path);
  const info = await stat(absolute).catch(() => null);
  if (info?.isDirectory()) throw new RunOptionsError(`${flag}: ${path} is a directory; give a file name`);
  await realDirectory(dirname(absolute), flag);
}

/** Makes `dir` if missing: one level only, its parent was checked before the run. */
export async function ensureOutputDirectory(dir: string): Promise<void> {
  await mkdir(resolve(dir)).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
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
      await ensureOutputDirectory(dirname(path));
      await writeFileAtomic(path, text);
      written.paths.push(path);
    } catch (error) {
      written.failures.push(`${path}: ${describe(error)}`);
    }
  }
  if (written.paths.length === 0 && paths.length > 0) {
    const dir = await mkdtemp(join(tmpdir(), 'quic-lab-result-'));
    const path = join(dir, basename(paths[0] as string));
    await writeFileAtomic(path, text);
    written.paths.push(path);
    written.fallback = path;
  }
  return written;
}
