// What the generic endpoint needs to know of one peer program (peers/CONTRACT.md): its name,
// what it records as, and the transport settings it has by default or cannot change.
import { peerPath } from '../peer-build.js';
import { runCommand } from '../../process/managed-process.js';
import type { CongestionControl } from '../types.js';

export interface PeerProgram {
  /** The folder under peers/ and the executable's name (out/bin/<peer>). */
  readonly peer: string;
  /** The names results record for each role (EndpointInfo.implementation), unique across the lab. */
  readonly implementation: { readonly server: string; readonly client: string };
  /** The controller it uses when none is asked for, and the ones it has. */
  readonly defaultCongestionControl: CongestionControl;
  readonly congestionControls: readonly CongestionControl[];
  /** Its initial RTT when none is asked for; `settable` false: --initial-rtt-ms is refused (exit 2). */
  readonly initialRtt: { readonly defaultMs: number; readonly settable: boolean };
  /** Settings worth recording that are the stack's own (UDP buffers, pacing, ...). */
  readonly notes?: Readonly<Record<string, string>>;
  /** Executable; default peers/<peer>/out/bin/<peer>. */
  readonly command?: string;
}

export function peerCommand(program: PeerProgram): string {
  return program.command ?? peerPath(program.peer, 'bin', program.peer);
}

const versions = new Map<string, Promise<string>>();

/**
 * The version the program says it is (`<peer> version`, CONTRACT.md), asked once per executable
 * and process: the descriptor, every client's prepare() and every server start want it, and a
 * build does not change under a running harness. A failed probe is asked again next time.
 */
export function peerVersion(program: PeerProgram): Promise<string> {
  const command = peerCommand(program);
  let version = versions.get(command);
  if (version === undefined) {
    version = askVersion(program);
    versions.set(command, version);
    version.catch(() => versions.delete(command));
  }
  return version;
}

async function askVersion(program: PeerProgram): Promise<string> {
  const run = await runCommand({ name: `${program.peer} version`, command: peerCommand(program), args: ['version'], timeoutMs: 10_000 });
  const version = run.stdout.trim();
  if (run.code !== 0 || version === '' || version.includes('\n')) throw new Error(`${program.peer} version: exit ${String(run.code)}, printed ${JSON.stringify(run.stdout.slice(0, 100))}`);
  return version;
}

/** The transport options as the contract's flags, refused here first when the stack lacks them. */
export interface PeerTransport {
  congestionControl?: CongestionControl;
  initialRttMs?: number;
  maxWindowBytes?: number;
}

export function transportArguments(program: PeerProgram, t: PeerTransport): string[] {
  const cc = t.congestionControl;
  if (cc !== undefined && !program.congestionControls.includes(cc)) {
    throw new Error(`${program.peer}: no ${cc} congestion control (it has ${program.congestionControls.join(', ')})`);
  }
  if (t.initialRttMs !== undefined && !program.initialRtt.settable) {
    throw new Error(`${program.peer}: the initial RTT cannot be set (fixed at ${program.initialRtt.defaultMs} ms)`);
  }
  return [
    ...(cc !== undefined ? ['--cc', cc] : []),
    ...(t.initialRttMs !== undefined ? ['--initial-rtt-ms', String(t.initialRttMs)] : []),
    ...(t.maxWindowBytes !== undefined ? ['--max-window-bytes', String(Math.ceil(t.maxWindowBytes))] : []),
  ];
}

/** The settings a result records for either role. */
export function transportSettings(program: PeerProgram, t: PeerTransport): Record<string, string | number | null> {
  return {
    congestionControl: t.congestionControl ?? program.defaultCongestionControl,
    initialRttMs: t.initialRttMs ?? program.initialRtt.defaultMs,
    maxWindowBytes: t.maxWindowBytes ?? null,
    ...program.notes,
  };
}
