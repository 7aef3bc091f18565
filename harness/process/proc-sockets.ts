// What /proc says about a process's sockets: which it holds (its fds name socket inodes) and
// what they are (/proc/PID/net/{tcp,udp}{,6}, read through the process, so in its own network
// namespace). Servers that print nothing when ready are ready once their socket is there.
import { readFile, readdir, readlink } from 'node:fs/promises';
import { isIP } from 'node:net';
import { endianness } from 'node:os';
import { join } from 'node:path';

/** 4 or 16 bytes of an IP literal. */
export function ipBytes(ip: string): number[] {
  if (isIP(ip) === 4) return ip.split('.').map(Number);
  if (isIP(ip) !== 6) throw new Error(`not an IP address: ${ip}`);
  let text = ip.replace(/%.*$/, '');
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4?.[1]) {
    const b = ipBytes(v4[1]);
    text = text.slice(0, -v4[1].length) + `${(((b[0] ?? 0) << 8) | (b[1] ?? 0)).toString(16)}:${(((b[2] ?? 0) << 8) | (b[3] ?? 0)).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? [] : new Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  return [...headGroups, ...zeros, ...tailGroups].flatMap((g) => {
    const n = parseInt(g, 16);
    return [n >> 8, n & 0xff];
  });
}

/** Decodes a /proc/net/{tcp,udp}{,6} address: 32-bit words printed in host byte order. */
export function procAddressBytes(hex: string): number[] {
  const bytes: number[] = [];
  for (let i = 0; i < hex.length; i += 8) {
    const word = [0, 2, 4, 6].map((j) => parseInt(hex.slice(i + j, i + j + 2), 16));
    bytes.push(...(endianness() === 'LE' ? word.reverse() : word));
  }
  return bytes;
}

export interface ProcSocket {
  addressBytes: number[];
  port: number;
  remoteBytes: number[];
  remotePort: number;
  /** Hex state: "0A" listen, "01" established (TCP); "07" for a UDP socket. */
  state: string;
  inode: string;
}

/** The sockets a /proc/net/{tcp,udp}{,6} table lists. */
export function parseProcNet(text: string): ProcSocket[] {
  return text
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((cols) => cols.length > 9)
    .map((cols) => {
      const [address = '', port = '0'] = (cols[1] ?? '').split(':');
      const [remote = '', remotePort = '0'] = (cols[2] ?? '').split(':');
      return {
        addressBytes: procAddressBytes(address),
        port: parseInt(port, 16),
        remoteBytes: procAddressBytes(remote),
        remotePort: parseInt(remotePort, 16),
        state: cols[3] ?? '',
        inode: cols[9] ?? '',
      };
    });
}

/** The sockets of a table, as process `pid` sees it (its namespace); none when it is gone. */
export async function procSockets(pid: number, table: 'tcp' | 'tcp6' | 'udp' | 'udp6'): Promise<ProcSocket[]> {
  return parseProcNet(await readFile(`/proc/${pid}/net/${table}`, 'utf8').catch(() => ''));
}

/** Inodes of the sockets process `pid` holds. */
export async function socketInodes(pid: number): Promise<Set<string>> {
  const inodes = new Set<string>();
  const fdDir = `/proc/${pid}/fd`;
  for (const fd of await readdir(fdDir).catch(() => [])) {
    const match = /^socket:\[(\d+)\]$/.exec(await readlink(join(fdDir, fd)).catch(() => ''));
    if (match?.[1]) inodes.add(match[1]);
  }
  return inodes;
}

/** Bound to `host` itself, or to the wildcard address. */
function boundTo(bytes: number[], host: string): boolean {
  return bytes.every((b) => b === 0) || bytes.join('.') === ipBytes(host).join('.');
}

/**
 * True once process `pid` itself holds a UDP socket bound to host:port. Throws when another
 * socket shares the port: gtlsserver sets SO_REUSEADDR, so a clash would not fail its bind,
 * it would silently split the traffic.
 */
export async function udpBoundBy(pid: number, host: string, port: number): Promise<boolean> {
  const onPort = (await procSockets(pid, isIP(host) === 6 ? 'udp6' : 'udp')).filter((e) => e.port === port && boundTo(e.addressBytes, host));
  if (onPort.length === 0) return false;
  const ours = await socketInodes(pid);
  if (!onPort.some((e) => ours.has(e.inode))) return false;
  if (onPort.some((e) => !ours.has(e.inode))) throw new Error(`UDP port ${port} on ${host} is also bound by another process`);
  return true;
}

/** True once process `pid` itself has a TCP socket listening on host:port. */
export async function tcpListeningBy(pid: number, host: string, port: number): Promise<boolean> {
  const listening = (await procSockets(pid, isIP(host) === 6 ? 'tcp6' : 'tcp')).filter((e) => e.state === '0A' && e.port === port && boundTo(e.addressBytes, host));
  if (listening.length === 0) return false;
  const ours = await socketInodes(pid);
  return listening.some((e) => ours.has(e.inode));
}
