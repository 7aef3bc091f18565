// quiche (Cloudflare, Rust), current crates.io release, as the lab's own HTTP/3 server and
// client (peers/quiche/, built by setup from its Cargo.lock with BoringSSL), driven through the
// peer contract.
import { peerImplementation, type PeerProgram } from '../peer-program/index.js';

const program: PeerProgram = {
  peer: 'quiche',
  implementation: { server: 'quiche-server', client: 'quiche-client' },
  // quiche 0.30 has CUBIC, Reno and BBRv2 (its "bbr" is another name for BBRv2, so the
  // program refuses bbr rather than run BBRv2 under BBRv1's name).
  defaultCongestionControl: 'cubic',
  congestionControls: ['cubic', 'reno', 'bbr2'],
  initialRtt: { defaultMs: 333, settable: true },
  notes: { udpBuffers: "the kernel's defaults (the program sets none)" },
};

export const quiche = peerImplementation('quiche', program, {
  install: 'peers/quiche, built with cargo (BoringSSL with cmake) by npm run setup',
  timingSource: { source: 'quiche events (Instant at each recv/poll return)', resolutionMs: 0.001 },
});
