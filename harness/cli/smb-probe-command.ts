// npm run smb-probe -- [--target HOST[:PORT]]: is an SMB over QUIC server reachable and set
// up right (handshake on UDP 443 with ALPN "smb", its certificate chain), and what does SMB
// over TCP 445 negotiate? Without --target the probe runs against a local stand-in on the lab
// (a QUIC server with ALPN "smb" and Samba's smbd), from the lab's client namespace. It only
// ever sends to the address named (or the lab's).
import { Command, Option } from 'commander';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { writeFileAtomic } from '../files/atomic-write.js';
import { startLab, type Lab } from '../lab/lab.js';
import { resolveLinkConditions } from '../lab/profiles.js';
import { DEFAULT_CERTS_DIR, ensurePki } from '../pki/store.js';
import { DEFAULT_RESULTS_DIR } from '../results/write.js';
import { renderQuicProbe, renderTcpProbe } from '../smb/probe-report.js';
import { probeSmbQuic, type SmbQuicProbeResult } from '../smb/quic-probe.js';
import { SMB_QUIC_PORT, STAND_IN_CERTIFICATES, SmbQuicStandIn, standInTls, type StandInCertificateKind } from '../smb/quic-standin.js';
import { SambaServer } from '../endpoints/samba/server.js';
import { probeSmbTcp, type SmbTcpProbeResult } from '../smb/tcp-probe.js';
import { LAB_SERVER_NAME } from '../lab/addresses.js';
import { durationMs, integerInRange, oneOf } from './parse.js';
import { fileTimestamp } from '../results/run-id.js';
import { UsageError } from './usage-error.js';

const SMB_TCP_PORT = 445;

/** "198.18.0.2", "198.18.0.2:8443", "[2001:2::2]:443" -> address and port. */
export function parseTarget(value: string): { host: string; port: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(value);
  const plain = /^([^:]+)(?::(\d+))?$/.exec(value);
  const host = bracketed?.[1] ?? (isIP(value) === 6 ? value : plain?.[1]);
  const port = Number(bracketed?.[2] ?? (isIP(value) === 6 ? undefined : plain?.[2]) ?? SMB_QUIC_PORT);
  if (host === undefined || isIP(host) === 0) throw new UsageError(`--target wants an IP address with an optional port (the probe resolves no names), got "${value}"`);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`--target: port must be 1-65535, got "${value}"`);
  return { host, port };
}

interface ProbeOptions {
  target?: string;
  serverName?: string;
  ca?: string;
  tcpPort: number;
  tcp: boolean;
  timeout: number;
  standInCertificate: StandInCertificateKind;
  json?: boolean;
  resultsDir: string;
}

export function smbProbeCommand(): Command {
  return new Command('smb-probe')
    .description('probe an SMB over QUIC server (UDP 443, ALPN smb, certificate chain) and SMB over TCP 445 (NEGOTIATE); default target: a local stand-in on the lab')
    .option('--target <host[:port]>', 'the server to probe (an IP address; QUIC port default 443)')
    .option('--server-name <name>', 'the name to ask for and check the certificate against (default: the target address, or the lab name)')
    .option('--ca <file>', 'PEM file of the CA(s) to trust (default: the system roots; the lab CA for the stand-in)')
    .option('--tcp-port <n>', 'SMB over TCP port', integerInRange('--tcp-port', 1, 65535), SMB_TCP_PORT)
    .option('--no-tcp', 'skip SMB over TCP')
    .addOption(new Option('--timeout <duration>', 'bound of each probe').argParser(durationMs('--timeout')).default(5000, '5s'))
    .option('--stand-in-certificate <kind>', `the stand-in's certificate: ${STAND_IN_CERTIFICATES.join(', ')}`, oneOf('--stand-in-certificate', STAND_IN_CERTIFICATES), 'lab' as const)
    .option('--json', 'print the result JSON instead of the text')
    .addOption(new Option('--results-dir <dir>', 'where the result JSON goes').default(DEFAULT_RESULTS_DIR, 'results/'))
    .action(async (options: ProbeOptions) => {
      const started = new Date();
      let quic: SmbQuicProbeResult;
      let tcp: SmbTcpProbeResult | null = null;
      let standIn: { certificate: StandInCertificateKind; samba: string } | null = null;
      if (options.target !== undefined) {
        const { host, port } = parseTarget(options.target);
        const serverName = options.serverName ?? host;
        quic = await probeSmbQuic({ host, port, serverName, timeoutMs: options.timeout, ...(options.ca ? { caFile: options.ca } : {}) });
        if (options.tcp) tcp = await probeSmbTcp({ host, port: options.tcpPort, timeoutMs: options.timeout });
      } else {
        const pki = await ensurePki({}, DEFAULT_CERTS_DIR);
        let lab: Lab | null = null;
        let quicServer: SmbQuicStandIn | null = null;
        let samba: SambaServer | null = null;
        try {
          lab = await startLab({ conditions: resolveLinkConditions({}), backend: 'auto', purpose: 'smb-probe' });
          const host = lab.addresses.serverIpv4;
          quicServer = new SmbQuicStandIn({ tls: await standInTls(options.standInCertificate, { material: pki.material }), host, port: SMB_QUIC_PORT, netns: lab.namespaces.server });
          const address = await quicServer.start();
          quic = await probeSmbQuic({
            host,
            port: address.port,
            serverName: options.serverName ?? LAB_SERVER_NAME,
            timeoutMs: options.timeout,
            caFile: options.ca ?? pki.material.caFile,
            netns: lab.namespaces.client,
          });
          if (options.tcp) {
            samba = new SambaServer({ host, netns: lab.namespaces.server, encryption: 'required' });
            await samba.start();
            tcp = await probeSmbTcp({ host, port: SMB_TCP_PORT, netns: lab.namespaces.client, timeoutMs: options.timeout });
          }
          standIn = { certificate: options.standInCertificate, samba: samba?.info().version ?? 'not started' };
        } finally {
          await quicServer?.stop();
          await samba?.stop();
          await lab?.stop();
        }
      }
      const document = { kind: 'smb-probe', startedAt: started.toISOString(), finishedAt: new Date().toISOString(), standIn, quic, tcp };
      const path = join(options.resultsDir, `smb-probe-${fileTimestamp(started)}.json`);
      await writeFileAtomic(path, JSON.stringify(document, null, 2) + '\n');
      if (options.json) process.stdout.write(JSON.stringify(document, null, 2) + '\n');
      else {
        const lines = [
          ...(standIn ? [`stand-in on the lab: QUIC server with ALPN smb (certificate: ${standIn.certificate}) and Samba ${standIn.samba}`] : []),
          ...renderQuicProbe(quic),
          ...(tcp ? renderTcpProbe(tcp) : []),
          `result: ${path}`,
        ];
        process.stdout.write(lines.join('\n') + '\n');
      }
      const healthy = quic.reachable && quic.alpn === 'smb' && quic.problems.length === 0 && (tcp === null || (tcp.reachable && tcp.dialect !== null));
      if (!healthy) process.exitCode = 1;
    });
}
