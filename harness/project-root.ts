// Where this project lives, found the same way from a source file run by tsx and from the
// bundled CLI in build/: the nearest directory above this module whose package.json is
// quic-lab's. Paths to the project's files (child scripts, native helpers, certs/, results/)
// are built from it, never from a module's own location, which a bundle changes.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const PACKAGE_NAME = 'quic-lab';

/** The directory at or above `start` holding quic-lab's package.json. */
export function findProjectRoot(start: string): string {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === PACKAGE_NAME) return dir;
    if (dirname(dir) === dir) throw new Error(`no ${PACKAGE_NAME} package.json at or above ${start}`);
  }
}

export const PROJECT_ROOT = findProjectRoot(dirname(fileURLToPath(import.meta.url)));

/** A file of the project by its path from the root, e.g. `projectPath('harness/lab/probe-main.ts')`. */
export function projectPath(...segments: string[]): string {
  return join(PROJECT_ROOT, ...segments);
}

/**
 * Whether the module at `moduleUrl` is the script this process was started with. Child scripts
 * run from their .ts sources (through tsx), so a module inside the bundled CLI (build/*.mjs,
 * where every module shares the bundle's URL) is never one.
 */
export function isMainModule(moduleUrl: string): boolean {
  const entry = process.argv[1];
  return entry !== undefined && moduleUrl.endsWith('.ts') && moduleUrl === pathToFileURL(resolve(entry)).href;
}
