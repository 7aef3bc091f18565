// One run of the WebTransport message client (peers/webtransport `client`) in a namespace:
// `count` messages of `sizeBytes` at `ratePerSecond` as datagrams, a stream each, or on one
// long stream, echoed by the server; its JSON parsed strictly (report.ts).
import { runCommand } from '../../process/managed-process.js';
import { withPrivateDir } from '../../files/private-dir.js';
import { peerCommand } from '../peer-program/peer.js';
import type { ServerAddress } from '../types.js';
import { webTransportProgram } from './program.js';
import { parseClientReport, type WebTransportClientReport, type WebTransportMode } from './report.js';
import { ECHO_PATH } from './server.js';

export interface WebTransportClientRun {
  target: ServerAddress;
  /** The lab CA: the only trust anchor the program gets. */
  caFile: string;
  netns?: string;
  mode: WebTransportMode;
  count: number;
  sizeBytes: number;
  ratePerSecond: number;
  /** How long after the last send to wait for echoes. */
  drainTimeoutMs: number;
  /** Default 10 s. */
  connectTimeoutMs?: number;
  keylogFile?: string;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** Time past the program's own bounds before it is killed: start-up, teardown, the JSON. */
const KILL_GRACE_MS = 5_000;

/**
 * Runs the client once. A run that established no session or lost it midway resolves with
 * `error` set (and what it saw until then); a bad command line, a killed program or output
 * that is not the client's JSON rejects.
 */
export async function runWebTransportClient(run: WebTransportClientRun): Promise<WebTransportClientReport> {
  const connectTimeoutMs = run.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const sendMs = ((run.count - 1) / run.ratePerSecond) * 1000;
  const timeoutMs = Math.ceil(connectTimeoutMs + sendMs + run.drainTimeoutMs + KILL_GRACE_MS);
  const { host, port, serverName } = run.target;
  const args = [
    'client',
    '--connect',
    host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`,
    '--ca',
    run.caFile,
    '--mode',
    run.mode,
    '--count',
    String(run.count),
    '--size-bytes',
    String(run.sizeBytes),
    '--rate-per-second',
    String(run.ratePerSecond),
    '--drain-timeout-ms',
    String(run.drainTimeoutMs),
    '--connect-timeout-ms',
    String(connectTimeoutMs),
    ...(run.keylogFile !== undefined ? ['--keylog', run.keylogFile] : []),
    `https://${serverName}:${port}${ECHO_PATH}`,
  ];
  const result = await withPrivateDir('quic-lab-webtransport-client-', (dir) => runCommand({ name: 'webtransport client', command: peerCommand(webTransportProgram), args, netns: run.netns, cwd: dir, timeoutMs }));
  const stderr = result.stderr.trim().split('\n').slice(-3).join(' | ');
  if (result.timedOut) throw new Error(`webtransport client: killed after ${timeoutMs} ms${stderr ? `: ${stderr}` : ''}`);
  if (result.code === 2) throw new Error(`webtransport client: bad command line: ${stderr}`);
  return parseClientReport(result.stdout, result.code);
}
