// Sends the version negotiation probe (version-negotiation.ts) to one UDP address and waits
// for the Version Negotiation packet: at most VERSION_PROBE_ATTEMPTS datagrams of 1200 bytes,
// one per `timeoutMs / attempts`, so a lost datagram is not taken for a closed port. A
// connected UDP socket also hears an ICMP port unreachable (ECONNREFUSED).
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { isIP } from 'node:net';
import { buildVersionProbe, parseVersionNegotiation, reservedVersion, versionName } from './version-negotiation.js';

export const VERSION_PROBE_ATTEMPTS = 3;

export interface VersionProbeResult {
  /** A Version Negotiation packet came back. */
  answered: boolean;
  /** The kernel reported ICMP port unreachable: nothing listens on that UDP port. */
  refused: boolean;
  probeVersion: string;
  versions: string[];
  supportsV1: boolean;
  datagramsSent: number;
  bytesSent: number;
  /** From the first datagram sent to the answer. */
  answerMs: number | null;
  error?: string;
}

export function probeVersions(options: { address: string; port: number; timeoutMs: number }): Promise<VersionProbeResult> {
  const probe = buildVersionProbe({ version: reservedVersion(randomBytes(1)[0] as number), destinationConnectionId: randomBytes(8), sourceConnectionId: randomBytes(8) });
  const result: VersionProbeResult = { answered: false, refused: false, probeVersion: versionName(probe.version), versions: [], supportsV1: false, datagramsSent: 0, bytesSent: 0, answerMs: null };
  return new Promise((resolve) => {
    const socket = createSocket(isIP(options.address) === 6 ? 'udp6' : 'udp4');
    let done = false;
    let startedAt = 0;
    let resend: NodeJS.Timeout | undefined;
    const finish = (error?: string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearInterval(resend);
      socket.close();
      resolve(error === undefined ? result : { ...result, error });
    };
    const timer = setTimeout(() => finish(`no Version Negotiation packet within ${options.timeoutMs} ms (${result.datagramsSent} probes sent)`), options.timeoutMs);
    const send = (): void => {
      if (result.datagramsSent >= VERSION_PROBE_ATTEMPTS) return;
      result.datagramsSent++;
      result.bytesSent += probe.datagram.length;
      socket.send(probe.datagram, (error) => {
        if (error) finish(`UDP send: ${error.message}`);
      });
    };
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED') {
        result.refused = true;
        finish('ICMP port unreachable: nothing listens on this UDP port');
      } else finish(`UDP: ${error.message}`);
    });
    socket.on('message', (datagram) => {
      const answer = parseVersionNegotiation(datagram, probe);
      if (answer === null) return;
      result.answered = true;
      result.answerMs = performance.now() - startedAt;
      result.versions = answer.versions.map(versionName);
      result.supportsV1 = answer.versions.includes(1);
      finish();
    });
    socket.connect(options.port, options.address, () => {
      startedAt = performance.now();
      send();
      resend = setInterval(send, Math.max(1, Math.floor(options.timeoutMs / VERSION_PROBE_ATTEMPTS)));
    });
  });
}
