// Where a peer built by scripts/build-peers.sh lives: peers/<name>/out links to its build in
// the cache. A peer whose toolchain was missing at setup has no link and is unavailable.
import { existsSync } from 'node:fs';
import { projectPath } from '../project-root.js';

/** A file of peer `name`'s build, e.g. `peerPath('quic-go', 'bin', 'quic-go-peer')`. */
export function peerPath(name: string, ...segments: string[]): string {
  return projectPath('peers', name, 'out', ...segments);
}

/** Whether setup built peer `name` (its toolchain was there). */
export function peerBuilt(name: string): boolean {
  return existsSync(peerPath(name, '.complete'));
}

/** What to tell a user whose peer `name` is not built. */
export function peerMissingHint(name: string): string {
  return `the ${name} peer is not built (peers/${name}/); run \`npm run setup\`, which says why it skipped it`;
}
