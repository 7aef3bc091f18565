// Where the run's endpoints live and what they are told about the link: on the lab, servers in
// the server namespace and clients in the client's; on loopback, both on this host.
import { endpointFactory } from '../endpoints/registry.js';
import type { EndpointFactory, EndpointPlacement } from '../endpoints/types.js';
import type { RemoteServer } from '../endpoints/target/server.js';
import type { Lab } from '../lab/lab.js';
import { bodySizesOf } from '../scenario/body-sizes.js';
import type { AnyScenario } from '../scenario/types.js';
import type { SessionOptions } from './options.js';

/** The lab's clients reach their servers over IPv4 (serverIpv4 below): the payload capacity counts its header. */
export const LAB_IP_VERSION = 4;

export function placementFor(scenario: AnyScenario, lab: Lab | null, options: SessionOptions, bdpBytes: number, keylogFile: string | undefined, remoteServer?: RemoteServer): EndpointFactory {
  const placement: EndpointPlacement = {
    ...(lab ? { serverHost: lab.addresses.serverIpv4, clientNetns: lab.namespaces.client, serverNetns: lab.namespaces.server } : { serverHost: '127.0.0.1' }),
    quic: {
      ...(options.quicInitialRttMs !== undefined ? { initialRttMs: options.quicInitialRttMs } : {}),
      // The same controller on both transports: the names --cc takes mean the same in the QUIC stacks.
      ...(options.congestionControl !== undefined ? { congestionControl: options.congestionControl } : {}),
    },
    // Transfers and competing flows record the server's loss recovery.
    ...(scenario.transfers || scenario.contest ? { recordServerRecovery: true } : {}),
    bodySizes: bodySizesOf(scenario.cases),
    ...(bdpBytes > 0 ? { bdpBytes } : {}),
    ...(keylogFile !== undefined ? { keylogFile } : {}),
    ...(remoteServer !== undefined ? { remoteServer } : {}),
  };
  return endpointFactory(placement);
}
