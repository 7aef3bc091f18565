// The iperf3 server as a lab server: `iperf3 -s` on one address and port, in the server
// namespace, serving one test after another for the whole run. An iperf3 server runs one test
// at a time (a second client is told "the server is busy"), so a run starts one per flow that
// uses it (descriptor.ts: oneClientAtATime), each on a port of its own.
import { iperfServer } from '../../measure/iperf3.js';
import type { ManagedProcess } from '../../process/managed-process.js';
import type { EndpointInfo } from '../../results/schema.js';
import { LAB_SERVER_NAME } from '../../lab/addresses.js';
import type { ServerAddress, ServerEndpoint } from '../types.js';
import { iperf3Version } from './version.js';

export class Iperf3Server implements ServerEndpoint {
  readonly implementation = 'iperf3-server';
  readonly speaks = [{ protocol: 'tcp', application: 'none' }] as const;
  private process: ManagedProcess | undefined;
  private version: string | null = null;

  constructor(private readonly options: { host: string; port: number; netns?: string }) {}

  async start(): Promise<ServerAddress> {
    const address = { host: this.options.host, port: this.options.port, serverName: LAB_SERVER_NAME };
    if (this.process?.running) return address;
    if (this.process) await this.stop(); // it died since: clear the old one first
    this.version = await iperf3Version();
    this.process = await iperfServer(this.options.netns, this.options.host, { port: this.options.port, persistent: true });
    return address;
  }

  exitReason(): string | null {
    return this.process?.exitDescription ?? null;
  }

  async stop(): Promise<void> {
    const process = this.process;
    this.process = undefined;
    await process?.stop(1000);
  }

  info(): EndpointInfo {
    return {
      implementation: this.implementation,
      version: this.version ?? 'unknown',
      settings: {
        port: this.options.port,
        mode: 'persistent (-s, no -1), one test at a time',
        congestionControl: "the client's -C, per test",
      },
    };
  }
}
