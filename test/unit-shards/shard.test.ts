// The unit suite's shards: every unit test file in exactly one shard, no live file in any.
import t from 'tap';
import { readdir } from 'node:fs/promises';
import { shardOf, unitTestFiles } from './shard.js';

t.test('shardOf: every n-th item from the k-th on; a shard outside 1..n is refused', async (t) => {
  const items = ['a', 'b', 'c', 'd', 'e'];
  t.same(shardOf(items, 1, 2), ['a', 'c', 'e']);
  t.same(shardOf(items, 2, 2), ['b', 'd']);
  t.same(shardOf(items, 1, 1), items);
  t.same(shardOf(items, 3, 3), ['c']);
  t.throws(() => shardOf(items, 0, 2), /shard 0 of 2: a shard is a whole number from 1 to the number of shards/);
  t.throws(() => shardOf(items, 3, 2), /shard 3 of 2/);
  t.throws(() => shardOf(items, Number.NaN, 2), /shard NaN of 2/);
});

t.test('the shard files together take every unit test file once, and no live one', async (t) => {
  const files = await unitTestFiles();
  t.ok(files.includes('unit-shards/shard.test.ts'), 'this file is among them');
  t.ok(files.includes('measure/competition.test.ts'));
  t.notOk(
    files.some((f) => f.endsWith('.live.test.ts')),
    'no live test',
  );
  const shards = (await readdir(import.meta.dirname)).filter((name) => /^unit-\d+\.ts$/.test(name)).length;
  t.ok(shards >= 2, `${shards} shard files`);
  const taken = Array.from({ length: shards }, (_, i) => shardOf(files, i + 1, shards)).flat();
  t.same([...taken].sort(), files, 'each file once');
});
