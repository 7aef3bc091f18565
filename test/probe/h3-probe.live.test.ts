// h3-probe against stand-ins in two namespaces this test creates (a client and a "remote"
// server joined by a veth pair, 198.19.18.0/24, nothing routed anywhere else), the name given
// by --resolve: a healthy HTTP/3 server (Caddy) exits 0; one that serves QUIC but sends no
// Alt-Svc (a Node TCP stand-in beside the quic-go peer server), one whose UDP port a filter
// drops, and one whose chain (3 intermediates, RSA-4096) is over the anti-amplification
// limit each exit 1 naming it (a policy-routing rule drops the UDP: this kernel has no
// nftables, iptables, tc drop action or netem). Then on the lab's emulated 40 ms link the long
// chain's extra round trip shows in the handshake time. Namespaces and processes go at the end.
// One Caddy with the short chain serves both the healthy probe and the filtered one (the filter
// comes after the healthy probe); on the lab both Caddys start at once, probed one after the other.
import t from 'tap';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaddyServer } from '../../harness/endpoints/caddy/server.js';
import { quicGo } from '../../harness/endpoints/quic-go/index.js';
import { createNamespace, deleteNamespace, ip, listNamespaces } from '../../harness/lab/namespaces.js';
import { startLab } from '../../harness/lab/lab.js';
import { resolveLinkConditions } from '../../harness/lab/profiles.js';
import { ensurePki, type LabPki } from '../../harness/pki/store.js';
import { runCleanups } from '../../harness/process/cleanup.js';
import { ManagedProcess, nodeScriptSpec, runCommand } from '../../harness/process/managed-process.js';
import { projectPath } from '../../harness/project-root.js';
import type { H3ProbeResult } from '../../harness/probe/h3-probe.js';
import type { ServerEndpoint } from '../../harness/endpoints/types.js';

const CLIENT = `qlab-hprobe-${process.pid}-c`;
const SERVER = `qlab-hprobe-${process.pid}-s`;
const DEVICE = 'hprobe0';
const CLIENT_ADDRESS = '198.19.18.1';
const SERVER_ADDRESS = '198.19.18.2';
const NAME = 'server.lab.example';

if (process.getuid?.() !== 0) throw new Error('needs root (network namespaces)');

const dir = await mkdtemp(join(tmpdir(), 'qlab-h3probe-'));
const running: Array<{ stop(): Promise<void> }> = [];
t.teardown(async () => {
  for (const server of running.reverse()) await server.stop().catch(() => {});
  await runCleanups();
  await deleteNamespace(CLIENT).catch(() => {});
  await deleteNamespace(SERVER).catch(() => {});
  await rm(dir, { recursive: true, force: true });
});

await createNamespace(CLIENT);
await createNamespace(SERVER);
await ip(['link', 'add', DEVICE, 'type', 'veth', 'peer', 'name', `${DEVICE}p`], CLIENT);
await ip(['link', 'set', `${DEVICE}p`, 'netns', SERVER], CLIENT);
await ip(['link', 'set', `${DEVICE}p`, 'name', DEVICE], SERVER);
for (const [netns, address] of [
  [CLIENT, CLIENT_ADDRESS],
  [SERVER, SERVER_ADDRESS],
] as const) {
  await ip(['addr', 'add', `${address}/24`, 'dev', DEVICE], netns);
  await ip(['link', 'set', DEVICE, 'up'], netns);
}

const shortPki = await ensurePki({ intermediates: 1, keyType: 'ecdsa-p256' }, join(dir, 'short'));
// Five RSA-4096 keys take 4-20 s to generate here: a `certs` run of their own makes them while
// the first three tests run (in this process they would hold libuv's thread pool, which the
// tests' file and /proc reads wait for), and the first test that needs them waits for it.
const longDir = join(dir, 'long');
const longPkiReady = runCommand({
  name: 'certs (long chain)',
  command: process.execPath,
  args: [projectPath('bin/quic-lab.mjs'), 'certs', '--key-type', 'rsa4096', '--intermediates', '3', '--dir', longDir],
  cwd: projectPath(),
  timeoutMs: 120_000,
}).then(async (run) => {
  if (run.code !== 0) throw new Error(`certs exit ${String(run.code)}: ${run.stderr}`);
  const pki = await ensurePki({ intermediates: 3, keyType: 'rsa4096' }, longDir);
  if (pki.generated) throw new Error(`certs left no current PKI in ${longDir}: ${run.stdout}`);
  return pki;
});
longPkiReady.catch(() => {}); // a failure is the long chain's tests' (they await it), not an unhandled rejection

async function probe(port: number, pki: LabPki, where = { netns: CLIENT, address: SERVER_ADDRESS }, extraArgs: string[] = [], timeout = '3s'): Promise<{ code: number | null; result: H3ProbeResult; stdout: string }> {
  // The CLI built once (bin/quic-lab.mjs, as npm run h3-probe starts it; rebuilt when a source
  // changed): it has to run in the client namespace, and through tsx each start took about 1.5 s more.
  const args = [
    projectPath('bin/quic-lab.mjs'),
    'h3-probe',
    `https://${NAME}:${port}/1000`,
    '--resolve',
    `${NAME}:${port}:${where.address}`,
    '--ca',
    pki.material.caFile,
    '--timeout',
    timeout,
    '--json',
    '--results-dir',
    join(dir, 'results'),
    ...extraArgs,
  ];
  const run = await runCommand({ name: 'h3-probe', command: process.execPath, args, netns: where.netns, cwd: projectPath(), timeoutMs: 90_000 });
  if (run.code !== 0 && run.code !== 1) throw new Error(`h3-probe exit ${String(run.code)}: ${run.stderr}`);
  return { code: run.code, result: JSON.parse(run.stdout) as H3ProbeResult, stdout: run.stdout };
}

async function caddy(pki: LabPki): Promise<{ server: ServerEndpoint; port: number }> {
  const server = new CaddyServer({ tls: pki.material, host: SERVER_ADDRESS, netns: SERVER, bodySizes: [1000] });
  running.push(server);
  const address = await server.start();
  return { server, port: address.port };
}

const codes = (result: H3ProbeResult): string[] => result.problems.map((p) => p.code);

// The short chain's Caddy, for the healthy probe and then the filtered one.
let shortCaddy: Promise<{ server: ServerEndpoint; port: number }> | undefined;

t.test('a healthy HTTP/3 server: exit 0', async (t) => {
  shortCaddy = caddy(shortPki);
  const { port } = await shortCaddy;
  const { code, result } = await probe(port, shortPki);
  t.same(codes(result), []);
  t.equal(code, 0);
  t.match(result, { target: { address: SERVER_ADDRESS, resolvedBy: '--resolve' }, tcp: { tlsVersion: 'TLSv1.3', alpn: 'h2', server: 'Caddy' }, altSvc: { h3: { port } }, versions: { answered: true, supportsV1: true } });
  t.match(result.quic, { cold: { handshakeOk: true, alpn: 'h3' }, earlyData: { resumed: true, earlyDataAccepted: true } });
  t.equal(result.amplification?.exceedsLimit, false);
  const settings = result.quic?.cold.h3Settings;
  // The pinned Caddy (quic-go's http3) sends these two, in this order.
  t.same(
    settings,
    {
      received: true,
      settings: [
        { id: 6, name: 'MAX_FIELD_SECTION_SIZE', value: 16384 },
        { id: 8, name: 'ENABLE_CONNECT_PROTOCOL', value: 1 },
      ],
    },
    "Caddy's SETTINGS reported",
  );
  t.match(result.amplificationOnWire, { observed: true, clientBytesBefore: 1200, limitBytes: 3600, waitedForClient: false, limitIgnored: false, handshakeRoundTripsOnWire: 1 }, 'the short chain fits the limit on the wire');
});

t.test('QUIC served but not advertised: exit 1, no-alt-svc', async (t) => {
  const open = quicGo.open({ serverHost: SERVER_ADDRESS, serverNetns: SERVER }).server;
  if (!open) throw new Error('the quic-go descriptor has no server');
  const quic = open(shortPki.material);
  running.push(quic);
  const { port } = await quic.start();
  const tcp = new ManagedProcess(
    nodeScriptSpec(
      'h3-probe tcp stand-in',
      projectPath('test/fixtures/h3-tcp-standin-main.ts'),
      { host: SERVER_ADDRESS, port, chainFile: shortPki.material.chainFile, keyFile: shortPki.material.keyFile, altSvc: null },
      SERVER,
    ),
  );
  running.push(tcp);
  await tcp.waitForLine(/"listening"/, 15_000);
  const { code, result, stdout } = await probe(port, shortPki);
  await tcp.stop();
  await quic.stop();
  t.equal(code, 1);
  t.same(codes(result), ['no-alt-svc']);
  t.match(stdout, /"code": "no-alt-svc"/);
  t.match(result.quic, { cold: { handshakeOk: true, alpn: 'h3' } }, 'QUIC itself works on the same port');
});

t.test('UDP dropped by a filter: exit 1, udp-unreachable', async (t) => {
  const { server, port } = await (shortCaddy ?? caddy(shortPki));
  // This host has neither nftables nor iptables, nor tc's drop action or netem: the firewall
  // is a policy-routing rule in the server's namespace that blackholes UDP to the port, ahead
  // of the local table (moved behind it). Without forwarding the kernel drops such packets
  // silently (ip_error sends no ICMP): to the client, UDP simply goes unanswered.
  const rules = [
    ['rule', 'add', 'pref', '10', 'lookup', 'local'],
    ['rule', 'del', 'pref', '0'],
    ['rule', 'add', 'pref', '5', 'ipproto', 'udp', 'dport', String(port), 'blackhole'],
  ];
  for (const rule of rules) await ip(rule, SERVER);
  try {
    // Nothing answers over UDP, so the version probe and the QUIC connection each wait out the
    // bound: 1 s (not 3 s) still sends the version probe's three datagrams, one per third.
    const { code, result } = await probe(port, shortPki, undefined, [], '1s');
    t.equal(code, 1);
    t.same(codes(result), ['udp-unreachable']);
    t.match(result, { tcp: { status: 200 }, altSvc: { h3: { port } }, versions: { answered: false, refused: false, datagramsSent: 3 } });
  } finally {
    await ip(['rule', 'del', 'pref', '5'], SERVER);
    await server.stop();
  }
});

t.test('a chain over the anti-amplification limit: exit 1, the extra round trip predicted', async (t) => {
  const longPki = await longPkiReady;
  const { server, port } = await caddy(longPki);
  const { code, result } = await probe(port, longPki);
  await server.stop();
  t.equal(code, 1);
  t.same(codes(result), ['chain-exceeds-amplification-limit']);
  t.equal(result.tcp.chain.length, 4, 'leaf and 3 intermediates');
  t.match(result.amplification, { exceedsLimit: true, extraRoundTrips: 1 });
  t.ok((result.amplification?.firstFlightBytes ?? 0) > 3 * 1200);
  // At a veth's RTT the round trips are not counted in time: the next test, on the lab's emulated link, sees the extra one.
  // (A loaded host can stall the TCP connect past the 10 ms floor; then the time is counted, and says what it saw.)
  const rttCounted = (result.roundTrips.tcpRttMs ?? 0) >= 10;
  if (!rttCounted) t.equal(result.roundTrips.extraRoundTripSeen, null);
  // On the wire it shows at any RTT: the server stopped at the limit until the client's next datagram.
  t.match(result.amplificationOnWire, { observed: true, clientBytesBefore: 1200, limitBytes: 3600, waitedForClient: true, limitIgnored: false, handshakeRoundTripsOnWire: 2 }, JSON.stringify(result.amplificationOnWire));
  const wire = result.amplificationOnWire?.observed === true ? result.amplificationOnWire : null;
  t.ok((wire?.serverBytesBeforeFirstWait ?? Infinity) <= 3600 && (wire?.serverHandshakeBytes ?? 0) > 3600, 'within the limit before the wait, past it by the Finished');
  t.match(result.problems[0]?.message, rttCounted ? /predicted \(.*\) and seen on the wire; 2 round trips on the wire/ : /predicted \(.*\) and seen on the wire; 2 round trips on the wire\)$/);
});

// The lab's own emulator (native/link-emulator) makes the round trip, with its
// client and server namespaces, so the round trips can be counted.
t.test("on the lab's emulated 40 ms link: one round trip for the short chain, the extra one seen for the long chain", async (t) => {
  const longPki = await longPkiReady;
  const lab = await startLab({ conditions: resolveLinkConditions({ rtt: '40ms' }), backend: 'auto', purpose: 'h3-probe live test', lock: { wait: true } });
  try {
    const where = { netns: lab.namespaces.client, address: lab.addresses.serverIpv4 };
    const runs = [
      { pki: shortPki, client: 'aioquic', extra: false },
      { pki: longPki, client: 'aioquic', extra: true },
    ];
    // Both servers start at once, each on a port of its own in the lab's fresh server namespace;
    // the probes run one at a time.
    const servers = runs.map(({ pki }, i) => new CaddyServer({ tls: pki.material, host: lab.addresses.serverIpv4, netns: lab.namespaces.server, port: 8443 + i, bodySizes: [1000] }));
    running.push(...servers);
    const ports = await Promise.all(servers.map(async (server) => (await server.start()).port));
    for (const [i, { pki, client, extra }] of runs.entries()) {
      const { result } = await probe(ports[i] as number, pki, where, ['--quic-client', client]);
      await servers[i]?.stop();
      const roundTrips = result.roundTrips.quicHandshakeRoundTrips;
      const what = `${pki.info.chainLength} certificates, ${client}: the handshake took ${roundTrips} round trips`;
      t.ok((result.tcp.connectMs ?? 0) >= 38, `TCP connect ${result.tcp.connectMs} ms: the emulated RTT`);
      t.equal(result.quic?.client, client);
      t.equal(result.roundTrips.extraRoundTripSeen, extra, what);
      t.same(codes(result), pki === longPki ? ['chain-exceeds-amplification-limit'] : [], what);
      if (pki === longPki) t.match(result.problems[0]?.message, /and seen on the wire; 2 round trips on the wire, seen in the handshake time: \d\.\d round trips of the TCP RTT\)/);
      t.match(result.amplificationOnWire, { observed: true, waitedForClient: extra, handshakeRoundTripsOnWire: extra ? 2 : 1 }, what);
      // The wait is a round trip of the emulated link.
      if (extra && result.amplificationOnWire?.observed) t.ok((result.amplificationOnWire.waitMs ?? 0) >= 35, `waited ${result.amplificationOnWire.waitMs} ms`);
    }
  } finally {
    await lab.stop();
  }
});

t.test('nothing left behind', async (t) => {
  for (const server of running) await server.stop();
  await deleteNamespace(CLIENT);
  await deleteNamespace(SERVER);
  const left = (await listNamespaces()).filter((n) => n === CLIENT || n === SERVER);
  t.same(left, []);
});
