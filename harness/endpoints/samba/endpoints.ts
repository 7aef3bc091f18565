// SMB 3 over TCP behind the lab's endpoint interfaces, so smb-copy runs through the same
// harness (servers per run, interleaved samples, timeouts) as every other scenario: smbd as a
// server endpoint, smbclient as a client endpoint. One smbd per run, with encryption
// "if_required": each case's client asks for encryption or not, and every copy is checked to
// have been encrypted, or not, as asked.
import { join } from 'node:path';
import { verifyGeneratedFile } from '../../files/body-check.js';
import { LAB_SERVER_NAME } from '../../lab/addresses.js';
import type { EndpointInfo, TimingSource } from '../../results/schema.js';
import { SambaServer, type SambaTarget } from './server.js';
import { SmbClient, smbclientVersion, type SmbCopyResult } from './smbclient.js';
import type { FileCopyClient, ServerAddress, ServerEndpoint, SessionMode } from '../types.js';

export class SambaEndpoint implements ServerEndpoint {
  readonly implementation = 'samba-smbd';
  readonly speaks = [{ protocol: 'tcp', application: 'smb3' }] as const;
  private readonly server: SambaServer;
  private target: SambaTarget | undefined;

  constructor(options: { host: string; netns?: string; fileSizes?: readonly number[] }) {
    this.server = new SambaServer({ host: options.host, ...(options.netns !== undefined ? { netns: options.netns } : {}), encryption: 'if_required', fileSizes: options.fileSizes ?? [] });
  }

  /** Where a file the clients put lands on this host (the share directory), to check it after a put. */
  storedFile(name: string): string {
    const share = this.server.shareDirectory;
    if (share === undefined) throw new Error('the Samba server is not running');
    return join(share, name);
  }

  /** Share, user and password of the running server, for the smbclient endpoint. */
  credentials(): SambaTarget {
    if (!this.target) throw new Error('the Samba server is not running');
    return this.target;
  }

  /** smbd's process id while it runs (the fault tests kill it). */
  get pid(): number | undefined {
    return this.server.pid;
  }

  /** Why smbd died, for the run loop's crash detection (it restarts the server once). */
  exitReason(): string | null {
    return this.server.exitReason();
  }

  async start(): Promise<ServerAddress> {
    this.target = await this.server.start();
    return { host: this.target.host, port: this.target.port, serverName: LAB_SERVER_NAME };
  }

  async stop(): Promise<void> {
    this.target = undefined;
    await this.server.stop();
  }

  info(): EndpointInfo {
    return this.server.info();
  }
}

const SMBCLIENT_COPY: TimingSource = { source: "smbclient's own copy clock (from its printed rate)", resolutionMs: 1 };

/** What smb-copy's samples need from smbclient: one copy, timed by smbclient itself (it reports no handshake or first byte). */
export class SmbClientEndpoint implements FileCopyClient {
  readonly implementation = 'smbclient';
  readonly protocol = 'tcp';
  readonly application = 'smb3';
  readonly sessionModes: readonly SessionMode[] = ['cold'];
  readonly timingSources = { copyMs: SMBCLIENT_COPY };
  private readonly client: SmbClient;

  constructor(
    private readonly credentials: () => SambaTarget,
    private readonly encryption: 'required' | 'off',
    netns?: string,
    /** Where a put lands on the server's side (the share is a directory on this host), to check the stored file. */
    private readonly storedFile?: (name: string) => string,
  ) {
    this.client = new SmbClient(netns !== undefined ? { netns } : {});
  }

  async prepare(): Promise<void> {
    if ((await smbclientVersion()) === null) throw new Error('smbclient: no version; is the Debian package smbclient installed? (npm run setup)');
  }

  close(): Promise<void> {
    return this.client.close();
  }

  /** A get or a put of `bytes`, checked to be encrypted exactly when the case asks. */
  async copy(direction: 'get' | 'put', bytes: number, timeoutMs: number): Promise<SmbCopyResult> {
    const target = this.credentials();
    const result = await this.client.copy({ target, direction, bytes, encryption: this.encryption, timeoutMs });
    const encrypted = (result.encryption.encryptedPdus ?? 0) > 0;
    if (encrypted !== (this.encryption === 'required')) {
      throw new Error(`smbclient ${encrypted ? 'encrypted' : 'did not encrypt'} the copy, asked for encryption ${this.encryption}`);
    }
    if (result.bytes !== bytes) throw new Error(`smbclient copied ${result.bytes} bytes, expected ${bytes}`);
    // A put is checked where it landed: the file the server stored, byte for byte.
    if (direction === 'put' && this.storedFile !== undefined) return { ...result, verifiedBytes: await verifyGeneratedFile(this.storedFile(result.remoteName), bytes, `stored ${result.remoteName}`) };
    return result;
  }

  info(): EndpointInfo {
    const info = this.client.info();
    return { ...info, settings: { ...info.settings, clientSmbEncrypt: this.encryption } };
  }
}
