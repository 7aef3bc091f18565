// Where the run's endpoints live and what they are told about the link: on the lab, servers in
// the server namespace and clients in the client's; on loopback, both on this host.
import { bodySizesOf, endpointFactory, type EndpointPlacement } from '../endpoints/registry.js';
import type { Lab } from '../lab/lab.js';
import type { ScenarioDefinition } from '../scenario/types.js';
import type { EndpointFactory } from './loop.js';
import type { SessionOptions } from './options.js';

export function placementFor(scenario: ScenarioDefinition, lab: Lab | null, options: SessionOptions, bdpBytes: number, keylogFile: string | undefined): EndpointFactory {
  const placement: EndpointPlacement = {
    ...(lab ? { serverHost: lab.addresses.serverIpv4, clientNetns: lab.namespaces.client, serverNetns: lab.namespaces.server } : { serverHost: '127.0.0.1' }),
    ...(options.quicInitialRttMs !== undefined ? { quicInitialRttMs: options.quicInitialRttMs } : {}),
    // Transfers record the server's loss recovery.
    ...(scenario.transfers ? { serverQlog: true } : {}),
    bodySizes: bodySizesOf(scenario.cases),
    ...(bdpBytes > 0 ? { bdpBytes } : {}),
    // The same controller on both transports: the names --cc takes mean the same in ngtcp2.
    ...(options.congestionControl !== undefined ? { quicCongestionControl: options.congestionControl } : {}),
    ...(keylogFile !== undefined ? { keylogFile } : {}),
  };
  return endpointFactory(placement);
}
