// The lab's egress (--via-lab) on real namespaces: a "remote" namespace of this test's own
// (a veth to the host, nothing routed elsewhere) stands for the target. Through the emulated
// link (20 ms each way) the client namespace reaches the named destination, TCP and UDP, about
// 40 ms slower than the host does; anything else stays unreachable, even when routed by hand
// (the fence); stop() and the reaper (after a SIGKILLed owner) leave the host as it was.
// Traffic stays within 198.18.0.0/15. Run under `flock /work/lab.flock`.
import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { ProbeServer, runUdpProbes } from '../../harness/lab/calibrate.js';
import { EGRESS_HOST_ADDRESS, EGRESS_HOST_DEVICE, EGRESS_NFT_TABLE } from '../../harness/lab/egress.js';
import { LAB_ADDRESSES } from '../../harness/lab/addresses.js';
import { startLab } from '../../harness/lab/lab.js';
import { createNamespace, deleteNamespace, ip, listNamespaces, reapLeftovers } from '../../harness/lab/namespaces.js';
import { resolveLinkConditions } from '../../harness/lab/profiles.js';
import { readSysctl } from '../../harness/lab/sysctl.js';
import { measurePath } from '../../harness/measure/path-probe.js';
import { ManagedProcess, runCommand } from '../../harness/process/managed-process.js';

const ROOT = resolve(import.meta.dirname, '../..');
const REMOTE_NS = `qlab-remote-${process.pid}-r`;
const REMOTE_HOST_DEVICE = 'qlabr0';
const REMOTE_NS_DEVICE = 'qlabr1';
const REMOTE_HOST_SIDE = '198.19.253.1';
/** The destination, and another address of the same remote namespace that is not one. */
const TARGET = '198.19.253.2';
const NOT_A_TARGET = '198.19.253.3';
const TCP_PORT = 7443;
const ONE_WAY_DELAY_MS = 20;
const conditions = resolveLinkConditions({ delay: `${ONE_WAY_DELAY_MS}ms` });

async function hostState(): Promise<{ table: boolean; veth: boolean; labRoute: string; ipForward: string | null }> {
  const table = await runCommand({ name: 'nft list table', command: 'nft', args: ['list', 'table', 'ip', EGRESS_NFT_TABLE], timeoutMs: 5000 });
  const veth = await runCommand({ name: 'ip link show', command: 'ip', args: ['link', 'show', EGRESS_HOST_DEVICE], timeoutMs: 5000 });
  return { table: table.code === 0, veth: veth.code === 0, labRoute: (await ip(['route', 'show', '198.18.0.0/24'])).trim(), ipForward: await readSysctl('net.ipv4.ip_forward') };
}

/** The remote namespace, its two addresses, a TCP listener (accepts and closes) on both. */
async function startRemote(t: Test): Promise<void> {
  t.teardown(async () => {
    await deleteNamespace(REMOTE_NS); // the veth pair goes with it
  });
  await createNamespace(REMOTE_NS);
  await ip(['link', 'add', REMOTE_HOST_DEVICE, 'type', 'veth', 'peer', 'name', REMOTE_NS_DEVICE, 'netns', REMOTE_NS]);
  await ip(['addr', 'add', `${REMOTE_HOST_SIDE}/29`, 'dev', REMOTE_HOST_DEVICE]);
  await ip(['link', 'set', REMOTE_HOST_DEVICE, 'up']);
  for (const address of [TARGET, NOT_A_TARGET]) await ip(['addr', 'add', `${address}/29`, 'dev', REMOTE_NS_DEVICE], REMOTE_NS);
  await ip(['link', 'set', REMOTE_NS_DEVICE, 'up'], REMOTE_NS);
  const listener = new ManagedProcess({
    name: 'remote tcp listener',
    command: process.execPath,
    args: ['-e', `require('net').createServer((s) => s.destroy()).listen(${TCP_PORT}, '0.0.0.0', () => console.log('ready')); setTimeout(() => process.exit(0), 120000);`],
    netns: REMOTE_NS,
  });
  t.teardown(() => listener.stop(1000));
  await listener.waitForLine(/^ready$/, 10_000);
}

t.test('through the emulator to a named target and nowhere else; stop() leaves the host as it was', async (t) => {
  const before = await hostState();
  t.strictSame({ table: before.table, veth: before.veth, labRoute: before.labRoute }, { table: false, veth: false, labRoute: '' }, 'no egress before');
  await startRemote(t);
  const echo = await ProbeServer.start(REMOTE_NS, { mode: 'udp-echo', host: TARGET, port: 0, lifetimeMs: 120_000 });
  t.teardown(() => echo.stop());

  const lab = await startLab({ conditions, backend: 'emulator', purpose: 'egress live test', lock: { wait: true }, egress: { destinationsIpv4: [TARGET] } });
  let stopped = false;
  t.teardown(async () => {
    if (!stopped) await lab.stop();
  });
  t.strictSame(lab.egress, { hostAddress: EGRESS_HOST_ADDRESS, serverNamespaceAddress: '198.19.254.2', destinationsIpv4: [TARGET] });
  const up = await hostState();
  t.strictSame({ table: up.table, veth: up.veth, ipForward: up.ipForward }, { table: true, veth: true, ipForward: '1' });
  t.match(up.labRoute, /^198\.18\.0\.0\/24 via 198\.19\.254\.2 dev qlabx0/);
  t.equal((await ip(['route', 'show', 'default'], lab.namespaces.client)).trim(), '', 'no default route in the client namespace');

  const path = await measurePath({ address: TARGET, port: TCP_PORT, count: 5, timeoutMs: 2000 });
  const viaLab = await measurePath({ address: TARGET, port: TCP_PORT, count: 5, timeoutMs: 2000, netns: lab.namespaces.client });
  t.comment(`TCP connect: host to target ${path.rttMedianMs} ms, client namespace through the lab ${viaLab.rttMedianMs} ms`);
  t.equal(path.lossFraction, 0, 'the host reaches the target');
  t.equal(viaLab.lossFraction, 0, 'the client namespace reaches the target');
  const added = (viaLab.rttMedianMs ?? NaN) - (path.rttMedianMs ?? NaN);
  t.ok(added >= 2 * ONE_WAY_DELAY_MS - 1 && added <= 2 * ONE_WAY_DELAY_MS + 10, `the emulated round trip adds ${added.toFixed(2)} ms (expected about ${2 * ONE_WAY_DELAY_MS})`);

  const udp = await runUdpProbes(lab.namespaces.client, { host: TARGET, port: echo.port, count: 10, intervalMs: 20, waitMs: 500, payloadBytes: 64 });
  const udpRtts = udp.probes.map((p) => p.rttMs).filter((ms): ms is number => ms !== null);
  const udpMedian = [...udpRtts].sort((a, b) => a - b)[Math.floor(udpRtts.length / 2)] ?? NaN;
  t.comment(`UDP round trip through the lab: median ${udpMedian.toFixed(2)} ms (${udp.received}/${udp.sent})`);
  t.equal(udp.received, 10, 'every UDP probe came back');
  t.ok(udpMedian >= 2 * ONE_WAY_DELAY_MS - 1 && udpMedian <= 2 * ONE_WAY_DELAY_MS + 10, `UDP round trip ${udpMedian.toFixed(2)} ms`);

  // Not a destination: no route from the client namespace...
  const hostToOther = await measurePath({ address: NOT_A_TARGET, port: TCP_PORT, count: 1, timeoutMs: 1000 });
  t.equal(hostToOther.lossFraction, 0, 'the other address answers the host');
  const unrouted = await measurePath({ address: NOT_A_TARGET, port: TCP_PORT, count: 1, timeoutMs: 1000, netns: lab.namespaces.client });
  t.equal(unrouted.lossFraction, 1, 'unreachable from the client namespace');
  // ...and routed by hand through the lab, the fence still drops it.
  await ip(['route', 'add', `${NOT_A_TARGET}/32`, 'via', LAB_ADDRESSES.serverIpv4, 'dev', 'qlab0'], lab.namespaces.client);
  await ip(['route', 'add', `${NOT_A_TARGET}/32`, 'via', EGRESS_HOST_ADDRESS], lab.namespaces.server);
  const fenced = await measurePath({ address: NOT_A_TARGET, port: TCP_PORT, count: 2, timeoutMs: 1000, netns: lab.namespaces.client });
  t.equal(fenced.lossFraction, 1, 'routed by hand, still dropped by the fence');
  const table = await runCommand({ name: 'nft list table', command: 'nft', args: ['list', 'table', 'ip', EGRESS_NFT_TABLE], timeoutMs: 5000 });
  const fencePackets = Number(/iifname "qlabx0" counter packets (\d+) bytes \d+ drop/.exec(table.stdout)?.[1]);
  t.ok(fencePackets >= 2, `the fence's counter saw the SYNs (${fencePackets} packets)`);

  await lab.stop();
  stopped = true;
  t.strictSame(await hostState(), before, 'table, veth and route gone, ip_forward as it was');
});

const LAB_URL = pathToFileURL(join(ROOT, 'harness/lab/lab.ts')).href;

t.test('a SIGKILLed owner: the next reaper removes its egress and restores ip_forward', async (t) => {
  const before = await hostState();
  const code = `
    const { startLab } = await import(${JSON.stringify(LAB_URL)});
    const lab = await startLab({ conditions: ${JSON.stringify(conditions)}, backend: 'emulator', purpose: 'egress live test child', lock: { wait: true }, egress: { destinationsIpv4: [${JSON.stringify(TARGET)}] } });
    console.log(JSON.stringify({ labId: lab.labId }));
    setTimeout(async () => { await lab.stop(); process.exit(3); }, 60_000);
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((done) => child.once('exit', done));
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    await reapLeftovers();
  });
  const line = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => fail(new Error('child lab not up within 60 s')), 60_000);
    createInterface({ input: child.stdout }).once('line', (text) => {
      clearTimeout(timer);
      done(text);
    });
    child.once('exit', () => fail(new Error('child exited before its lab was up')));
  });
  t.match(line, /^\{"labId":"\d+-[0-9a-f]+"\}$/);
  t.strictSame({ table: (await hostState()).table, veth: (await hostState()).veth }, { table: true, veth: true }, "the child's egress is up");
  child.kill('SIGKILL');
  await exited;
  t.ok((await hostState()).table, 'left behind until a reaper runs');
  const removed = await reapLeftovers();
  t.ok(
    removed.some((what) => what.startsWith('egress of ')),
    `the reaper removed the egress (${removed.join(', ')})`,
  );
  t.strictSame(await hostState(), before, 'table, veth and route gone, ip_forward as it was');
  t.notOk(
    (await listNamespaces()).some((name) => name.startsWith(`qlab-${child.pid}-`)),
    "the child's namespaces are gone",
  );
});
