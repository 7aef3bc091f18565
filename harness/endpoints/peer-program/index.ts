// One run's endpoints of any peer program (peers/CONTRACT.md), placed as the run says: a
// stack's descriptor is its PeerProgram and this.
import { peerBuilt } from '../peer-build.js';
import { H3, defineImplementation, type ImplementationEndpoints } from '../descriptor.js';
import { windowFloorBytes, type EndpointPlacement } from '../types.js';
import type { TimingSource } from '../../results/schema.js';
import { PeerProgramClient } from './client.js';
import { peerVersion, type PeerProgram, type PeerTransport } from './peer.js';
import { PeerProgramServer } from './server.js';

export type { PeerProgram } from './peer.js';

/** The placement's QUIC options as the contract's: windows at least the path's floor (windowFloorBytes). */
export function peerTransport(placement: EndpointPlacement): PeerTransport {
  return {
    ...(placement.quic?.congestionControl !== undefined ? { congestionControl: placement.quic.congestionControl } : {}),
    ...(placement.quic?.initialRttMs !== undefined ? { initialRttMs: placement.quic.initialRttMs } : {}),
    ...(placement.bdpBytes !== undefined ? { maxWindowBytes: windowFloorBytes(placement.bdpBytes) } : {}),
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

/**
 * A contract program's whole descriptor: an HTTP/3 server and client of the same name, every
 * session mode, uploads and batches (what the contract asks of every peer). `name` is the
 * peer's folder and its --server/--client name.
 */
export function peerImplementation<const N extends string>(name: N, program: PeerProgram, details: { install: string; timingSource: TimingSource }) {
  const version = peerProgramVersion(program);
  const role = { name, selectable: true, speaks: H3, sessionModes: ['cold', 'resumed', 'early-data'], version } as const;
  return defineImplementation({
    name,
    install: details.install,
    server: { ...role, implementation: program.implementation.server },
    client: { ...role, implementation: program.implementation.client, can: { exchange: true, batch: true, copy: 'an HTTP/3 client: no SMB file copy', messages: 'an HTTP client: no WebTransport or WebSocket messages' } },
    open: openPeerProgram(program, details.timingSource),
  });
}
