// What ngtcp2's example server and client drivers share: their transport settings, how they
// are recorded, and facts about the host they run on.
import { access, constants, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { projectPath } from '../../project-root.js';
import { withPrivateDir } from '../../files/private-dir.js';
import { runCommand } from '../../process/managed-process.js';
import { windowFloorBytes } from '../types.js';

/** The controllers the 1.x examples' --cc offers (0.12's bbr2 is gone in 1.x). */
export const NGTCP2_CONGESTION_CONTROLS = ['cubic', 'reno', 'bbr'] as const;
export type Ngtcp2CongestionControl = (typeof NGTCP2_CONGESTION_CONTROLS)[number];

/** A controller asked of the lab's QUIC stacks, checked against what ngtcp2 has. */
export function ngtcp2CongestionControl(cc: string): Ngtcp2CongestionControl {
  const known = NGTCP2_CONGESTION_CONTROLS.find((name) => name === cc);
  if (known === undefined) throw new Error(`ngtcp2 has no congestion controller "${cc}" (it has ${NGTCP2_CONGESTION_CONTROLS.join(', ')})`);
  return known;
}

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

/**
 * Windows for a path of `bdpBytes` bandwidth-delay product: every bulk-data window (connection,
 * both bidirectional stream directions, and the auto-tuning ceilings) at least twice the BDP,
 * so flow control never caps a transfer below the link rate: a window of one BDP would, since
 * credit comes back a round trip after the data is read and the congestion window overshoots
 * the BDP when the bottleneck queues; auto-tuning would get there too, but only after round
 * trips of slow start under a smaller window. Never below `base` (the side's defaults).
 * Unidirectional streams carry HTTP/3 control and QPACK data only and keep their base window.
 * At 1 Gbit/s and 600 ms the BDP is 75 MB: the defaults' 16 MiB stream ceiling would cap that
 * path near 220 Mbit/s.
 */
export function windowsForBdp(bdpBytes: number, base: Ngtcp2Windows): Ngtcp2Windows {
  const floor = windowFloorBytes(bdpBytes);
  const atLeast = (current: number): number => Math.max(current, floor);
  return {
    maxDataBytes: atLeast(base.maxDataBytes),
    maxStreamDataBidiLocalBytes: atLeast(base.maxStreamDataBidiLocalBytes),
    maxStreamDataBidiRemoteBytes: atLeast(base.maxStreamDataBidiRemoteBytes),
    maxStreamDataUniBytes: base.maxStreamDataUniBytes,
    maxWindowBytes: atLeast(base.maxWindowBytes),
    maxStreamWindowBytes: atLeast(base.maxStreamWindowBytes),
  };
}

/** RFC 9002's recommended initial RTT, also ngtcp2's default. */
export const NGTCP2_DEFAULT_INITIAL_RTT_MS = 333;

export interface UdpBuffers {
  /** What the shim asks for. */
  rcvbufBytes: number | null;
  sndbufBytes: number | null;
  /** What the kernel gave, as getsockopt reports it (twice the size set: half is its bookkeeping); null when unknown. */
  rcvbufKernelBytes: number | null;
  sndbufKernelBytes: number | null;
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
    udpRcvbufKernelBytes: buffers.rcvbufKernelBytes,
    udpSndbufKernelBytes: buffers.sndbufKernelBytes,
  };
}

/**
 * UDP socket buffers for gtlsclient and gtlsserver. The examples set none, and the kernel's
 * default (about 208 KiB) makes a fast sender overrun the receiver's socket: datagrams are
 * dropped before QUIC sees them (measured: 220 Mbit/s where HTTP/2 got 840 on a 1 Gbit/s,
 * 20 ms link). The native/udp-buffers shim sets these (SO_RCVBUFFORCE/SO_SNDBUFFORCE, past
 * the host-wide rmem_max) on every UDP socket, as TCP's autotuning would.
 */
export const NGTCP2_UDP_BUFFER_BYTES = 16 * 1024 * 1024;
export const UDP_BUFFERS_SHIM = projectPath('native/udp-buffers/build/libudp-buffers.so');

/** The environment that makes the shim size a process's UDP buffers. */
export function udpBufferEnvironment(bytes = NGTCP2_UDP_BUFFER_BYTES): Record<string, string> {
  return { LAB_UDP_RCVBUF_BYTES: String(bytes), LAB_UDP_SNDBUF_BYTES: String(bytes) };
}

/**
 * The buffers the shim asks for and those the kernel gave: a UDP socket opened through the
 * shim (by Node, as this user) reports them (LAB_UDP_BUFFERS_REPORT), so a kernel or a user
 * that caps them shows in the result rather than the request. Throws when it is not built.
 */
export async function udpBuffers(bytes = NGTCP2_UDP_BUFFER_BYTES): Promise<UdpBuffers> {
  await access(UDP_BUFFERS_SHIM, constants.R_OK).catch(() => {
    throw new Error(`the UDP buffer shim ${UDP_BUFFERS_SHIM} is not built: run \`npm run setup\``);
  });
  const kernel = await withPrivateDir('quic-lab-udp-buffers-', async (dir) => {
    const reportFile = join(dir, 'report');
    await runCommand({
      name: 'UDP buffer probe',
      command: process.execPath,
      args: ['-e', "const s = require('node:dgram').createSocket('udp4'); s.bind(0, '127.0.0.1', () => s.close());"],
      env: { PATH: process.env.PATH ?? '', ...udpBufferEnvironment(bytes), LD_PRELOAD: UDP_BUFFERS_SHIM, LAB_UDP_BUFFERS_REPORT: reportFile },
      timeoutMs: 10_000,
    });
    return parseUdpBuffersReport(await readFile(reportFile, 'utf8').catch(() => ''));
  });
  return { rcvbufBytes: bytes, sndbufBytes: bytes, ...kernel };
}

/** The shim's report ("rcvbuf=N sndbuf=N" per socket): the first socket's sizes, null when absent or unreadable. */
export function parseUdpBuffersReport(text: string): Pick<UdpBuffers, 'rcvbufKernelBytes' | 'sndbufKernelBytes'> {
  const match = /^rcvbuf=(\d+) sndbuf=(\d+)$/m.exec(text);
  return { rcvbufKernelBytes: match ? Number(match[1]) : null, sndbufKernelBytes: match ? Number(match[2]) : null };
}
