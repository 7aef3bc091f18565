// The lab's way out of the host, for clients run against a remote server through the emulated
// link (--via-lab, mahimahi-shell style): the client namespace routes each named destination
// through the emulator to the server namespace, which forwards it over a veth to the host's
// root namespace, which masquerades it out of the host. Only the named destinations are
// routed, and a fence (nftables, our own table) drops anything else the lab sends.
//
// IPv4 only: the lab's IPv6 addresses (2001:2::/48) have no NAT66 or route out here, and a
// target's IPv6 path would be a different path; IPv6 destinations are refused.
import { writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { runCommand } from '../process/managed-process.js';
import { LAB_ADDRESSES } from './addresses.js';
import { ip, sysctlSet } from './namespaces.js';
import { readSysctl } from './sysctl.js';

/** Host side and server-namespace side of the egress veth: fixed, there is one lab per host. */
export const EGRESS_HOST_DEVICE = 'qlabx0';
export const EGRESS_NAMESPACE_DEVICE = 'qlabx1';
/** A /30 of the benchmarking range (RFC 2544), apart from the lab link's 198.18.0.0/24. */
export const EGRESS_HOST_ADDRESS = '198.19.254.1';
export const EGRESS_NAMESPACE_ADDRESS = '198.19.254.2';
const EGRESS_PREFIX_LENGTH = 30;
const EGRESS_SUBNET = `198.19.254.0/${EGRESS_PREFIX_LENGTH}`;
/** The lab link's IPv4 range: the client's address and its rebind addresses. */
export const LAB_IPV4_SUBNET = '198.18.0.0/24';
/** Our own nftables table in the host's root namespace (family ip). */
export const EGRESS_NFT_TABLE = 'quic_lab_egress';
const IP_FORWARD = 'net.ipv4.ip_forward';
const COMMAND_TIMEOUT_MS = 10_000;

export interface EgressOptions {
  destinationsIpv4: readonly string[];
}

/** What a lab with egress reports (Lab.egress). */
export interface LabEgress {
  hostAddress: string;
  serverNamespaceAddress: string;
  destinationsIpv4: readonly string[];
}

/** What the lab state file records so the reaper can undo the egress of a killed owner. */
export interface EgressRecord {
  hostDevice: string;
  nftTable: string;
  /** The host's net.ipv4.ip_forward before the lab (null: unreadable, left alone). */
  previousIpForward: string | null;
  destinationsIpv4: string[];
}

/** Dotted quad to a 32-bit number (the caller has checked it is IPv4). */
function ipv4Number(address: string): number {
  return address.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

function inPrefix(address: string, prefix: string): boolean {
  const [base = '', length = '32'] = prefix.split('/');
  const size = 2 ** (32 - Number(length));
  return Math.floor(ipv4Number(address) / size) === Math.floor(ipv4Number(base) / size);
}

/** Ranges a destination must not be in: the lab's own, loopback, "this network", multicast and above. */
const RESERVED_PREFIXES = [LAB_IPV4_SUBNET, EGRESS_SUBNET, '127.0.0.0/8', '0.0.0.0/8', '224.0.0.0/3'];

/** The destinations, checked and without repeats; throws naming the first that cannot be one. */
export function checkEgressDestinations(destinations: readonly string[]): string[] {
  if (destinations.length === 0) throw new Error('lab egress: no destination (name the target addresses)');
  const checked: string[] = [];
  for (const destination of destinations) {
    const family = isIP(destination);
    if (family === 6) throw new Error(`lab egress: ${destination} is IPv6; the lab's egress is IPv4 only (use the target's IPv4 address)`);
    if (family !== 4) throw new Error(`lab egress: "${destination}" is not an IPv4 address (resolve names first)`);
    const reserved = RESERVED_PREFIXES.find((prefix) => inPrefix(destination, prefix));
    if (reserved !== undefined) throw new Error(`lab egress: ${destination} is in ${reserved}, which cannot be a destination`);
    if (!checked.includes(destination)) checked.push(destination);
  }
  return checked;
}

/**
 * The nftables ruleset of the egress, for `nft -f -`. It first replaces any table of ours
 * (add + delete: a no-op when none exists), so applying it twice is safe. Forward: the lab may
 * reach the destinations and nothing else; the outside reaches the lab only with replies.
 * When the host did not forward before the lab (`hostForwarded` false), turning
 * ip_forward on must not make it forward anything else, so other forwarded traffic is dropped.
 * Postrouting: the lab's sources leave by any other interface masqueraded as the host.
 */
export function egressRuleset(options: { destinationsIpv4: readonly string[]; hostForwarded: boolean }): string {
  const dev = `"${EGRESS_HOST_DEVICE}"`;
  const lines = [
    `add table ip ${EGRESS_NFT_TABLE}`,
    `delete table ip ${EGRESS_NFT_TABLE}`,
    `table ip ${EGRESS_NFT_TABLE} {`,
    '  chain forward {',
    '    type filter hook forward priority filter; policy accept;',
    `    iifname ${dev} ip daddr { ${options.destinationsIpv4.join(', ')} } accept`,
    // Counted: what the fence stopped shows in `nft list table ip quic_lab_egress`.
    `    iifname ${dev} counter drop`,
    `    oifname ${dev} ct state established,related accept`,
    `    oifname ${dev} drop`,
    ...(options.hostForwarded ? [] : ['    drop']),
    '  }',
    '  chain postrouting {',
    '    type nat hook postrouting priority srcnat; policy accept;',
    `    ip saddr ${LAB_IPV4_SUBNET} oifname != ${dev} masquerade`,
    '  }',
    '}',
  ];
  return lines.join('\n') + '\n';
}

async function nft(args: string[], input?: string): Promise<void> {
  const result = await runCommand({ name: `nft ${args.join(' ')}`, command: 'nft', args, timeoutMs: COMMAND_TIMEOUT_MS, ...(input !== undefined ? { input } : {}) });
  if (result.code !== 0) {
    const missing = result.stderr.includes('ENOENT') ? ' (nft is missing: install the Debian package nftables, or run scripts/setup.sh)' : '';
    throw new Error(`nft ${args.join(' ')}: ${result.stderr.trim() || `exit ${result.code}`}${missing}`);
  }
}

/** The host's ip_forward now, to record before the lab changes it. */
export async function hostIpForward(): Promise<string | null> {
  return readSysctl(IP_FORWARD);
}

async function setHostIpForward(value: string): Promise<void> {
  await writeFile(`/proc/sys/${IP_FORWARD.replaceAll('.', '/')}`, value);
}

/**
 * Builds the egress of a lab whose link is up (addresses on qlab0 in both namespaces).
 * Each step pushes its undo onto `cleanups` before the next, so a failure part way leaves
 * only what the lab's teardown removes.
 */
export async function startEgress(options: { record: EgressRecord; namespaces: { client: string; server: string }; labDevice: string; cleanups: Array<() => Promise<void>> }): Promise<LabEgress> {
  const { record, namespaces, labDevice, cleanups } = options;
  const destinations = record.destinationsIpv4;
  cleanups.push(() => removeEgressDevice());
  await ip(['link', 'add', EGRESS_HOST_DEVICE, 'type', 'veth', 'peer', 'name', EGRESS_NAMESPACE_DEVICE, 'netns', namespaces.server]);
  await ip(['addr', 'add', `${EGRESS_HOST_ADDRESS}/${EGRESS_PREFIX_LENGTH}`, 'dev', EGRESS_HOST_DEVICE]);
  await ip(['link', 'set', EGRESS_HOST_DEVICE, 'up']);
  await ip(['addr', 'add', `${EGRESS_NAMESPACE_ADDRESS}/${EGRESS_PREFIX_LENGTH}`, 'dev', EGRESS_NAMESPACE_DEVICE], namespaces.server);
  await ip(['link', 'set', EGRESS_NAMESPACE_DEVICE, 'up'], namespaces.server);
  // Back into the lab: the whole /24, rebind addresses included (goes with the veth).
  await ip(['route', 'add', LAB_IPV4_SUBNET, 'via', EGRESS_NAMESPACE_ADDRESS, 'dev', EGRESS_HOST_DEVICE]);
  await sysctlSet(namespaces.server, IP_FORWARD, '1');
  for (const destination of destinations) {
    // A /32 per destination, no default route: only the named targets are reachable.
    await ip(['route', 'add', `${destination}/32`, 'via', LAB_ADDRESSES.serverIpv4, 'dev', labDevice], namespaces.client);
    await ip(['route', 'add', `${destination}/32`, 'via', EGRESS_HOST_ADDRESS, 'dev', EGRESS_NAMESPACE_DEVICE], namespaces.server);
  }
  cleanups.push(() => removeEgressTable());
  await nft(['-f', '-'], egressRuleset({ destinationsIpv4: destinations, hostForwarded: record.previousIpForward === '1' }));
  cleanups.push(() => restoreIpForward(record.previousIpForward));
  await setHostIpForward('1');
  return { hostAddress: EGRESS_HOST_ADDRESS, serverNamespaceAddress: EGRESS_NAMESPACE_ADDRESS, destinationsIpv4: destinations };
}

async function egressDeviceExists(): Promise<boolean> {
  return (await runCommand({ name: 'ip link show', command: 'ip', args: ['link', 'show', EGRESS_HOST_DEVICE], timeoutMs: COMMAND_TIMEOUT_MS })).code === 0;
}

async function removeEgressDevice(): Promise<void> {
  // Deleting one end removes the pair, and the route through it. The pair also goes when the
  // kernel finishes removing the server namespace (a killed lab's, reaped just before): a
  // delete that finds it gone meanwhile has nothing left to do.
  if (!(await egressDeviceExists())) return;
  await ip(['link', 'del', EGRESS_HOST_DEVICE]).catch(async (error: unknown) => {
    if (await egressDeviceExists()) throw error;
  });
}

async function removeEgressTable(): Promise<void> {
  // add + delete: removes the table whether or not it is there, in one transaction.
  await nft(['-f', '-'], `add table ip ${EGRESS_NFT_TABLE}\ndelete table ip ${EGRESS_NFT_TABLE}\n`);
}

async function restoreIpForward(previous: string | null): Promise<void> {
  if (previous !== null && (await hostIpForward()) !== previous) await setHostIpForward(previous);
}

/** Undoes the egress a killed lab recorded: ip_forward as it was, our table, the veth. */
export async function removeEgress(record: EgressRecord): Promise<void> {
  const failures: string[] = [];
  for (const step of [() => restoreIpForward(record.previousIpForward), removeEgressTable, removeEgressDevice]) {
    await step().catch((error: unknown) => failures.push(error instanceof Error ? error.message : String(error)));
  }
  if (failures.length > 0) throw new Error(`lab egress: ${failures.join('; ')}`);
}
