// The unit suite in a few processes instead of one per file: each tap process costs about
// half a second of start-up (tap's plugins, tsx), which was most of `npm run test:unit`'s
// time. A shard file (`unit-N.ts`, N from 1 to the number of shard files here) imports its
// share of the unit test files; their tests then run as top-level tests of that process.
// `npx tap test/some/file.test.ts` still runs one file on its own.
import { readdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const TEST_ROOT = resolve(HERE, '..');
const SHARD_FILE = /^unit-(\d+)\.ts$/;

/** Every unit test file (not `*.live.test.ts`), relative to test/, sorted. */
export async function unitTestFiles(): Promise<string[]> {
  const names = await readdir(TEST_ROOT, { recursive: true });
  return names
    .map((name) => name.split('\\').join('/'))
    .filter((name) => name.endsWith('.test.ts') && !name.endsWith('.live.test.ts'))
    .sort();
}

/**
 * Shard k of n takes every n-th file from the k-th on. The slow files (key generation, the
 * scheduler's and CLI tests) are spread through the sorted list, so this balances well
 * enough; tap runs the shards two at a time and starts the next when one ends.
 */
export function shardOf<T>(files: readonly T[], shard: number, shards: number): T[] {
  if (!Number.isInteger(shards) || shards < 1 || !Number.isInteger(shard) || shard < 1 || shard > shards) {
    throw new Error(`shard ${shard} of ${shards}: a shard is a whole number from 1 to the number of shards`);
  }
  return files.filter((_, index) => index % shards === shard - 1);
}

/** Imports the unit test files of the shard whose file is `shardUrl` (a `unit-N.ts` here). */
export async function runShard(shardUrl: string): Promise<void> {
  const shardName = basename(fileURLToPath(shardUrl));
  const shard = Number(SHARD_FILE.exec(shardName)?.[1]);
  const shards = (await readdir(HERE)).filter((name) => SHARD_FILE.test(name)).length;
  for (const file of shardOf(await unitTestFiles(), shard, shards)) {
    await import(pathToFileURL(join(TEST_ROOT, file)).href);
  }
}
