// iperf3 between the lab's namespaces: what a kernel TCP (or UDP) flow gets on the same link,
// the reference the transfer scenarios and the benches compare against.
import { z } from 'zod';
import { ManagedProcess, runCommand } from '../process/managed-process.js';
import type { TcpReference } from '../results/link.js';

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

/** A one-shot iperf3 server in `netns`, ready to accept. */
export async function iperfServer(netns: string, host: string): Promise<ManagedProcess> {
  const server = new ManagedProcess({ name: `iperf3 server in ${netns}`, netns, command: 'iperf3', args: ['-s', '-1', '-B', host, '-p', String(IPERF_PORT), '--forceflush'] });
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

/**
 * A TCP flow over the lab link in the transfer's direction ("down": server to client, iperf3
 * -R), after a second of slow start left out: what the link carries for one kernel TCP flow.
 */
export async function tcpReference(
  lab: { namespaces: { client: string; server: string }; addresses: { serverIpv4: string } },
  options: { direction: 'down' | 'up'; congestionControl: string; seconds: number },
): Promise<TcpReference> {
  const omittedSeconds = 1;
  const report = await iperf(
    lab.namespaces.client,
    lab.namespaces.server,
    lab.addresses.serverIpv4,
    ['-O', String(omittedSeconds), '-C', options.congestionControl, ...(options.direction === 'down' ? ['-R'] : [])],
    options.seconds,
  );
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
}
