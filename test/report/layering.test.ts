// report/ renders results; results/ never imports report/ (one direction, as the folders own).
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

t.test('no file of harness/results imports harness/report', async (t) => {
  const dir = join(import.meta.dirname, '../../harness/results');
  const offenders = readdirSync(dir)
    .filter((name) => name.endsWith('.ts'))
    .filter((name) => /from '\.\.\/report\//.test(readFileSync(join(dir, name), 'utf8')));
  t.same(offenders, []);
});
