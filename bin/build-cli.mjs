// The CLI built to JavaScript once: esbuild bundles harness/cli.ts and its npm packages into
// build/, and the build is redone when a source is newer than build/stamp.
// Plain JavaScript so that checking costs a few milliseconds and no TypeScript compiler;
// esbuild is loaded only when a build is needed.
import { mkdirSync, readdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILD_DIR, CLI_FILE, PROGRAMS, ROOT, STAMP_FILE, staleReason } from './build-state.mjs';

/** Chunks of earlier builds are kept this long: a CLI started before a build may still load one. */
const CHUNK_KEEP_MS = 24 * 3600 * 1000;

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
    // esbuild too: only a build loads it.
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
