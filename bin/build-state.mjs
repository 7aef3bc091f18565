// What the build (build-cli.mjs) left, read without building or loading esbuild: whether it is
// current, and the built file of a program. No side effects, so that the harness can import it
// (managed-process.ts, for the built programs) into its own bundle.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** This project's root: bin/ is directly under it. */
export const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
/** Directories whose .ts files go into the bundle. */
export const SOURCE_DIRS = ['harness', 'scenarios'];
/** Files that change the bundle without being in it: dependencies, compiler settings, this build. */
export const SOURCE_FILES = ['package.json', 'package-lock.json', 'tsconfig.json', 'bin/build-cli.mjs', 'bin/build-state.mjs'];
export const BUILD_DIR = 'build';
export const CLI_FILE = 'cli.mjs';
/**
 * Programs the harness starts often (in the lab's namespaces), built beside the CLI so that
 * they start without tsx: their source path from the root -> their built file in BUILD_DIR.
 */
export const PROGRAMS = { 'harness/lab/probe-program.ts': 'probe-program.mjs' };
/** Its modification time is the time the last build started. */
export const STAMP_FILE = 'stamp';

/** The newest modification time (ms) of the bundle's sources under `root`, and its file. */
export function newestSource(root) {
  let newest = { path: '', mtimeMs: 0 };
  const consider = (path) => {
    const { mtimeMs } = statSync(path);
    if (mtimeMs > newest.mtimeMs) newest = { path, mtimeMs };
  };
  for (const dir of SOURCE_DIRS) {
    if (!existsSync(join(root, dir))) continue;
    for (const entry of readdirSync(join(root, dir), { recursive: true, withFileTypes: true })) {
      if (entry.isFile() && entry.name.endsWith('.ts')) consider(join(entry.parentPath ?? entry.path, entry.name));
    }
  }
  for (const file of SOURCE_FILES) if (existsSync(join(root, file))) consider(join(root, file));
  return newest;
}

/** Why the build under `root` must be redone, or undefined when it is current. */
export function staleReason(root) {
  const cli = join(root, BUILD_DIR, CLI_FILE);
  const stamp = join(root, BUILD_DIR, STAMP_FILE);
  if (!existsSync(cli) || !existsSync(stamp)) return 'no build yet';
  const stampMs = statSync(stamp).mtimeMs;
  const newest = newestSource(root);
  return newest.mtimeMs > stampMs ? `${relative(root, newest.path)} changed` : undefined;
}

/**
 * The built file of `source` (a PROGRAMS key) under `root` when the build is current and has
 * it, else undefined (then the caller runs the source through tsx). A file older than the
 * stamp is a leftover of an earlier build, not this one's.
 */
export function builtProgram(root, source) {
  const built = PROGRAMS[source];
  if (built === undefined || staleReason(root) !== undefined) return undefined;
  const path = join(root, BUILD_DIR, built);
  if (!existsSync(path) || statSync(path).mtimeMs < statSync(join(root, BUILD_DIR, STAMP_FILE)).mtimeMs) return undefined;
  return path;
}
