// quic-go (Go), current release, as the lab's own HTTP/3 server and client (peers/quic-go/,
// built by setup from its go.mod/go.sum), driven through the peer contract.
import { peerImplementation, type PeerProgram } from '../peer-program/index.js';

const program: PeerProgram = {
  peer: 'quic-go',
  implementation: { server: 'quic-go-server', client: 'quic-go-client' },
  // quic-go has NewReno only (with hybrid slow start and pacing; Cubic was removed) and a
  // fixed 100 ms initial RTT; the program refuses anything else (exit 2).
  defaultCongestionControl: 'reno',
  congestionControls: ['reno'],
  initialRtt: { defaultMs: 100, settable: false },
  notes: { udpBuffers: "quic-go's own: it asks for 7 MiB (SO_RCVBUFFORCE/SO_SNDBUFFORCE when allowed)" },
};

export const quicGo = peerImplementation('quic-go', program, {
  install: 'peers/quic-go, built with Go by npm run setup',
  timingSource: { source: 'quic-go qlog events (handshake), http3 reads (body)', resolutionMs: 0.001 },
});
