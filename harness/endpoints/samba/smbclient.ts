// Samba's smbclient (Debian package smbclient, 4.17) copying one file over SMB 3: a get of a
// file the server has, or a put of the lab's generated body, with encryption required, off or
// in between, optionally inside the client namespace.
//
// smbclient runs with commands on stdin (not -c), so the SMB session is still open after the
// copy: `whileConnected` can then ask the server who is connected and how (SambaServer.sessions()
// runs smbstatus on the server's own config) before the client quits. Its config, the
// credentials file (0600: the password never appears on a command line) and an upload's
// source file live in a private temporary directory removed afterwards; /etc/samba is not
// read.
//
// What the numbers are (SmbCopyResult):
//   copyMs        smbclient's own measurement of the copy, CLOCK_MONOTONIC in do_get/do_put
//                 (source3/client/client.c): from just before the CREATE (open) of the remote
//                 file to after its CLOSE, so it includes the open, the size query (get), every
//                 READ or WRITE and the close, but not the TCP connect, NEGOTIATE, SESSION_SETUP
//                 or TREE_CONNECT before it, nor the LOGOFF after. smbclient keeps it as whole
//                 milliseconds (truncated) and prints only a rate, nread / (1.024 * ms + 0.0001),
//                 as "KiloBytes/sec" (get) or "kb/s" (put); the milliseconds are recovered from
//                 that rate, exactly while bytes >= 0.1024 * ms^2 (copyMsUncertainty 0; 1 MB up to
//                 about 3 s). Resolution 1 ms. Never the process's lifetime.
//   rateKiBps     that rate as printed (KiB/s; smbclient's "kb/s" for put is the same unit)
//   averageKiBps  smbclient's average over the session's copies (one copy per session here)
// Connect and session setup: smbclient's debug output has no usable clock (its log headers,
// written only with a log file, carry whole seconds; `debug hires timestamp` does not reach
// them), so no number is claimed for them; probeSmbTcp() measures the TCP connect and the
// NEGOTIATE round trip from the same namespace.
//
// Encryption: `client smb encrypt = required` makes smbclient refuse a server that cannot
// encrypt ("Encryption required and server doesn't support SMB3 encryption - failing
// connect") rather than copy in the clear. A server with `server smb encrypt = required`
// encrypts the session whatever the client asked (it sets SMB2_SESSION_FLAG_ENCRYPT_DATA,
// which smbclient 4.17 obeys even with `off`), so "off" needs the server's encryption off too.
// The result carries smbclient's own evidence: the negotiated dialect (debug level 4 and up)
// and, at debug level 10, the count of PDUs of the session it encrypted and decrypted
// (smb2_signing_encrypt_pdu / smb2_signing_decrypt_pdu); `whileConnected` adds the server's
// view (smbstatus: the session's cipher).
import { BodyCheck } from '../../files/body-check.js';
import { openFifoSink, type FifoSink } from '../../files/fifo-sink.js';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EndpointInfo } from '../../results/schema.js';
import { withPrivateDir } from '../../files/private-dir.js';
import { GeneratedBodyFiles } from '../../files/body-files.js';
import { oncePerKeyUntilFailure } from '../../process/prepare-once.js';
import { ManagedProcess, runCommand } from '../../process/managed-process.js';
import { ipBytes, procSockets, socketInodes } from '../../process/proc-sockets.js';

export const SMBCLIENT_TEMP_PREFIX = 'quic-lab-smbclient-';
const QUIT_GRACE_MS = 3000;

/** `client smb encrypt`. */
export type SmbClientEncryption = 'required' | 'desired' | 'if_required' | 'off';

export interface SmbClientTarget {
  /** IP literal. */
  host: string;
  /** Default 445. */
  port?: number;
  share: string;
  user: string;
  password: string;
}

export interface SmbConnection {
  /** smbclient's end of its TCP connection to the server (as the server sees it, without NAT). */
  localAddress: string;
  localPort: number;
  /** smbclient's process id. */
  pid: number;
}

export interface SmbCopySpec<T = unknown> {
  target: SmbClientTarget;
  direction: 'get' | 'put';
  /** get: the remote file (the lab server names its files by size, the default); put: the name to write (default upload-<bytes>-<random>). */
  remoteName?: string;
  /** get: the size the file must have; put: bytes of the generated body to upload. */
  bytes: number;
  encryption: SmbClientEncryption;
  /** smbclient -m (`client max protocol`); default SMB3 (Samba's name for SMB3_11). */
  maxProtocol?: string;
  /** Bound on the whole run (start, connect, copy, whileConnected, quit). */
  timeoutMs: number;
  /** Called after the copy while the session is still open; its result is returned as `whileConnected`. */
  whileConnected?: (connection: SmbConnection) => Promise<T>;
}

export interface SmbCopyResult<T = unknown> {
  direction: 'get' | 'put';
  remoteName: string;
  /** Bytes copied as smbclient reports them (the remote size for a get, the local file's for a put). */
  bytes: number;
  /** See the file header. Null for an empty file (the rate of 0 bytes says nothing about time). */
  copyMs: number | null;
  /** How far copyMs may be off, beyond its 1 ms resolution, from the rounding of the printed rate (0: exact). */
  copyMsUncertainty: number | null;
  rateKiBps: number;
  averageKiBps: number;
  /** "SMB3_11" from smbclient's "negotiated dialect[...]" line. */
  dialect: string | null;
  encryption: {
    /** What smbclient was told (`client smb encrypt`). */
    requested: SmbClientEncryption;
    /** PDUs smbclient says it encrypted / decrypted (debug level 10; null below it). */
    encryptedPdus: number | null;
    decryptedPdus: number | null;
  };
  connection: SmbConnection | null;
  whileConnected?: T;
  /** get: bytes that came through smbclient's output (a private FIFO) and matched the lab's pattern. A wrong one fails the copy. */
  verifiedBytes?: number;
}

export interface SmbClientOptions {
  /** Run smbclient inside this network namespace. */
  netns?: string;
  /**
   * smbclient's debug level. 10 (the default) makes it log each PDU it encrypts and decrypts,
   * the client-side evidence of encryption; 4 still names the dialect.
   */
  debugLevel?: number;
  /** Executable; default smbclient from PATH. */
  command?: string;
}

export class SmbClient {
  readonly implementation = 'smbclient';
  private version: string | null = null;
  /** Upload bodies, one file per size for the client's life (close() removes them). */
  private readonly bodies = new GeneratedBodyFiles();

  constructor(private readonly options: SmbClientOptions = {}) {}

  async copy<T = unknown>(spec: SmbCopySpec<T>): Promise<SmbCopyResult<T>> {
    const { target } = spec;
    if (isIP(target.host) === 0) throw new Error(`smbclient: host must be an IP literal, got "${target.host}"`);
    if (!Number.isSafeInteger(spec.bytes) || spec.bytes < 0) throw new Error(`smbclient: bytes must be a non-negative integer, got ${spec.bytes}`);
    if (!/^[A-Za-z0-9._-]+$/.test(target.share)) throw new Error(`smbclient: unexpected share name "${target.share}"`);
    const remoteName = spec.remoteName ?? (spec.direction === 'get' ? String(spec.bytes) : `upload-${spec.bytes}-${randomBytes(4).toString('hex')}`);
    if (!/^[A-Za-z0-9._-]+$/.test(remoteName)) throw new Error(`smbclient: remote name must be a plain file name, got "${remoteName}"`);
    this.version ??= await smbclientVersion(this.options.command ?? 'smbclient');

    return withPrivateDir(SMBCLIENT_TEMP_PREFIX, async (dir) => {
      let proc: ManagedProcess | undefined;
      let sink: FifoSink | undefined;
      let check: BodyCheck | undefined;
      try {
        const configFile = join(dir, 'smb.conf');
        await writeFile(configFile, clientConfig(dir, spec.encryption), { mode: 0o600 });
        const authFile = join(dir, 'credentials');
        await writeFile(authFile, `username = ${target.user}\npassword = ${target.password}\n`, { mode: 0o600 });
        // A get streams through a private FIFO into a check of the lab's pattern (no disk, no /dev/null).
        check = spec.direction === 'get' ? new BodyCheck() : undefined;
        const into = check;
        sink = into !== undefined ? await openFifoSink(join(dir, 'download'), (chunk) => into.update(chunk)) : undefined;
        const local = spec.direction === 'put' ? await this.bodies.file(spec.bytes) : (sink?.path as string);
        const port = target.port ?? 445;
        const debugLevel = this.options.debugLevel ?? 10;
        const started = new ManagedProcess({
          name: 'smbclient',
          command: this.options.command ?? 'smbclient',
          args: [
            // The address goes in --ip-address too, so smbclient resolves no name at all (an
            // IPv6 literal in brackets would go to getaddrinfo as a host name).
            `//${target.host}/${target.share}`,
            `--ip-address=${target.host}`,
            `--port=${port}`,
            `--configfile=${configFile}`,
            `--authentication-file=${authFile}`,
            `--max-protocol=${spec.maxProtocol ?? 'SMB3'}`,
            `--debuglevel=${debugLevel}`,
            // Messages to stderr: stdout is a pipe, so smbclient would hold its messages (an
            // error about the copy, say) in a buffer until it exits; stderr is unbuffered.
            '--stderr',
          ],
          ...(this.options.netns !== undefined ? { netns: this.options.netns } : {}),
          cwd: dir,
          env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', HOME: dir, TMPDIR: dir, LANG: 'C' },
        });
        proc = started;
        const lines: string[] = [];
        started.onLine((line) => lines.push(line));
        const command = spec.direction === 'get' ? `get ${remoteName} ${local}` : `put ${local} ${remoteName}`;
        started.child.stdin?.write(`${command}\n`);

        const deadline = Date.now() + spec.timeoutMs;
        const outcome = await waitForCopy(started, lines, spec.direction, deadline);
        const connection = started.child.pid !== undefined ? await tcpConnectionOf(started.child.pid, target.host, port) : null;
        let whileConnected: T | undefined;
        if (spec.whileConnected) {
          if (connection === null) throw new Error('smbclient: copied, but its connection to the server is not to be found (did the session close?)');
          whileConnected = await withDeadline(spec.whileConnected(connection), deadline, 'whileConnected');
        }
        started.child.stdin?.end('quit\n');
        await Promise.race([started.exited, sleep(QUIT_GRACE_MS)]);
        await started.stop();
        await sink?.finish();

        if (spec.direction === 'get' && outcome.bytes !== spec.bytes) throw new Error(`smbclient: ${remoteName} has ${outcome.bytes} bytes, expected ${spec.bytes}`);
        const verifiedBytes = check?.intact(`file ${remoteName}`);
        if (check !== undefined && check.result().bytes !== outcome.bytes) throw new Error(`smbclient: reported ${outcome.bytes} bytes of ${remoteName}, ${check.result().bytes} came through its output`);
        const text = lines.join('\n');
        const count = (pattern: RegExp): number | null => (debugLevel >= 10 ? (text.match(pattern) ?? []).length : null);
        return {
          direction: spec.direction,
          remoteName,
          bytes: spec.direction === 'get' ? outcome.bytes : spec.bytes,
          ...copyTiming(copyMsFromRate(spec.direction === 'get' ? outcome.bytes : spec.bytes, outcome.rate)),
          rateKiBps: outcome.rate,
          averageKiBps: outcome.average,
          dialect: /negotiated dialect\[(\w+)\]/.exec(text)?.[1] ?? null,
          encryption: {
            requested: spec.encryption,
            encryptedPdus: count(/smb2_signing_encrypt_pdu: Encrypted SMB2 message/g),
            decryptedPdus: count(/smb2_signing_decrypt_pdu: Decrypted SMB2 message/g),
          },
          connection,
          ...(spec.whileConnected ? { whileConnected } : {}),
          ...(verifiedBytes !== undefined ? { verifiedBytes } : {}),
        };
      } finally {
        await proc?.stop();
        await sink?.close();
      }
    });
  }

  /** Removes the upload bodies. */
  async close(): Promise<void> {
    await this.bodies.dispose();
  }

  info(): EndpointInfo {
    return {
      implementation: this.implementation,
      version: this.version ?? 'unknown',
      settings: {
        maxProtocol: 'SMB3 (SMB3_11) unless a copy asks otherwise',
        kerberos: 'off (NTLMSSP in SPNEGO)',
        debugLevel: this.options.debugLevel ?? 10,
        copyTiming: "smbclient's own monotonic clock around open..close of the file, whole ms (see smbclient.ts)",
      },
    };
  }
}

/** smbclient's config for one copy: nothing outside `dir`, no Kerberos, no name resolution beyond the literal address. */
function clientConfig(dir: string, encryption: SmbClientEncryption): string {
  return [
    '[global]',
    '\tworkgroup = QLAB',
    `\tclient smb encrypt = ${encryption}`,
    '\tclient use kerberos = off',
    '\tname resolve order = host',
    '\tload printers = no',
    `\tprivate dir = ${dir}`,
    `\tlock directory = ${dir}`,
    `\tstate directory = ${dir}`,
    `\tcache directory = ${dir}`,
    `\tncalrpc dir = ${dir}`,
    '',
  ].join('\n');
}

const GET_DONE = /getting file (\S+) of size (\d+) as [\s\S]*?\(([\d.]+) KiloBytes\/sec\) \(average ([\d.]+|-?nan|inf) KiloBytes\/sec\)/;
const PUT_DONE = /putting file [\s\S]*? as (\S+) [\s\S]*?\(([\d.]+) kb\/s\) \(average ([\d.]+|-?nan|inf) kb\/s\)/;
/**
 * smbclient's own failure messages (d_printf, at the start of a line). Debug output (up to
 * level 10) mentions NT_STATUS codes in passing, such as NT_STATUS_MORE_PROCESSING_REQUIRED
 * during a good session setup, so only these count.
 */
const FAILURE_LINE =
  /^(?:NT_STATUS_[A-Z0-9_]+ .*|(?:session setup|tree connect|protocol negotiation) failed.*|Connection to .* failed.*|cli_push returned .*|parallel_read returned .*|Error opening local file .*|.* does not exist|Error \S+ closing remote file.*|\S+ closing remote file .*)$/;

interface CopyOutcome {
  bytes: number;
  rate: number;
  average: number;
}

/** Parses smbclient's "getting file ..." / "putting file ..." report (it may be split by debug lines). */
export function parseCopyReport(text: string, direction: 'get' | 'put'): CopyOutcome | null {
  if (direction === 'get') {
    const m = GET_DONE.exec(text);
    if (!m) return null;
    return { bytes: Number(m[2]), rate: Number(m[3]), average: Number(m[4]) };
  }
  const m = PUT_DONE.exec(text);
  if (!m) return null;
  return { bytes: -1, rate: Number(m[2]), average: Number(m[3]) };
}

/**
 * The whole milliseconds smbclient measured, from the rate it printed: rate = bytes /
 * (1.024 * ms + 1e-4), so ms = (bytes / rate - 1e-4) / 1.024. The rate is printed with one
 * decimal, so this is exact (`uncertaintyMs` 0) while one millisecond more or less moves the
 * rate by at least 0.1, that is while bytes >= 0.1024 * ms^2 (1 MB up to about 3 s, 100 MB up
 * to about 31 s); beyond that `uncertaintyMs` says how far off it may be. Null for 0 bytes.
 */
export function copyMsFromRate(bytes: number, rateKiBps: number): { copyMs: number; uncertaintyMs: number } | null {
  if (bytes === 0 || !(rateKiBps > 0)) return null;
  const ms = (rate: number): number => (bytes / rate - 1e-4) / 1.024;
  const copyMs = Math.max(0, Math.round(ms(rateKiBps)));
  // every whole ms whose rate prints as this one lies in [ms(rate + 0.05), ms(rate - 0.05)]
  const low = Math.ceil(ms(rateKiBps + 0.05) - 1e-9);
  const high = rateKiBps > 0.05 ? Math.floor(ms(rateKiBps - 0.05) + 1e-9) : Number.POSITIVE_INFINITY;
  const uncertaintyMs = Math.max(0, copyMs - low, high - copyMs);
  return { copyMs, uncertaintyMs };
}

function copyTiming(timing: { copyMs: number; uncertaintyMs: number } | null): { copyMs: number | null; copyMsUncertainty: number | null } {
  return { copyMs: timing?.copyMs ?? null, copyMsUncertainty: timing?.uncertaintyMs ?? null };
}

async function waitForCopy(proc: ManagedProcess, lines: string[], direction: 'get' | 'put', deadline: number): Promise<CopyOutcome> {
  for (;;) {
    const text = lines.join('\n');
    const outcome = parseCopyReport(text, direction);
    if (outcome) return outcome;
    const failure = lines.find((line) => FAILURE_LINE.test(line.trim()));
    if (failure !== undefined) throw new Error(`smbclient: ${failure.trim()}`);
    if (!proc.running) {
      const exit = await proc.exited;
      throw new Error(`smbclient: exited (code ${exit.code}) before the copy was done${reasons(lines)}`);
    }
    if (Date.now() > deadline) throw new Error(`smbclient: the copy did not finish in time${tail(lines)}`);
    await Promise.race([sleep(5), proc.exited]);
  }
}

/** The lines of smbclient's output that say why it gave up (its debug chatter left out), else its last lines. */
function reasons(lines: string[]): string {
  const telling = lines
    .map((l) => l.trim())
    .filter((l) => /fail|error|denied|refused|unreachable|NT_STATUS_(?!OK\b|MORE_PROCESSING_REQUIRED\b)/i.test(l) && !/^gensec_|^\[/.test(l))
    .slice(-3);
  return telling.length > 0 ? `: ${telling.join(' | ')}` : tail(lines);
}

function tail(lines: string[]): string {
  const last = lines
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .slice(-4);
  return last.length > 0 ? `: ${last.join(' | ')}` : '';
}

async function withDeadline<T>(work: Promise<T>, deadline: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`smbclient: ${what} did not finish in time`)), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** smbclient's established TCP connection to host:port, from /proc/PID (its own namespace). */
export async function tcpConnectionOf(pid: number, host: string, port: number): Promise<SmbConnection | null> {
  const inodes = await socketInodes(pid);
  const want = ipBytes(host).join('.');
  for (const family of isIP(host) === 6 ? (['tcp6'] as const) : (['tcp', 'tcp6'] as const)) {
    for (const socket of await procSockets(pid, family)) {
      if (socket.state !== '01' || !inodes.has(socket.inode) || socket.remotePort !== port) continue;
      const remoteV4 = socket.remoteBytes.length === 16 ? socket.remoteBytes.slice(12) : socket.remoteBytes;
      if (socket.remoteBytes.join('.') !== want && remoteV4.join('.') !== want) continue;
      return { localAddress: formatAddress(socket.addressBytes), localPort: socket.port, pid };
    }
  }
  return null;
}

/** An address from /proc/net/tcp* bytes: dotted quad for IPv4 (and IPv4-mapped IPv6), RFC 5952 text for IPv6. */
export function formatAddress(bytes: number[]): string {
  if (bytes.length === 4) return bytes.join('.');
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (mapped) return bytes.slice(12).join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  // the longest run of two or more zero groups becomes "::" (the first such run on a tie)
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/** "4.17.12-Debian" from `smbclient --version`, asked once per executable. */
const askSmbclientVersion = oncePerKeyUntilFailure(async (command) => {
  const r = await runCommand({ name: `${command} --version`, command, args: ['--version'], timeoutMs: 5000 });
  if (r.code !== 0) throw new Error(`smbclient: \`${command} --version\` failed (code ${r.code}); is the Debian package smbclient installed?`);
  return /Version\s+(\S+)/.exec(r.stdout)?.[1] ?? null;
});

export function smbclientVersion(command = 'smbclient'): Promise<string | null> {
  return askSmbclientVersion(command);
}
