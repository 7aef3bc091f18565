// The host-wide list of TCP congestion controllers a namespace may pick, widened for a run and
// put back when the lab stops.
import { readFile, writeFile } from 'node:fs/promises';
import { readSysctl } from './sysctl.js';

const ALLOWED_PATH = '/proc/sys/net/ipv4/tcp_allowed_congestion_control';

/**
 * A namespace may only pick a controller the host allows (tcp_allowed_congestion_control,
 * host-wide). Adding one to that list changes no default; it only lets the lab choose it.
 * Returns what undoes it: the list as it was, written back unless someone changed it since.
 * `allowedPath` is for tests.
 */
export async function allowCongestionControl(cc: string, allowedPath = ALLOWED_PATH): Promise<() => Promise<void>> {
  const available = ((await readSysctl('net.ipv4.tcp_available_congestion_control')) ?? '').split(/\s+/);
  if (!available.includes(cc)) throw new Error(`TCP congestion control "${cc}" is not available here (have: ${available.join(', ')})`);
  const before = (await readFile(allowedPath, 'utf8')).trim();
  const allowed = before.split(/\s+/).filter(Boolean);
  if (allowed.includes(cc)) return async () => undefined;
  const widened = [...allowed, cc].join(' ');
  await writeFile(allowedPath, widened);
  return async () => {
    // The kernel reads the list back in its own order: compare as sets.
    const now = (await readFile(allowedPath, 'utf8')).trim();
    if (sameSet(now, widened)) await writeFile(allowedPath, before);
  };
}

function sameSet(a: string, b: string): boolean {
  const words = (text: string) => [...new Set(text.split(/\s+/).filter(Boolean))].sort().join(' ');
  return words(a) === words(b);
}
