// iperf3 between the lab's namespaces: what a kernel TCP (or UDP) flow gets on the same link,
// the reference the transfer scenarios and the benches compare against.
import { join } from 'node:path';
import { z } from 'zod';
import { PacketCapture } from '../capture/packet-capture.js';
import { readTcpSegments, type TcpSegment } from '../capture/tcp-segments.js';
import { withLabUserDir } from '../files/lab-user-dir.js';
import { ManagedProcess, runCommand } from '../process/managed-process.js';
import type { TcpReference, TcpReferenceWire } from '../results/link.js';
import { bulkFlowOnWire } from './wire-flow.js';

export const IPERF_PORT = 5201;

const iperfSumSchema = z.object({
  bits_per_second: z.number(),
  bytes: z.number().optional(),
  retransmits: z.number().optional(),
  lost_percent: z.number().optional(),
  lost_packets: z.number().optional(),
  packets: z.number().optional(),
});
export const iperfReportSchema = z.object({
  end: z.object({
    sum_received: iperfSumSchema.optional(),
    sum_sent: iperfSumSchema.optional(),
    sum: iperfSumSchema.optional(),
    sum_bidir_reverse: iperfSumSchema.optional(),
  }),
});
export type IperfReport = z.infer<typeof iperfReportSchema>;

/**
 * An iperf3 server in `netns` (absent: this host) on host:port, ready to accept: one-shot (-1,
 * it exits after one test) by default; `persistent` serves one test after another (still one
 * at a time: a client that comes during a test is told the server is busy).
 */
export async function iperfServer(netns: string | undefined, host: string, options: { port?: number; persistent?: boolean } = {}): Promise<ManagedProcess> {
  const port = options.port ?? IPERF_PORT;
  const server = new ManagedProcess({
    name: `iperf3 server on port ${port}${netns !== undefined ? ` in ${netns}` : ''}`,
    ...(netns !== undefined ? { netns } : {}),
    command: 'iperf3',
    args: ['-s', ...(options.persistent ? [] : ['-1']), '-B', host, '-p', String(port), '--forceflush'],
  });
  try {
    await server.waitForLine(/Server listening/, 5000);
    return server;
  } catch (error) {
    await server.stop(1000);
    throw error;
  }
}

/** One iperf3 client run to a server started just for it; bounded by seconds + 10 s. */
export async function iperf(netns: string, serverNetns: string, host: string, args: string[], seconds: number): Promise<IperfReport> {
  const server = await iperfServer(serverNetns, host);
  try {
    const result = await runCommand({
      name: `iperf3 client in ${netns}`,
      netns,
      command: 'iperf3',
      args: ['-c', host, '-p', String(IPERF_PORT), '-t', String(seconds), '-J', ...args],
      timeoutMs: seconds * 1000 + 10_000,
    });
    if (result.code !== 0) throw new Error(`iperf3 ${args.join(' ')}: ${result.timedOut ? 'timed out' : `exit ${result.code}`} ${result.stdout.slice(0, 300)}`);
    return iperfReportSchema.parse(JSON.parse(result.stdout));
  } finally {
    await server.stop(1000);
  }
}

export type { TcpReference } from '../results/link.js';

/** iperf3's COOKIE_SIZE: the first bytes a client writes on each connection, before any data. */
export const IPERF3_COOKIE_BYTES = 37;
/** Headers only: Ethernet (14) + IPv6 (40) + TCP with every option (60) fit. */
const REFERENCE_SNAPLEN_BYTES = 128;
/** tshark on a long reference at a high rate (about 80 000 packets a second at 1 Gbit/s) takes a while. */
const READ_TIMEOUT_MS = 180_000;

export interface TcpReferenceOptions {
  direction: 'down' | 'up';
  congestionControl: string;
  seconds: number;
  /** Where the client namespace's side of the link is to be captured; absent: no wire figure (wireError says so). */
  captureInterface?: string;
}

/**
 * A TCP flow over the lab link in the transfer's direction ("down": server to client, iperf3
 * -R): what the link carries for one kernel TCP flow (iperf3's own figure leaves out the first
 * second, slow start).
 * The flow is also captured in the client namespace (headers only) and measured as the
 * scenarios' wire goodput is (wire-flow.ts): that figure is the reference; iperf3's own is
 * kept beside it.
 */
export async function tcpReference(lab: { namespaces: { client: string; server: string }; addresses: { serverIpv4: string } }, options: TcpReferenceOptions): Promise<TcpReference> {
  const omittedSeconds = 1;
  const host = lab.addresses.serverIpv4;
  const run = () => iperf(lab.namespaces.client, lab.namespaces.server, host, ['-O', String(omittedSeconds), '-C', options.congestionControl, ...(options.direction === 'down' ? ['-R'] : [])], options.seconds);
  const own = (report: IperfReport): TcpReference => {
    const received = report.end.sum_received;
    if (!received) throw new Error('iperf3 reported no received sum');
    return {
      tool: 'iperf3 TCP',
      direction: options.direction,
      congestionControl: options.congestionControl,
      seconds: options.seconds,
      omittedSeconds,
      goodputBitsPerSecond: received.bits_per_second,
      retransmits: report.end.sum_sent?.retransmits ?? null,
    };
  };
  const { captureInterface } = options;
  if (captureInterface === undefined) return { ...own(await run()), wire: null, wireError: 'not captured (the run has no packet capture)' };
  // tcpdump writes and tshark reads the capture as the lab's unprivileged user.
  return withLabUserDir('quic-lab-reference-', async (dir) => {
    const file = join(dir, 'reference.pcap');
    // Only the receiving direction: the data the receiver gets, as the scenarios' wire goodput counts it.
    const filter = options.direction === 'down' ? `tcp and src host ${host} and src port ${IPERF_PORT}` : `tcp and dst host ${host} and dst port ${IPERF_PORT}`;
    let capture: PacketCapture | undefined;
    let wireError: string | undefined;
    try {
      capture = await PacketCapture.start({ netns: lab.namespaces.client, interfaceName: captureInterface, filter, file, snaplenBytes: REFERENCE_SNAPLEN_BYTES });
    } catch (error) {
      wireError = errorText(error);
    }
    // Bounded: stopped when iperf3 is done or, should that hang, once iperf3's own bound has passed.
    let cutOff = false;
    const stopper = setTimeout(
      () => {
        cutOff = true;
        void capture?.stop().catch(() => undefined);
      },
      (options.seconds + omittedSeconds) * 1000 + 20_000,
    );
    let reference: TcpReference;
    let lostByCapture: number | null;
    try {
      reference = own(await run());
    } finally {
      clearTimeout(stopper);
      lostByCapture = (await capture?.stop().catch(() => null))?.packetsDroppedByKernel ?? null;
    }
    let wire: TcpReferenceWire | null = null;
    if (capture !== undefined) {
      try {
        if (lostByCapture) throw new Error(`tcpdump could not keep up and lost ${lostByCapture} packets`);
        if (cutOff) throw new Error('the capture was stopped at its time bound before iperf3 ended');
        const inDirection = (s: TcpSegment) => (options.direction === 'down' ? s.src.ip === host && s.src.port === IPERF_PORT : s.dst.ip === host && s.dst.port === IPERF_PORT);
        wire = bulkFlowOnWire(await readTcpSegments(file, { timeoutMs: READ_TIMEOUT_MS }), inDirection, options.direction === 'up' ? IPERF3_COOKIE_BYTES : 0);
        if (wire === null) wireError = 'the capture holds no data packets of the flow';
      } catch (error) {
        wireError = errorText(error);
      }
    }
    return { ...reference, wire, ...(wireError !== undefined ? { wireError } : {}) };
  });
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The figure a transfer is compared with: the wire's when the reference was captured, else iperf3's own (older results, no capture). */
export function referenceGoodput(reference: TcpReference): { bitsPerSecond: number; source: 'wire' | 'iperf3' } {
  return reference.wire ? { bitsPerSecond: reference.wire.goodputBitsPerSecond, source: 'wire' } : { bitsPerSecond: reference.goodputBitsPerSecond, source: 'iperf3' };
}
