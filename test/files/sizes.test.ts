import t from 'tap';
import { formatSize } from '../../harness/files/sizes.js';

t.test('sizes in case ids', async (t) => {
  t.same([1_000_000, 10_000_000, 100_000_000, 100_000, 1500, 1_048_576, 2e9].map(formatSize), ['1MB', '10MB', '100MB', '100KB', '1500B', '1048576B', '2GB']);
});
