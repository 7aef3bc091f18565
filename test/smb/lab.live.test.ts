// SMB 3 over TCP across the lab link: smbd in the server namespace, the probe and smbclient in
// the client namespace, a 10 ms round trip. The timings must show the link (the TCP connect
// takes a round trip, a copy several), encryption is checked from both ends, over IPv4 and
// IPv6, and the namespaces are left clean. Waits a while for another run's lab (bounded),
// then skips with the reason.
import t from 'tap';
import { sessionOf } from '../fixtures/smb.js';
import { alive } from '../fixtures/leftovers.js';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { startLab, type Lab } from '../../harness/lab/lab.js';
import { LabBusyError } from '../../harness/lab/lock.js';
import { resolveLinkConditions } from '../../harness/lab/profiles.js';
import { SambaServer } from '../../harness/endpoints/samba/server.js';
import { SmbClient } from '../../harness/endpoints/samba/smbclient.js';
import { probeSmbTcp } from '../../harness/smb/tcp-probe.js';
import { runCommand } from '../../harness/process/managed-process.js';

const RTT_MS = 10;
const MB = 1_000_000;
const WAIT_FOR_LAB_MS = 20_000;

function skipReason(): string | false {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces, smbd)';
  if (!existsSync('/dev/net/tun')) return 'no /dev/net/tun';
  for (const tool of ['/usr/sbin/smbd', '/usr/bin/smbclient', '/usr/bin/smbstatus']) if (!existsSync(tool)) return `${tool} missing (apt-get install samba smbclient)`;
  return false;
}

let skip = skipReason();
let lab: Lab | undefined;
if (skip === false) {
  const deadline = Date.now() + WAIT_FOR_LAB_MS;
  while (lab === undefined) {
    try {
      lab = await startLab({ conditions: resolveLinkConditions({ rtt: `${RTT_MS}ms` }), backend: 'auto', purpose: 'smb lab test' });
    } catch (error) {
      if (!(error instanceof LabBusyError)) throw error;
      if (Date.now() > deadline) {
        skip = `the lab stayed busy for ${WAIT_FOR_LAB_MS / 1000} s: ${error.message}`;
        break;
      }
      await sleep(500);
    }
  }
}
t.teardown(() => lab?.stop());

t.test('IPv4: smbd in the server namespace, probe and smbclient in the client namespace', { skip }, async (t) => {
  if (!lab) return;
  const server = new SambaServer({ host: lab.addresses.serverIpv4, netns: lab.namespaces.server, encryption: 'required', fileSizes: [MB] });
  t.teardown(() => server.stop());
  const target = await server.start();
  const pid = server.pid;
  const listeners = await runCommand({ name: 'ss', command: 'ss', args: ['-H', '-t', '-l', '-n'], netns: lab.namespaces.server, timeoutMs: 5000 });
  t.same(
    listeners.stdout
      .trim()
      .split('\n')
      .map((line) => line.trim().split(/\s+/)[3]),
    [`${lab.addresses.serverIpv4}:445`],
    'in its namespace smbd listens on the lab address only (no 139, no wildcard)',
  );

  const probe = await probeSmbTcp({ host: target.host, netns: lab.namespaces.client, timeoutMs: 5000 });
  t.match(probe, { netns: lab.namespaces.client, reachable: true, dialect: '3.1.1', encryptionSupported: true, cipher: 'AES-128-GCM', signingEnabled: true });
  const connectMs = probe.connectMs ?? 0;
  t.ok(connectMs >= RTT_MS && connectMs < RTT_MS + 8, `TCP connect took the link's round trip: ${connectMs.toFixed(2)} ms`);
  t.ok((probe.negotiateMs ?? 0) >= RTT_MS, `NEGOTIATE took at least a round trip: ${probe.negotiateMs?.toFixed(2)} ms`);
  const refused = await probeSmbTcp({ host: target.host, port: 446, netns: lab.namespaces.client, timeoutMs: 3000 });
  t.match(refused, { reachable: false, error: /^connection refused/ }, 'a closed port across the link');

  const client = new SmbClient({ netns: lab.namespaces.client });
  t.teardown(() => client.close());
  for (const direction of ['get', 'put'] as const) {
    const copy = await client.copy({ target, direction, bytes: MB, encryption: 'required', timeoutMs: 20_000, whileConnected: () => server.sessions() });
    t.match(copy, { bytes: MB, dialect: 'SMB3_11', connection: { localAddress: lab.addresses.clientIpv4 } });
    t.ok((copy.encryption.encryptedPdus ?? 0) > 0, `${direction}: smbclient encrypted ${copy.encryption.encryptedPdus} PDUs`);
    t.match(sessionOf(copy.whileConnected, copy.connection), { clientAddress: lab.addresses.clientIpv4, encryption: 'AES-128-GCM', encryptionDegree: 'full' }, `${direction}: smbstatus says encrypted`);
    t.ok((copy.copyMs ?? 0) >= 3 * RTT_MS, `${direction}: ${copy.copyMs} ms by smbclient's clock: open, data and close each cross the link`);
  }
  await server.stop();
  t.notOk(pid !== undefined && alive(pid), 'smbd is gone');
  const left = await runCommand({ name: 'ip netns pids', command: 'ip', args: ['netns', 'pids', lab.namespaces.server], timeoutMs: 5000 });
  t.equal(left.stdout.trim(), '', 'nothing runs in the server namespace');
});

t.test('IPv6, encryption off', { skip }, async (t) => {
  if (!lab) return;
  const server = new SambaServer({ host: lab.addresses.serverIpv6, netns: lab.namespaces.server, encryption: 'off', fileSizes: [MB] });
  t.teardown(() => server.stop());
  const target = await server.start();
  const probe = await probeSmbTcp({ host: target.host, netns: lab.namespaces.client, timeoutMs: 5000 });
  t.match(probe, { reachable: true, dialect: '3.1.1', encryptionSupported: false, cipher: null });
  const copy = await new SmbClient({ netns: lab.namespaces.client }).copy({ target, direction: 'get', bytes: MB, encryption: 'off', timeoutMs: 20_000, whileConnected: () => server.sessions() });
  t.match(copy, { bytes: MB, encryption: { encryptedPdus: 0, decryptedPdus: 0 }, connection: { localAddress: lab.addresses.clientIpv6 } });
  t.match(sessionOf(copy.whileConnected, copy.connection), { clientAddress: lab.addresses.clientIpv6, encryption: null });
});
