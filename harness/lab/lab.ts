// The lab network of one run: a client and a server namespace joined by an impaired link
// (the project's emulator, or netem where the kernel has it). Everything it creates is
// removed by stop(), on errors, on Ctrl-C and SIGTERM (cleanup registry), and by the next
// run's reaper if this process is killed.
import { randomBytes } from 'node:crypto';
import { onCleanup } from '../process/cleanup.js';
import { LAB_ADDRESSES } from './addresses.js';
import type { LinkConditions } from './conditions.js';
import { emulatorConfigFor } from './emulator-config.js';
import { EmulatorProcess, type EmulatorStats } from './emulator-process.js';
import { LAB_NETNS_PREFIX, removeLabState, writeLabState } from './lab-state.js';
import { acquireLabLock, type LockOptions } from './lock.js';
import { createNamespace, deleteNamespace, ip, reapLeftovers, sysctlSet } from './namespaces.js';
import { netemAvailable, startNetemLink } from './netem-link.js';
import { readSysctls } from './sysctl.js';
import { allowCongestionControl } from './congestion-control.js';
import { checkEgressDestinations, EGRESS_HOST_DEVICE, EGRESS_NFT_TABLE, hostIpForward, startEgress, type EgressOptions, type EgressRecord, type LabEgress } from './egress.js';

/** TCP congestion controllers the lab sets in its namespaces (and asks of the QUIC stacks, to compare like with like). */
export const TCP_CONGESTION_CONTROLS = ['cubic', 'reno', 'bbr'] as const;
export type TcpCongestionControl = (typeof TCP_CONGESTION_CONTROLS)[number];

export type LinkBackendName = 'netem' | 'emulator';
export type BackendChoice = LinkBackendName | 'auto';

export interface LabOptions {
  conditions: LinkConditions;
  backend: BackendChoice;
  /** TCP congestion controller in both namespaces (compare like with like: ngtcp2 uses cubic by default). */
  tcpCongestionControl?: TcpCongestionControl;
  /** Why the lab is up, for the lock and `lab status`. */
  purpose: string;
  /** Wait while another process holds the lab (default: refuse at once with LabBusyError). */
  lock?: LockOptions;
  /** Routes these remote IPv4 addresses from the client namespace through the link and out of the host with NAT (egress.ts). */
  egress?: EgressOptions;
}

export interface Lab {
  labId: string;
  backend: LinkBackendName;
  namespaces: { client: string; server: string };
  addresses: { clientIpv4: string; serverIpv4: string; clientIpv6: string; serverIpv6: string };
  conditions: LinkConditions;
  /** Settings of each namespace that matter to a comparison. */
  settings: Record<string, string | null>;
  emulator: EmulatorProcess | null;
  /** The way out to remote targets, when asked for (LabOptions.egress). */
  egress?: LabEgress;
  /** The emulator's exact per-direction statistics (null on netem). */
  linkStats(): Promise<EmulatorStats | null>;
  stop(): Promise<void>;
}

/** The lab link's interface name, the same in both namespaces. */
export const LAB_DEVICE = 'qlab0';
const DEVICE = LAB_DEVICE;
const EMULATOR_REALTIME_PRIORITY = 50;
/** Per-namespace settings every result records (net.core.* are host-wide; tcp_timestamps sets TCP's header size). */
const RECORDED_SYSCTLS = ['net.ipv4.tcp_congestion_control', 'net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem', 'net.ipv4.tcp_timestamps', 'net.core.rmem_max', 'net.core.wmem_max'] as const;
/**
 * Bytes each backend's rate limiter counts per packet besides the IP packet: the emulator reads
 * bare IP packets from its TUN devices (IFF_NO_PI) and serializes their length; tbf on a veth
 * counts the packet as the qdisc sees it, its 14-byte Ethernet header included.
 */
export const RATE_FRAMING_BYTES: Readonly<Record<LinkBackendName, number>> = { emulator: 0, netem: 14 };
const TCP_RMEM = '4096 131072 33554432';
const TCP_WMEM = '4096 16384 33554432';

/** Which backend `auto` picks, and why a forced one cannot work. */
export async function chooseBackend(choice: BackendChoice, conditions: LinkConditions): Promise<LinkBackendName> {
  if (choice === 'emulator') return 'emulator';
  const netem = await netemAvailable();
  if (choice === 'netem') {
    if (!netem.available) throw new Error(`--link netem: ${netem.reason}; use --link emulator`);
    return 'netem';
  }
  const needsEmulator = conditions.rebinds.length > 0 || conditions.outages.length > 0;
  return netem.available && !needsEmulator ? 'netem' : 'emulator';
}

export async function startLab(options: LabOptions): Promise<Lab> {
  const releaseLock = await acquireLabLock(options.purpose, options.lock);
  const cleanups: Array<() => Promise<void>> = [async () => releaseLock()];
  const unregister = onCleanup('tear down the lab', () => teardown());
  let stopped = false;
  async function teardown(): Promise<void> {
    if (stopped) return;
    stopped = true;
    for (const step of cleanups.reverse()) {
      try {
        await step();
      } catch {
        // keep going: every other step must still run
      }
    }
    unregister();
  }
  try {
    // Checked before anything exists: a bad destination costs nothing to refuse.
    const destinationsIpv4 = options.egress ? checkEgressDestinations(options.egress.destinationsIpv4) : null;
    await reapLeftovers();
    // Read after the reaper, which restores what a killed lab left.
    const egressRecord: EgressRecord | null = destinationsIpv4 && { hostDevice: EGRESS_HOST_DEVICE, nftTable: EGRESS_NFT_TABLE, previousIpForward: await hostIpForward(), destinationsIpv4 };
    const backend = await chooseBackend(options.backend, options.conditions);
    // The pid in the names is what reaps them if this process is killed (reapLeftovers).
    const labId = `${process.pid}-${randomBytes(2).toString('hex')}`;
    const namespaces = { client: `${LAB_NETNS_PREFIX}${labId}-c`, server: `${LAB_NETNS_PREFIX}${labId}-s` };
    const addresses = {
      clientIpv4: LAB_ADDRESSES.clientIpv4,
      serverIpv4: LAB_ADDRESSES.serverIpv4,
      clientIpv6: LAB_ADDRESSES.clientIpv6,
      serverIpv6: LAB_ADDRESSES.serverIpv6,
    };
    // Recorded before anything exists, for `lab status` (reaping goes by the names' pid).
    cleanups.push(() => removeLabState(labId));
    await writeLabState({
      labId,
      ownerPid: process.pid,
      purpose: options.purpose,
      createdAt: new Date().toISOString(),
      namespaces,
      backend,
      addresses,
      conditions: options.conditions,
      ...(egressRecord ? { egress: egressRecord } : {}),
    });
    for (const name of [namespaces.client, namespaces.server]) {
      cleanups.push(() => deleteNamespace(name));
      await createNamespace(name);
    }
    const cc = options.tcpCongestionControl ?? 'cubic';
    cleanups.push(await allowCongestionControl(cc)); // the host's list as it was, when the lab stops
    for (const name of [namespaces.client, namespaces.server]) {
      await sysctlSet(name, 'net.ipv4.tcp_congestion_control', cc);
      // Same TCP buffer limits on every host, large enough for the lab's bandwidth-delay
      // products (net.core.*mem_max is host-wide and only recorded).
      await sysctlSet(name, 'net.ipv4.tcp_rmem', TCP_RMEM);
      await sysctlSet(name, 'net.ipv4.tcp_wmem', TCP_WMEM);
    }

    let emulator: EmulatorProcess | null = null;
    if (backend === 'emulator') {
      emulator = await EmulatorProcess.start({
        clientNetns: namespaces.client,
        clientDev: DEVICE,
        serverNetns: namespaces.server,
        serverDev: DEVICE,
        config: emulatorConfigFor(options.conditions),
        // SCHED_FIFO wakes the emulator on time: measured here, it cut the worst lateness
        // from 5.1 ms to 0.26 ms. Busy-polling (spin_us) would help more but takes a core.
        realtimePriority: EMULATOR_REALTIME_PRIORITY,
      });
      const running = emulator;
      cleanups.push(async () => void (await running.stop()));
    } else {
      await startNetemLink(options.conditions, namespaces, DEVICE);
    }
    // A /24 (/64) on each end routes the whole lab range, rebind addresses included.
    for (const [netns, v4, v6] of [
      [namespaces.client, LAB_ADDRESSES.clientIpv4, LAB_ADDRESSES.clientIpv6],
      [namespaces.server, LAB_ADDRESSES.serverIpv4, LAB_ADDRESSES.serverIpv6],
    ] as const) {
      await ip(['addr', 'add', `${v4}/24`, 'dev', DEVICE], netns);
      await ip(['addr', 'add', `${v6}/64`, 'dev', DEVICE, 'nodad'], netns);
    }
    const egress = egressRecord ? await startEgress({ record: egressRecord, namespaces, labDevice: DEVICE, cleanups }) : null;
    const settings: Record<string, string | null> = {};
    for (const [side, netns] of Object.entries(namespaces)) {
      const values = await readSysctls(RECORDED_SYSCTLS, netns);
      for (const name of RECORDED_SYSCTLS) settings[`${side}.${name}`] = values[name];
    }
    return {
      labId,
      backend,
      namespaces,
      addresses,
      conditions: options.conditions,
      settings,
      emulator,
      ...(egress ? { egress } : {}),
      linkStats: async () => (emulator ? emulator.stats() : null),
      stop: teardown,
    };
  } catch (error) {
    await teardown();
    throw error;
  }
}
