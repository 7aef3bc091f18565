// aioquic (Python, asyncio), current PyPI release, as the lab's own HTTP/3 server and client
// (peers/aioquic/, a venv built by setup from a hashed requirements file), driven through the
// peer contract.
import { peerImplementation, type PeerProgram } from '../peer-program/index.js';

const program: PeerProgram = {
  peer: 'aioquic',
  implementation: { server: 'aioquic-server', client: 'aioquic-client' },
  // aioquic 1.x has Reno and CUBIC; its datagrams stay at 1200 bytes (no path-MTU discovery).
  defaultCongestionControl: 'reno',
  congestionControls: ['cubic', 'reno'],
  initialRtt: { defaultMs: 100, settable: true },
  notes: { udpBuffers: 'asks for 4 MiB (capped by rmem_max/wmem_max)', datagrams: '1200 bytes at most (no path-MTU discovery)' },
};

export const aioquic = peerImplementation('aioquic', program, {
  install: 'peers/aioquic, a Python venv built by npm run setup',
  timingSource: { source: 'aioquic events as the asyncio loop delivers them (time.monotonic)', resolutionMs: 0.001 },
});
