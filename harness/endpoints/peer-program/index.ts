// One run's endpoints of any peer program (peers/CONTRACT.md), placed as the run says: a
// stack's descriptor is its PeerProgram and this.
import { peerBuilt } from '../peer-build.js';
import type { ImplementationEndpoints } from '../descriptor.js';
import type { EndpointPlacement } from '../types.js';
import type { TimingSource } from '../../results/schema.js';
import { PeerProgramClient } from './client.js';
import { peerVersion, type PeerProgram, type PeerTransport } from './peer.js';
import { PeerProgramServer } from './server.js';

export type { PeerProgram } from './peer.js';

/** The placement's QUIC options as the contract's: windows at least twice the path's BDP (see ngtcp2's windowsForBdp). */
export function peerTransport(placement: EndpointPlacement): PeerTransport {
  return {
    ...(placement.quic?.congestionControl !== undefined ? { congestionControl: placement.quic.congestionControl } : {}),
    ...(placement.quic?.initialRttMs !== undefined ? { initialRttMs: placement.quic.initialRttMs } : {}),
    ...(placement.bdpBytes !== undefined ? { maxWindowBytes: Math.ceil(2 * placement.bdpBytes) } : {}),
  };
}

export function openPeerProgram(program: PeerProgram, timingSource: TimingSource): (placement: EndpointPlacement) => ImplementationEndpoints {
  return (placement) => {
    const transport = peerTransport(placement);
    return {
      server: (tls) =>
        new PeerProgramServer(program, {
          tls,
          host: placement.serverHost,
          ...(placement.serverNetns !== undefined ? { netns: placement.serverNetns } : {}),
          transport,
        }),
      client: (_case, tls) =>
        new PeerProgramClient(program, {
          tls,
          ...(placement.clientNetns !== undefined ? { netns: placement.clientNetns } : {}),
          ...(placement.keylogFile !== undefined ? { keylogFile: placement.keylogFile } : {}),
          transport,
          timingSource,
        }),
    };
  };
}

/** The descriptor's version probe: null (unavailable) when setup did not build the peer. */
export function peerProgramVersion(program: PeerProgram): () => Promise<string | null> {
  return async () => (peerBuilt(program.peer) ? peerVersion(program).catch(() => null) : null);
}
