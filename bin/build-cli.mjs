// The CLI built to JavaScript once: esbuild bundles harness/cli.ts and its npm packages into
// build/, and the build is redone when a source is newer than build/stamp.
// Plain JavaScript so that checking costs a few milliseconds and no TypeScript compiler;
// esbuild is loaded only when a build is needed.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** This project's root: bin/ is directly under it. */
export const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
/** Directories whose .ts files go into the bundle. */
export const SOURCE_DIRS = ['harness', 'scenarios'];
/** Files that change the bundle without being in it: dependencies, compiler settings, this build. */
export const SOURCE_FILES = ['package.json', 'package-lock.json', 'tsconfig.json', 'bin/build-cli.mjs'];
export const BUILD_DIR = 'build';
export const CLI_FILE = 'cli.mjs';
/**
 * Programs the harness starts often (in the lab's namespaces), built beside the CLI so that
 * they start without tsx: their source path from the root -> their built file in BUILD_DIR.
 */
export const PROGRAMS = { 'harness/lab/probe-program.ts': 'probe-program.mjs' };
/** Its modification time is the time the last build started. */
export const STAMP_FILE = 'stamp';
const CHUNK_KEEP_MS = 24 * 3600 * 1000;

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

/** Bundles harness/cli.ts under `root` into BUILD_DIR; each file is written whole (temp file, rename). */
export async function buildCli(root) {
  const startedMs = Date.now();
  const { build } = await import('esbuild');
  const outdir = join(root, BUILD_DIR);
  const result = await build({
    absWorkingDir: root,
    entryPoints: { cli: 'harness/cli.ts', ...Object.fromEntries(Object.entries(PROGRAMS).map(([source, built]) => [built.replace(/\.mjs$/, ''), source])) },
    bundle: true,
    splitting: true, // the HTML report (and vega) stays a chunk loaded only when asked for
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // npm packages go into the bundle (one file loads much faster than hundreds), except
    // @matrixai/quic and better-sqlite3 (native addons), vega (large, and only the HTML report needs it)
    // and @fails-components/webtransport (it imports its optional HTTP/3 addon, not installed, by name).
    // esbuild too: the harness reads the build's state (builtProgram) from this file, which loads esbuild only to build.
    external: ['@matrixai/quic', 'better-sqlite3', 'vega', 'vega-lite', '@fails-components/webtransport', 'esbuild'],
    // CommonJS packages in an ES module bundle: their require() of Node's builtins.
    banner: { js: "import { createRequire as __quicLabCreateRequire } from 'node:module'; const require = __quicLabCreateRequire(import.meta.url);" },
    minify: true,
    keepNames: true, // error and class names read as written
    outdir,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunk-[hash]',
    sourcemap: 'linked',
    logLevel: 'error',
    write: false,
  });
  mkdirSync(outdir, { recursive: true });
  // Chunks first and the entries last, so a CLI or program starting meanwhile never imports a missing chunk.
  const isEntry = (path) => !path.slice(path.lastIndexOf('/') + 1).startsWith('chunk-');
  const files = [...result.outputFiles].sort((a, b) => Number(isEntry(a.path)) - Number(isEntry(b.path)));
  for (const file of files) {
    const temp = `${file.path}.${process.pid}.tmp`;
    writeFileSync(temp, file.contents);
    renameSync(temp, file.path);
  }
  // Chunks of earlier builds stay a day: a CLI started before this build may still load one.
  const current = new Set(files.map((file) => file.path));
  for (const name of readdirSync(outdir)) {
    const path = join(outdir, name);
    if (name.startsWith('chunk-') && !current.has(path) && !current.has(path.replace(/\.map$/, '')) && statSync(path).mtimeMs < startedMs - CHUNK_KEEP_MS) rmSync(path, { force: true });
  }
  const stamp = join(outdir, STAMP_FILE);
  writeFileSync(stamp, "built from the sources as of this file's modification time\n");
  // A source saved during the build is newer than the stamp: the next start builds again.
  utimesSync(stamp, startedMs / 1000, startedMs / 1000);
  return join(outdir, CLI_FILE);
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

/** The built CLI's path, building it first when it is missing or older than a source. */
export async function ensureCli(root = ROOT) {
  const reason = staleReason(root);
  if (reason === undefined) return join(root, BUILD_DIR, CLI_FILE);
  if (process.env.QUIC_LAB_BUILD_QUIET !== '1') process.stderr.write(`building the CLI (${reason})\n`);
  return buildCli(root);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  // node bin/build-cli.mjs: build now, whatever the stamp says (npm run build, setup).
  await buildCli(ROOT);
}
