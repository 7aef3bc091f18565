// tcpdump writing a capture file, for the wire's view of a scenario. Started before the
// traffic, stopped after it; the file is then read with ./tshark.ts.
//
// tcpdump runs with --immediate-mode besides -U: libpcap's TPACKET_V3 ring hands packets to
// tcpdump a block at a time (after up to 1 s), and what sits in an unfinished block when
// tcpdump is told to stop is lost — a capture stopped right after a handshake would be
// nearly empty. Immediate mode hands over every packet at once.
//
// tcpdump opens the capture device and the file as root, then drops to the lab's
// unprivileged user (-Z quic-lab: no capabilities left) before it reads a packet; the file is
// that user's, for tshark to read as the same user (files/lab-user-dir.ts makes the directory).
// Debian's AppArmor profile for tcpdump lets it write only files named *.pcap (and a few other
// suffixes) where AppArmor is enforced: give the file a .pcap name.
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { ManagedProcess } from '../process/managed-process.js';
import { onCleanup } from '../process/cleanup.js';
import { labUserIfRoot } from '../process/unprivileged.js';

export interface PacketCaptureOptions {
  /** Capture inside this network namespace (via `ip netns exec`). */
  netns?: string;
  /** Interface to capture on, e.g. "lo". */
  interfaceName: string;
  /** A pcap filter expression, e.g. "udp port 4433 or tcp port 8443". */
  filter: string;
  /** Capture file to write (the caller's private directory). */
  file: string;
  /** Default 5 s. */
  readyTimeoutMs?: number;
  /** Executable; default tcpdump from PATH. */
  command?: string;
  /** Bytes kept of each packet (default: all). The headers are enough where only sizes and sequence numbers are read. */
  snaplenBytes?: number;
  /** tcpdump exits by itself after this many packets (-c); default: no bound. */
  maxPackets?: number;
}

/** tcpdump's own count at exit; null where it did not say. */
export interface CaptureSummary {
  /** Packets written to the file. */
  packetsCaptured: number | null;
  /** Packets the filter matched (on "lo" each packet is seen twice, out and in). */
  packetsReceivedByFilter: number | null;
  /** Packets the kernel dropped because tcpdump was too slow: non-zero means the file is incomplete. */
  packetsDroppedByKernel: number | null;
}

const DEFAULT_READY_TIMEOUT_MS = 5000;
/** How long tcpdump gets to flush and exit after SIGINT before it is killed. */
const STOP_GRACE_MS = 3000;

/** The numbers from tcpdump's exit summary ("N packets captured", ...). */
export function parseTcpdumpSummary(stderr: string): CaptureSummary {
  const count = (what: string): number | null => {
    const match = new RegExp(`^(\\d+) packets? ${what}$`, 'm').exec(stderr);
    return match?.[1] !== undefined ? Number(match[1]) : null;
  };
  return {
    packetsCaptured: count('captured'),
    packetsReceivedByFilter: count('received by filter'),
    packetsDroppedByKernel: count('dropped by kernel'),
  };
}

/** Kernel buffer for the capture (KiB): the default 2 MiB overflowed in a 48 s sweep of 24 servers. */
const CAPTURE_BUFFER_KIB = 32 * 1024;

/** `user`: the user tcpdump drops to once the device and file are open (-Z); without it, Debian's default ("tcpdump"). */
export function tcpdumpArguments(options: Pick<PacketCaptureOptions, 'interfaceName' | 'filter' | 'file' | 'snaplenBytes' | 'maxPackets'>, user?: string): string[] {
  return [
    '-i',
    options.interfaceName,
    '-n',
    '-U',
    '--immediate-mode',
    ...(user !== undefined ? ['-Z', user] : []),
    '-B',
    String(CAPTURE_BUFFER_KIB),
    '-s',
    String(options.snaplenBytes ?? 0),
    ...(options.maxPackets !== undefined ? ['-c', String(options.maxPackets)] : []),
    '-w',
    options.file,
    options.filter,
  ];
}

export class PacketCapture {
  private stopping: Promise<CaptureSummary> | undefined;
  private readonly closed: Promise<unknown>;
  private readonly unregister: () => void;

  private constructor(
    private readonly process: ManagedProcess,
    readonly file: string,
  ) {
    // 'close' comes after stderr has ended, so every summary line has been read by then.
    this.closed = once(process.child, 'close').catch(() => undefined);
    this.unregister = onCleanup(`stop packet capture ${file}`, async () => {
      await this.stop();
    });
  }

  /** Starts tcpdump and resolves once it is capturing (it said "listening on"). */
  static async start(options: PacketCaptureOptions): Promise<PacketCapture> {
    const user = await labUserIfRoot();
    const proc = new ManagedProcess({
      name: `tcpdump on ${options.interfaceName}${options.netns !== undefined ? ` in ${options.netns}` : ''}`,
      command: options.command ?? 'tcpdump',
      args: tcpdumpArguments(options, user?.name),
      ...(options.netns !== undefined ? { netns: options.netns } : {}),
    });
    const capture = new PacketCapture(proc, options.file);
    try {
      await proc.waitForLine(/listening on /, options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS);
    } catch (error) {
      await capture.stop().catch(() => undefined);
      const message = error instanceof Error ? error.message : String(error);
      const hint = /ENOENT/.test(message) ? ' (tcpdump is not installed; run `npm run setup`)' : '';
      throw new Error(`packet capture did not start: ${message}${hint}`, { cause: error });
    }
    return capture;
  }

  get running(): boolean {
    return this.process.running;
  }

  /**
   * Stops tcpdump with SIGINT (it then writes out what it has and prints its summary), waits
   * for it, and returns the summary. Safe to call more than once.
   */
  stop(): Promise<CaptureSummary> {
    this.stopping ??= (async () => {
      if (this.process.running) {
        this.process.child.kill('SIGINT');
        const killer = setTimeout(() => this.process.child.kill('SIGKILL'), STOP_GRACE_MS);
        await this.process.exited;
        clearTimeout(killer);
      }
      // Bounded: a descendant holding stderr open must not hang the stop.
      await Promise.race([this.closed, sleep(1000, undefined, { ref: false })]);
      await this.process.stop(); // already gone: only unregisters its cleanup
      this.unregister();
      return parseTcpdumpSummary(this.process.stderr());
    })();
    return this.stopping;
  }
}
