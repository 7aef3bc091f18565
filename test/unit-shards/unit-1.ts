// One of the unit suite's shards (see shard.ts).
import { runShard } from './shard.js';

await runShard(import.meta.url);
