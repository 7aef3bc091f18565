// Samba's smbd (Debian package samba, 4.17) as the lab's SMB 3 server over TCP: one share
// "lab" with files of N bytes, one account, SMB 3.0 to 3.1.1 only (by default), encryption
// required or off, on one address and port (445 by default), in a network namespace or not.
//
// Everything smbd keeps (smb.conf, passdb, secrets, lock/state/cache/pid/ncalrpc directories,
// the share, the log) lives in a private temporary directory that stop() removes (the
// cleanup registry does on an interrupt); nothing under /etc/samba, /var/lib/samba, /run/samba
// or /var/cache/samba is read or written. smbd runs in the foreground, logging to stdout, with
// NetBIOS (nmbd, port 139) and printing off, under `setpriv --pdeathsig TERM` so it dies with
// the harness. Readiness: a listening TCP socket of smbd's own on host:port (/proc/PID, so it
// works inside a network namespace too).
//
// Listening on one address: `interfaces = ADDRESS/PREFIX` with `bind interfaces only`. The
// prefix is the one the address has on its interface: Samba 4.17 ignores interfaces without
// broadcast (the lab's TUN link is point-to-point) when it matches an address against them,
// and only an address given with its interface's own prefix is taken as it stands.
//
// The account: Samba maps every SMB user to a Unix account. The server uses a dedicated
// system account (SAMBA_LAB_USER, created once with useradd --system if missing, no home, no
// shell, never removed: other runs may use it) and puts it into the run's own passdb
// (tdbsam in the private directory) with a random password per run. The share directory
// belongs to that account; the work directory is 0711 so smbd, acting as the account, can
// reach the share and nothing else.
//
// Who is connected and how: sessions() runs smbstatus on the run's config. It reads the
// run's lock directory, so it works from the host namespace for a server in a namespace.
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, readFile, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { EndpointInfo } from '../../results/schema.js';
import { makePrivateDir, type PrivateDir } from '../../files/private-dir.js';
import { ManagedProcess, runCommand } from '../../process/managed-process.js';
import { ipBytes, tcpListeningBy } from '../../process/proc-sockets.js';
import { descendants, groupMembers, processAlive, processesNaming, signalQuietly } from '../../process/proc-table.js';
import { writeGeneratedFile } from '../../files/generated-file.js';
import { onceUntilFailure } from '../../process/prepare-once.js';

export const SAMBA_LAB_USER = 'qlab-smb';
export const SAMBA_LAB_SHARE = 'lab';
export const SAMBA_TEMP_PREFIX = 'quic-lab-samba-';
const DEFAULT_READY_TIMEOUT_MS = 15_000;
const READY_POLL_MS = 20;
const MAX_FILE_BYTES = 4 * 1024 ** 3;

/** `server smb encrypt` (4.14+; `smb encrypt` is its old name). */
export type SambaEncryption = 'required' | 'desired' | 'if_required' | 'off';
export type SambaMinProtocol = 'SMB3_00' | 'SMB3_02' | 'SMB3_11';

export interface SambaServerOptions {
  /** IP literal smbd listens on (and only there). */
  host: string;
  /** Default 445. */
  port?: number;
  netns?: string;
  /** Default 'required'. */
  encryption?: SambaEncryption;
  /**
   * `server min protocol`; default SMB3_00 (SMB 3.0, 3.0.2 and 3.1.1). Samba's plain "SMB3"
   * names the newest variant, so as a minimum it would allow 3.1.1 only.
   */
  minProtocol?: SambaMinProtocol;
  /** Files served from the start (name = size in bytes). */
  fileSizes?: readonly number[];
  /** smbd's debug level (default 1). */
  debugLevel?: number;
  readyTimeoutMs?: number;
  /** Unix account for the SMB user; default SAMBA_LAB_USER. */
  user?: string;
}

/** What a client needs to reach the share. */
export interface SambaTarget {
  host: string;
  port: number;
  share: string;
  user: string;
  password: string;
  /** The server's encryption setting, for the record. */
  encryption: SambaEncryption;
}

/** One SMB session as smbstatus reports it on the server. */
export interface SambaSession {
  /** The smbd process serving the session. */
  pid: string;
  username: string;
  remoteMachine: string;
  /** The client's end of the TCP connection, from smbstatus's "ipv4:ADDRESS:PORT" (null if it says otherwise). */
  clientAddress: string | null;
  clientPort: number | null;
  /** "SMB3_11" and so on. */
  dialect: string;
  /** Cipher of the session's encryption ("AES-128-GCM"), null when not encrypted. */
  encryption: string | null;
  /** "full", "partial" or null. */
  encryptionDegree: string | null;
  signing: string | null;
  signingDegree: string | null;
}

export class SambaServer {
  readonly implementation = 'samba-smbd';
  private process: ManagedProcess | undefined;
  private dir: PrivateDir | undefined;
  private get workDir(): string | undefined {
    return this.dir?.path;
  }
  private target: SambaTarget | undefined;
  private version: string | null = null;
  private readonly sizes = new Set<number>();
  private readonly written = new Map<number, Promise<void>>();
  private account: { uid: number; gid: number } | undefined;
  /** smbd's last log lines (it logs to stdout), for errors. */
  private log: string[] = [];

  constructor(private readonly options: SambaServerOptions) {
    if (isIP(options.host) === 0) throw new Error(`samba server: host must be an IP literal, got "${options.host}"`);
    for (const size of options.fileSizes ?? []) this.sizes.add(checkedSize(size));
  }

  get user(): string {
    return this.options.user ?? SAMBA_LAB_USER;
  }

  /** smbd's process id while it runs. */
  get pid(): number | undefined {
    return this.process?.running ? this.process.child.pid : undefined;
  }

  /** How smbd ended ("smbd exited with signal SIGKILL") if it died while it should serve; null while it runs or once stopped. */
  exitReason(): string | null {
    return this.process?.exitDescription ?? null;
  }

  /** The private directory of the current run; undefined when stopped. */
  get directory(): string | undefined {
    return this.workDir;
  }

  /** The shared directory (files by size, uploads land here). */
  get shareDirectory(): string | undefined {
    return this.workDir === undefined ? undefined : join(this.workDir, 'share');
  }

  get configFile(): string | undefined {
    return this.workDir === undefined ? undefined : join(this.workDir, 'smb.conf');
  }

  /** File sizes served (files named by their size), ascending. */
  get fileSizes(): number[] {
    return [...this.sizes].sort((a, b) => a - b);
  }

  async start(): Promise<SambaTarget> {
    if (this.target && this.process?.running) return this.target;
    if (this.process || this.workDir) await this.stop();
    this.version = await smbdVersion();
    const port = this.options.port ?? 445;
    const encryption = this.options.encryption ?? 'required';
    try {
      this.account = await ensureUnixAccount(this.user);
      this.dir = await makePrivateDir(SAMBA_TEMP_PREFIX);
      const workDir = this.dir.path;
      // smbd acting as the account must reach share/; everything else stays root's, 0700.
      await chmod(workDir, 0o711);
      for (const sub of ['log', 'private']) await mkdir(join(workDir, sub), { mode: 0o700 });
      const share = join(workDir, 'share');
      await mkdir(share, { mode: 0o700 });
      await chown(share, this.account.uid, this.account.gid);
      const configFile = join(workDir, 'smb.conf');
      await writeFile(
        configFile,
        sambaConfig({ dir: workDir, host: this.options.host, prefixLength: await prefixLength(this.options.host, this.options.netns), port, encryption, user: this.user, minProtocol: this.options.minProtocol ?? 'SMB3_00' }),
        { mode: 0o600 },
      );

      const password = randomBytes(18).toString('base64url');
      await addPassdbUser(configFile, this.user, password);
      await Promise.all([...this.sizes].map((size) => this.writeFile(size)));

      const proc = new ManagedProcess({
        name: 'smbd',
        // sh and setpriv exec smbd (one pid throughout). setpriv gives it a parent-death
        // signal: if the harness dies without its cleanups, smbd gets SIGTERM and takes its
        // children with it. stdin must not be a socket (Node's stdio pipes are socketpairs):
        // smbd would take it for a connection handed over by inetd and serve only that.
        // --no-process-group: ManagedProcess already starts every child in a session of its own
        // (so smbd's SIGTERM to its process group on exit reaches only smbd's own), and smbd's
        // setsid() would fail there ("Failed to create session").
        command: 'sh',
        args: ['-c', 'exec setpriv --pdeathsig TERM -- smbd "$@" </dev/null', 'smbd', '--foreground', '--no-process-group', '--debug-stdout', `--debuglevel=${this.options.debugLevel ?? 1}`, `--configfile=${configFile}`],
        ...(this.options.netns !== undefined ? { netns: this.options.netns } : {}),
        cwd: workDir,
        env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', HOME: workDir, TMPDIR: workDir, LANG: 'C' },
      });
      this.process = proc;
      this.log = [];
      proc.onLine((line) => {
        if (line.trim() === '') return;
        this.log.push(line.trim());
        if (this.log.length > 50) this.log.shift();
      });
      await this.waitUntilListening(proc, port);
      this.target = { host: this.options.host, port, share: SAMBA_LAB_SHARE, user: this.user, password, encryption };
      return this.target;
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  private async waitUntilListening(proc: ManagedProcess, port: number): Promise<void> {
    const timeoutMs = this.options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
    const deadline = Date.now() + timeoutMs;
    const pid = proc.child.pid;
    while (pid !== undefined && proc.running) {
      if (await tcpListeningBy(pid, this.options.host, port)) return;
      if (Date.now() > deadline) throw new Error(`smbd: not listening on ${this.options.host} port ${port} after ${timeoutMs} ms${this.logTail()}`);
      await sleep(READY_POLL_MS);
    }
    const exit = await proc.exited;
    throw new Error(`smbd: exited (code ${exit.code}, signal ${exit.signal}) before listening on ${this.options.host} port ${port}${this.logTail()}`);
  }

  /** smbd's log lines that say what went wrong (warnings, errors, a panic), else its last lines. */
  logTail(lines = 4): string {
    const telling = this.log.filter((l) => /warning|error|fail|panic|unable|cannot|denied|not /i.test(l) && !/^#\d+ /.test(l)).slice(-lines);
    const chosen = telling.length > 0 ? telling : this.log.slice(-lines);
    return chosen.length > 0 ? `: ${chosen.join(' | ')}` : '';
  }

  /** Makes files of these sizes available in the share (name = size); now if running, else at start. */
  async prepareFiles(sizes: Iterable<number>): Promise<void> {
    const wanted = [...sizes].map(checkedSize);
    for (const size of wanted) this.sizes.add(size);
    if (this.workDir !== undefined) await Promise.all(wanted.map((size) => this.writeFile(size)));
  }

  private writeFile(size: number): Promise<void> {
    let done = this.written.get(size);
    if (done === undefined) {
      const share = this.shareDirectory;
      const account = this.account;
      if (share === undefined || account === undefined) return Promise.resolve();
      done = writeGeneratedFile(join(share, String(size)), size, account);
      this.written.set(size, done);
      done.catch(() => this.written.delete(size));
    }
    return done;
  }

  /** SMB sessions open on this server right now, from `smbstatus --json` on its own config. */
  async sessions(): Promise<SambaSession[]> {
    const configFile = this.configFile;
    if (configFile === undefined) throw new Error('samba server: not running');
    const r = await runCommand({ name: 'smbstatus', command: 'smbstatus', args: [`--configfile=${configFile}`, '--processes', '--json'], timeoutMs: 10_000, env: { PATH: process.env.PATH ?? '', LANG: 'C' } });
    if (r.code !== 0) throw new Error(`smbstatus failed (code ${r.code}): ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`);
    return parseSmbstatusSessions(r.stdout);
  }

  async stop(): Promise<void> {
    const proc = this.process;
    this.process = undefined;
    this.target = undefined;
    if (proc) {
      const pid = proc.child.pid;
      // smbd forks a child per connection (and may start samba-dcerpcd): note them before the
      // parent goes, they are reparented after.
      const family = pid !== undefined ? await descendants(pid) : [];
      await proc.stop();
      // smbd's own exit signals its process group (it leads one: see start()); whatever is
      // left of the family, or names this run's config, is ended here.
      const config = this.configFile;
      const stragglers = new Set([...family.filter(processAlive), ...(pid !== undefined ? await groupMembers(pid) : []), ...(config ? await processesNaming(config) : [])]);
      for (const child of stragglers) signalQuietly(child, 'SIGTERM');
      const deadline = Date.now() + 2000;
      while ([...stragglers].some(processAlive) && Date.now() < deadline) await sleep(20);
      for (const child of stragglers) if (processAlive(child)) signalQuietly(child, 'SIGKILL');
    }
    this.written.clear();
    await this.dir?.remove();
    this.dir = undefined;
  }

  info(): EndpointInfo {
    return {
      implementation: this.implementation,
      version: this.version ?? 'unknown',
      settings: {
        protocols: `${this.options.minProtocol ?? 'SMB3_00'} to SMB3_11 (server min/max protocol)`,
        transport: `TCP port ${this.options.port ?? 445}`,
        serverSmbEncrypt: this.options.encryption ?? 'required',
        serverSigning: "Samba's default: offered, not required (NEGOTIATE SecurityMode 0x01); 3.1.1 signs with the algorithm Samba prefers (AES-GMAC)",
        netbios: 'off (disable netbios, no nmbd, no port 139)',
        passdb: 'tdbsam in the private directory',
        files: 'the generated body (byte i = i mod 251), one file per prepared size, named by the size',
      },
    };
  }
}

/** smb.conf for one run: everything inside `dir`, one share, one listener. */
export function sambaConfig(o: { dir: string; host: string; prefixLength: number; port: number; encryption: SambaEncryption; user: string; minProtocol: SambaMinProtocol }): string {
  const lines = [
    '[global]',
    'server role = standalone server',
    'workgroup = QLAB',
    'netbios name = QLABSMB',
    'server string = quic-lab',
    `interfaces = ${o.host}/${o.prefixLength}`,
    'bind interfaces only = yes',
    `smb ports = ${o.port}`,
    'disable netbios = yes',
    `server min protocol = ${o.minProtocol}`,
    'server max protocol = SMB3_11',
    `server smb encrypt = ${o.encryption}`,
    'security = user',
    'map to guest = never',
    'restrict anonymous = 2',
    `passdb backend = tdbsam:${join(o.dir, 'private', 'passdb.tdb')}`,
    `private dir = ${join(o.dir, 'private')}`,
    `lock directory = ${join(o.dir, 'lock')}`,
    `state directory = ${join(o.dir, 'state')}`,
    `cache directory = ${join(o.dir, 'cache')}`,
    `pid directory = ${join(o.dir, 'pid')}`,
    `ncalrpc dir = ${join(o.dir, 'ncalrpc')}`,
    `binddns dir = ${join(o.dir, 'binddns')}`,
    'usershare path =',
    'usershare max shares = 0',
    `log file = ${join(o.dir, 'log', 'smbd.log')}`,
    'max log size = 0',
    'load printers = no',
    'printing = bsd',
    'printcap name = /dev/null',
    'disable spoolss = yes',
    'registry shares = no',
    'config backend = file',
    'dns proxy = no',
    'host msdfs = no',
    '',
    `[${SAMBA_LAB_SHARE}]`,
    `path = ${join(o.dir, 'share')}`,
    'read only = no',
    'guest ok = no',
    `valid users = ${o.user}`,
    'create mask = 0600',
    'directory mask = 0700',
    '',
  ];
  return lines.map((line) => (line.startsWith('[') || line === '' ? line : `\t${line}`)).join('\n');
}

/**
 * The prefix length of `host` on its interface (in `netns`), for `interfaces = host/prefix`.
 * Samba 4.17 skips interfaces without broadcast (the lab's TUN link is point-to-point), so a
 * bare address or one with another prefix finds no interface and smbd has nothing to listen
 * on; the address with its interface's own prefix is added as given.
 */
export async function prefixLength(host: string, netns: string | undefined): Promise<number> {
  const r = await runCommand({ name: 'ip addr', command: 'ip', args: ['-o', isIP(host) === 6 ? '-6' : '-4', 'addr', 'show'], timeoutMs: 5000, ...(netns !== undefined ? { netns } : {}) });
  const wanted = ipBytes(host).join('.');
  for (const match of r.stdout.matchAll(/\binet6?\s+([0-9a-fA-F:.]+)\/(\d+)/g)) {
    if (isIP(match[1] ?? '') !== 0 && ipBytes(match[1] ?? '').join('.') === wanted) return Number(match[2]);
  }
  throw new Error(`samba server: ${host} is on no interface${netns !== undefined ? ` in namespace ${netns}` : ''}`);
}

/** "4.17.12-Debian" from `smbd --version`, asked once. */
export const smbdVersion = onceUntilFailure(async () => {
  const r = await runCommand({ name: 'smbd --version', command: 'smbd', args: ['--version'], timeoutMs: 5000 });
  if (r.code !== 0) throw new Error(`samba server: \`smbd --version\` failed (code ${r.code})${r.stderr ? `: ${r.stderr.trim()}` : ''}; is the Debian package samba installed?`);
  return /Version\s+(\S+)/.exec(r.stdout)?.[1] ?? null;
});

/** uid and gid of `user` from /etc/passwd, creating a system account (no home, no shell) if it is missing. */
export async function ensureUnixAccount(user: string): Promise<{ uid: number; gid: number }> {
  if (!/^[a-z_][a-z0-9_-]{0,30}$/.test(user)) throw new Error(`samba server: "${user}" is not a valid account name`);
  const found = await lookupAccount(user);
  if (found) return found;
  const r = await runCommand({
    name: 'useradd',
    command: 'useradd',
    args: ['--system', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', '--comment', 'quic-lab SMB test account', user],
    timeoutMs: 10_000,
  });
  const created = await lookupAccount(user);
  // exit code 9: created meanwhile by another run
  if (!created) throw new Error(`samba server: could not create the system account ${user} (useradd code ${r.code}): ${r.stderr.trim()}`);
  return created;
}

async function lookupAccount(user: string): Promise<{ uid: number; gid: number } | null> {
  const passwd = await readFile('/etc/passwd', 'utf8');
  for (const line of passwd.split('\n')) {
    const [name, , uid, gid] = line.split(':');
    if (name === user && uid !== undefined && gid !== undefined) return { uid: Number(uid), gid: Number(gid) };
  }
  return null;
}

/** Adds `user` to the run's passdb (tdbsam in the private directory) with `password`. */
async function addPassdbUser(configFile: string, user: string, password: string): Promise<void> {
  const r = await runCommand({
    name: 'pdbedit',
    command: 'pdbedit',
    args: [`--configfile=${configFile}`, '--create', `--user=${user}`, '--password-from-stdin'],
    input: `${password}\n${password}\n`,
    timeoutMs: 15_000,
    env: { PATH: process.env.PATH ?? '', LANG: 'C' },
  });
  if (r.code !== 0) throw new Error(`samba server: pdbedit could not add ${user} (code ${r.code}): ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`);
}

const smbstatusSchema = z.object({
  sessions: z
    .record(
      z.string(),
      z
        .object({
          server_id: z.object({ pid: z.union([z.string(), z.number()]) }).passthrough(),
          username: z.string().optional(),
          remote_machine: z.string().optional(),
          hostname: z.string().optional(),
          session_dialect: z.string().optional(),
          encryption: z.object({ cipher: z.string(), degree: z.string() }).passthrough().optional(),
          signing: z.object({ cipher: z.string(), degree: z.string() }).passthrough().optional(),
        })
        .passthrough(),
    )
    .default({}),
});

/** The sessions in `smbstatus --json` output (Samba 4.17). */
export function parseSmbstatusSessions(json: string): SambaSession[] {
  const parsed = smbstatusSchema.parse(JSON.parse(json));
  const orNull = (s: string | undefined): string | null => (s === undefined || s === '' || s === '-' ? null : s);
  return Object.values(parsed.sessions).map((s) => {
    const endpoint = /^ipv[46]:\[?(.+?)\]?:(\d+)$/.exec(s.hostname ?? '');
    return {
      pid: String(s.server_id.pid),
      username: s.username ?? '',
      remoteMachine: s.remote_machine ?? s.hostname ?? '',
      clientAddress: endpoint?.[1] ?? null,
      clientPort: endpoint?.[2] !== undefined ? Number(endpoint[2]) : null,
      dialect: s.session_dialect ?? '',
      encryption: orNull(s.encryption?.cipher),
      encryptionDegree: orNull(s.encryption?.degree === 'none' ? undefined : s.encryption?.degree),
      signing: orNull(s.signing?.cipher),
      signingDegree: orNull(s.signing?.degree === 'none' ? undefined : s.signing?.degree),
    };
  });
}

function checkedSize(size: number): number {
  if (!Number.isSafeInteger(size) || size < 0 || size > MAX_FILE_BYTES) throw new Error(`samba server: a file size must be an integer from 0 to ${MAX_FILE_BYTES}, got ${size}`);
  return size;
}
