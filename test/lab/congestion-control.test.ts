// The host's tcp_allowed_congestion_control is widened for a run and put back at its end; a
// temporary file stands in for the /proc entry.
import t from 'tap';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allowCongestionControl } from '../../harness/lab/congestion-control.js';
import { readSysctl } from '../../harness/lab/sysctl.js';

const dir = await mkdtemp(join(tmpdir(), 'qlab-cc-'));
t.teardown(() => rm(dir, { recursive: true, force: true }));
const allowedPath = join(dir, 'tcp_allowed_congestion_control');
const available = ((await readSysctl('net.ipv4.tcp_available_congestion_control')) ?? '').split(/\s+/).filter(Boolean);

t.test('a controller added for the run is taken out again when the lab stops', async (t) => {
  const cc = available.find((name) => name !== 'reno');
  if (cc === undefined) {
    t.pass('only reno is available here: nothing to add');
    return;
  }
  await writeFile(allowedPath, 'reno\n');
  const restore = await allowCongestionControl(cc, allowedPath);
  t.equal(await readFile(allowedPath, 'utf8'), `reno ${cc}`);
  await restore();
  t.equal(await readFile(allowedPath, 'utf8'), 'reno', 'the list as it was');
});

t.test('an allowed controller changes nothing; a list changed by someone else since is left alone', async (t) => {
  const cc = available.find((name) => name !== 'reno');
  if (cc === undefined) {
    t.pass('only reno is available here: nothing to add');
    return;
  }
  await writeFile(allowedPath, `reno ${cc}\n`);
  await (
    await allowCongestionControl(cc, allowedPath)
  )();
  t.equal(await readFile(allowedPath, 'utf8'), `reno ${cc}\n`, 'untouched');

  await writeFile(allowedPath, 'reno\n');
  const restore = await allowCongestionControl(cc, allowedPath);
  await writeFile(allowedPath, `reno ${cc} other`);
  await restore();
  t.equal(await readFile(allowedPath, 'utf8'), `reno ${cc} other`, 'not reverted over another change');
});

t.test('a controller the kernel lacks is refused before anything is written', async (t) => {
  await writeFile(allowedPath, 'reno\n');
  await t.rejects(allowCongestionControl('no-such-cc', allowedPath), /TCP congestion control "no-such-cc" is not available here/);
  t.equal(await readFile(allowedPath, 'utf8'), 'reno\n');
});
