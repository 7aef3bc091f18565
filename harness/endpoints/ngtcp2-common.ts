// What ngtcp2's example server and client drivers share: their transport settings, how they
// are recorded, and facts about the host they run on.
import { runCommand } from '../process/managed-process.js';
import { readSysctls } from '../lab/sysctl.js';

export type Ngtcp2CongestionControl = 'cubic' | 'reno' | 'bbr' | 'bbr2';

/** Flow-control windows (bytes), named after the examples' options. */
export interface Ngtcp2Windows {
  maxDataBytes: number;
  maxStreamDataBidiLocalBytes: number;
  maxStreamDataBidiRemoteBytes: number;
  maxStreamDataUniBytes: number;
  /** Upper bounds of window auto-tuning. */
  maxWindowBytes: number;
  maxStreamWindowBytes: number;
}

/** RFC 9002's recommended initial RTT, also ngtcp2's default. */
export const NGTCP2_DEFAULT_INITIAL_RTT_MS = 333;

export interface UdpBuffers {
  rcvbufBytes: number | null;
  sndbufBytes: number | null;
}

/** Command-line flags for the flow-control windows, the same on both examples. */
export function windowArguments(w: Ngtcp2Windows): string[] {
  return [
    `--max-data=${w.maxDataBytes}`,
    `--max-stream-data-bidi-local=${w.maxStreamDataBidiLocalBytes}`,
    `--max-stream-data-bidi-remote=${w.maxStreamDataBidiRemoteBytes}`,
    `--max-stream-data-uni=${w.maxStreamDataUniBytes}`,
    `--max-window=${w.maxWindowBytes}`,
    `--max-stream-window=${w.maxStreamWindowBytes}`,
  ];
}

/** The settings a result records for either side. */
export function transportSettings(cc: Ngtcp2CongestionControl, initialRttMs: number, w: Ngtcp2Windows, buffers: UdpBuffers): Record<string, string | number | null> {
  return {
    congestionControl: cc,
    initialRttMs,
    maxDataBytes: w.maxDataBytes,
    maxStreamDataBidiLocalBytes: w.maxStreamDataBidiLocalBytes,
    maxStreamDataBidiRemoteBytes: w.maxStreamDataBidiRemoteBytes,
    maxStreamDataUniBytes: w.maxStreamDataUniBytes,
    maxWindowBytes: w.maxWindowBytes,
    maxStreamWindowBytes: w.maxStreamWindowBytes,
    udpRcvbufBytes: buffers.rcvbufBytes,
    udpSndbufBytes: buffers.sndbufBytes,
  };
}


const packageVersions = new Map<string, Promise<string | null>>();

/** Version of an installed Debian package (dpkg-query), asked once per process. */
export function dpkgVersion(pkg: string): Promise<string | null> {
  let version = packageVersions.get(pkg);
  if (!version) {
    version = runCommand({ name: `dpkg-query ${pkg}`, command: 'dpkg-query', args: ['-W', '--showformat=${Version}', pkg], timeoutMs: 5000 }).then(
      (r) => (r.code === 0 && r.stdout.trim() !== '' ? r.stdout.trim() : null),
    );
    packageVersions.set(pkg, version);
  }
  return version;
}

/** Default socket buffer sizes in a namespace: ngtcp2's examples never set SO_RCVBUF/SO_SNDBUF. */
export async function udpBufferDefaults(netns?: string): Promise<UdpBuffers> {
  const values = await readSysctls(['net.core.rmem_default', 'net.core.wmem_default'], netns);
  const bytes = (value: string | null): number | null => (value !== null && Number.isFinite(Number(value)) ? Number(value) : null);
  return { rcvbufBytes: bytes(values['net.core.rmem_default']), sndbufBytes: bytes(values['net.core.wmem_default']) };
}
