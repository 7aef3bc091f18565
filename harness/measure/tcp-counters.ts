// TCP retransmissions of a lab namespace, from the kernel's per-namespace SNMP counters
// (/proc/net/snmp "Tcp: RetransSegs"). Node exposes no TCP_INFO, and a connection's own
// counters vanish when it closes; but the lab runs one sample at a time, so the change of
// the sending namespace's counter over a sample is that sample's retransmitted segments.
import { runCommand } from '../process/managed-process.js';

/** The named counters of the "Tcp:" lines of /proc/net/snmp. */
export function parseSnmpTcp(text: string): Record<string, number> {
  const lines = text.split('\n').filter((line) => line.startsWith('Tcp:'));
  const [names, values] = lines.map((line) => line.trim().split(/\s+/).slice(1));
  if (!names || !values || names.length !== values.length) throw new Error('no "Tcp:" header and value lines in /proc/net/snmp');
  return Object.fromEntries(names.map((name, i) => [name, Number(values[i])]));
}

/** Segments TCP has retransmitted in `netns` so far. */
export async function tcpRetransmittedSegments(netns: string): Promise<number> {
  const result = await runCommand({ name: `snmp counters of ${netns}`, command: 'ip', args: ['netns', 'exec', netns, 'cat', '/proc/net/snmp'], timeoutMs: 5000 });
  if (result.code !== 0) throw new Error(`cannot read /proc/net/snmp in ${netns}: ${result.stderr.trim()}`);
  const value = parseSnmpTcp(result.stdout).RetransSegs;
  if (value === undefined || !Number.isFinite(value)) throw new Error('/proc/net/snmp has no Tcp RetransSegs');
  return value;
}
