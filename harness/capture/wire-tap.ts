// The run's packet capture: tcpdump on the client side of the link (the lab device in the
// client namespace, or loopback), the clients' TLS secrets in a key log beside it, both in a
// private temporary directory that is removed afterwards unless the user keeps them.
import { chmod, copyFile, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { makeOwnedTempDir } from '../files/owned-temp-dir.js';
import { join } from 'node:path';
import type { Protocol, ServerAddress } from '../endpoints/types.js';
import { onCleanup } from '../process/cleanup.js';
import { PacketCapture } from './packet-capture.js';
import { makeLabUserDir } from '../files/lab-user-dir.js';
import type { PrivateDir } from '../files/private-dir.js';
import { readKeyLog } from './keylog.js';
import { readPackets } from './tshark.js';
import { analyzeConnections, type WireConnection } from './wire-analysis.js';

/** What the run loop needs of a capture: start on the run's servers, then the connections seen. */
export interface WireTap {
  start(servers: ReadonlyArray<{ address: ServerAddress; protocol: Protocol }>): Promise<void>;
  /** Stops recording; the connections seen, analysed (none when `analyse` is false), and what went wrong. */
  finish(analyse: boolean): Promise<{ connections: WireConnection[]; problems: string[] }>;
}

export interface WireTapOptions {
  /** Namespace to capture in (the lab's client namespace); absent: this host. */
  netns?: string;
  interfaceName: string;
  /** Copy the capture and key log here when done (--keep-captures). */
  keepDir?: string;
  /** Prefix of kept files, e.g. the run id. */
  keepPrefix?: string;
  /** Bound of the capture in packets (tcpdump -c); default none. */
  maxPackets?: number;
}

/** Only the run's own servers: their address and ports, per transport. */
export function captureFilter(servers: ReadonlyArray<{ address: ServerAddress; protocol: Protocol }>): string {
  if (servers.length === 0) throw new Error('nothing to capture: no servers');
  const byHost = new Map<string, string[]>();
  for (const { address, protocol } of servers) {
    const transport = protocol === 'quic' ? 'udp' : 'tcp';
    byHost.set(address.host, [...(byHost.get(address.host) ?? []), `(${transport} port ${address.port})`]);
  }
  return [...byHost.entries()].map(([host, ports]) => `(host ${host} and (${[...new Set(ports)].join(' or ')}))`).join(' or ');
}

export class RunWireTap implements WireTap {
  private capture: PacketCapture | undefined;
  private servers: Array<{ ip: string; port: number; transport: 'tcp' | 'udp' }> = [];

  private constructor(
    private readonly options: WireTapOptions,
    private readonly dir: string,
    private readonly captureDir: PrivateDir,
    private readonly unregister: () => void,
  ) {}

  /**
   * Makes the private directories: root's for the key log the clients append to, the lab
   * user's for the capture (tcpdump and tshark run as that user).
   */
  static async create(options: WireTapOptions): Promise<RunWireTap> {
    const dir = await makeOwnedTempDir('quic-lab-capture-');
    await chmod(dir, 0o700);
    const unregister = onCleanup('remove the packet capture', () => rm(dir, { recursive: true, force: true }));
    let captureDir: PrivateDir;
    try {
      captureDir = await makeLabUserDir('quic-lab-pcap-');
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      unregister();
      throw error;
    }
    const tap = new RunWireTap(options, dir, captureDir, unregister);
    await createKeyLog(tap.keylogFile);
    return tap;
  }

  get keylogFile(): string {
    return join(this.dir, 'keys.log');
  }

  private get pcapFile(): string {
    return join(this.captureDir.path, 'capture.pcap');
  }

  async start(servers: ReadonlyArray<{ address: ServerAddress; protocol: Protocol }>): Promise<void> {
    this.servers = servers.map(({ address, protocol }) => ({ ip: address.host, port: address.port, transport: protocol === 'quic' ? 'udp' : 'tcp' }));
    this.capture = await PacketCapture.start({
      ...(this.options.netns !== undefined ? { netns: this.options.netns } : {}),
      interfaceName: this.options.interfaceName,
      filter: captureFilter(servers),
      file: this.pcapFile,
      ...(this.options.maxPackets !== undefined ? { maxPackets: this.options.maxPackets } : {}),
    });
  }

  async finish(analyse: boolean): Promise<{ connections: WireConnection[]; problems: string[] }> {
    try {
      const stats = await this.capture?.stop();
      const problems = stats?.packetsDroppedByKernel ? [`tcpdump could not keep up and lost ${stats.packetsDroppedByKernel} packets: some samples' wire metrics may be missing or wrong`] : [];
      let connections: WireConnection[] = [];
      if (analyse && this.capture !== undefined) {
        // tshark decrypts about 4 MB of capture a second on these machines: a minute, plus a second per MB.
        const { size } = await stat(this.pcapFile);
        const packets = await readPackets(this.pcapFile, { keylogFile: this.keylogFile, timeoutMs: 60_000 + Math.ceil(size / 1e6) * 1000 });
        connections = analyzeConnections(packets, this.servers, await readKeyLog(this.keylogFile));
      }
      // Keeping the files is a copy on the side: when it fails, the metrics stay and the run says why.
      await this.keep().catch((error: unknown) => problems.push(`not kept in ${this.options.keepDir}: ${error instanceof Error ? error.message : String(error)}`));
      return { connections, problems };
    } finally {
      await this.dispose();
    }
  }

  private async keep(): Promise<void> {
    const { keepDir, keepPrefix = 'capture' } = this.options;
    if (keepDir === undefined || this.capture === undefined) return;
    await mkdir(keepDir, { recursive: true });
    await copyFile(this.pcapFile, join(keepDir, `${keepPrefix}.pcap`));
    const keys = join(keepDir, `${keepPrefix}.keys.log`);
    await copyFile(this.keylogFile, keys);
    await chmod(keys, 0o600); // TLS secrets: readable by the owner only
  }

  async dispose(): Promise<void> {
    await this.capture?.stop().catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
    await this.captureDir.remove();
    this.unregister();
  }
}

/**
 * An empty key log only its owner can read: created, never reused (O_EXCL: an existing file,
 * or a symlink planted at its name, is refused rather than written through or overwritten).
 */
export async function createKeyLog(path: string): Promise<void> {
  await writeFile(path, '', { mode: 0o600, flag: 'wx' });
}
