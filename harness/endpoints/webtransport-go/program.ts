// The lab's WebTransport peer (peers/webtransport/, webtransport-go over quic-go, built by
// setup from its go.mod/go.sum) as a peer program: its executable and version probe.
import type { PeerProgram } from '../peer-program/peer.js';

export const webTransportProgram: PeerProgram = {
  peer: 'webtransport',
  implementation: { server: 'webtransport-go-server', client: 'webtransport-go-client' },
  // quic-go underneath: NewReno only, a fixed 100 ms initial RTT; the program takes neither option.
  defaultCongestionControl: 'reno',
  congestionControls: ['reno'],
  initialRtt: { defaultMs: 100, settable: false },
};
