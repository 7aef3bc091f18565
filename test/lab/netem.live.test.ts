// The netem backend on a live lab, where the kernel has sch_netem; skipped here with the
// reason (this kernel has none). The exact tc commands are unit-tested in netem-commands.
import t from 'tap';
import { netemAvailable } from '../../harness/lab/netem-link.js';
import { chooseBackend, startLab } from '../../harness/lab/lab.js';
import { resolveLinkConditions } from '../../harness/lab/profiles.js';
import { runCommand } from '../../harness/process/managed-process.js';

const netem = await netemAvailable();

t.test('--link netem refuses clearly where sch_netem is missing, auto falls back', { skip: netem.available ? 'sch_netem is present' : false }, async (t) => {
  const conditions = resolveLinkConditions({ rtt: '20ms' });
  await t.rejects(chooseBackend('netem', conditions), /--link netem: this kernel has no sch_netem .*; use --link emulator/);
  t.equal(await chooseBackend('auto', conditions), 'emulator');
});

t.test('netem link at a 40 ms round trip', { skip: netem.available ? false : netem.reason }, async (t) => {
  const lab = await startLab({ conditions: resolveLinkConditions({ rtt: '40ms' }), backend: 'netem', purpose: 'netem live test' });
  t.teardown(() => lab.stop());
  const ping = await runCommand({ name: 'ping', command: 'ping', args: ['-c', '5', '-i', '0.2', lab.addresses.serverIpv4], netns: lab.namespaces.client, timeoutMs: 10_000 });
  const min = Number(/= ([\d.]+)\//.exec(ping.stdout)?.[1]);
  t.ok(min >= 40 && min < 42, `ping min ${min} ms`);
});
