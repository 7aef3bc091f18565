// npm run smb-probe -- [--target HOST[:PORT] [--resolve NAME:PORT:ADDRESS]]: is an SMB over QUIC
// server reachable and set up right (handshake on UDP 443 with ALPN "smb", its certificate
// chain checked as Windows would for the name clients use), and what does an SMB2 NEGOTIATE get
// over that QUIC connection and over TCP 445, side by side? Without --target the probe runs
// against a local stand-in on the lab (a QUIC server with ALPN "smb" whose streams are bridged
// to Samba's smbd), from the lab's client namespace. It only ever sends to the address named
// (or the lab's), and resolves no names: a name comes with its address in --resolve.
import { Command, Option } from 'commander';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { writeFileAtomic } from '../files/atomic-write.js';
import { startLab, type Lab } from '../lab/lab.js';
import { resolveLinkConditions } from '../lab/profiles.js';
import { DEFAULT_CERTS_DIR, ensurePki } from '../pki/store.js';
import { DEFAULT_RESULTS_DIR } from '../results/write.js';
import { quicNegotiateSide, renderNegotiateComparison, renderQuicProbe, renderTcpProbe, tcpNegotiateSide } from '../smb/probe-report.js';
import { probeSmbQuic, type SmbQuicProbeResult } from '../smb/quic-probe.js';
import { SMB_QUIC_PORT, STAND_IN_CERTIFICATES, SmbQuicStandIn, standInTls, type ClosedBridge, type StandInCertificateKind } from '../smb/quic-standin.js';
import { SambaServer } from '../endpoints/samba/server.js';
import { probeSmbTcp, type SmbTcpProbeResult } from '../smb/tcp-probe.js';
import { LAB_SERVER_NAME } from '../lab/addresses.js';
import { durationMs, integerInRange, oneOf } from '../options/parse.js';
import { fileTimestamp } from '../results/run-id.js';
import { UsageError } from '../options/usage-error.js';
import { parseResolve } from '../probe/target.js';

const SMB_TCP_PORT = 445;
/** How long the stand-in gets to report the probe's bridged stream closed on both ends. */
const BRIDGE_CLOSE_WAIT_MS = 3000;

/** "198.18.0.2", "198.18.0.2:8443", "[2001:2::2]:443", "files.example:443" -> host (an address or a name) and port. */
export function parseTarget(value: string): { host: string; port: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(value);
  const plain = /^([^:[\]]+)(?::(\d+))?$/.exec(value);
  const host = bracketed?.[1] ?? (isIP(value) === 6 ? value : plain?.[1]);
  const port = Number(bracketed?.[2] ?? (isIP(value) === 6 ? undefined : plain?.[2]) ?? SMB_QUIC_PORT);
  if (host === undefined || (isIP(host) === 0 && !DNS_NAME.test(host)) || (bracketed !== null && isIP(host) !== 6)) {
    throw new UsageError(`--target wants an IP address or a DNS name, with an optional port, got "${value}"`);
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`--target: port must be 1-65535, got "${value}"`);
  return { host, port };
}

const DNS_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;

/**
 * The address to send to and the name to ask for and check the certificate against. A target
 * name is never looked up: its address comes from --resolve. The name checked is --server-name,
 * else the target's name, else its address.
 */
export function resolveTarget(target: string, resolve: string | undefined, serverName: string | undefined): { address: string; port: number; serverName: string; resolvedBy: 'literal' | '--resolve' } {
  const { host, port } = parseTarget(target);
  const mapping = resolve !== undefined ? parseResolve(resolve) : undefined;
  if (isIP(host) !== 0) {
    if (mapping !== undefined) throw new UsageError(`--resolve ${resolve}: the target ${host} is an address already`);
    return { address: host, port, serverName: serverName ?? host, resolvedBy: 'literal' };
  }
  if (mapping === undefined || mapping.host.replace(/\.$/, '') !== host.replace(/\.$/, '').toLowerCase() || mapping.port !== port) {
    throw new UsageError(`--target ${host} is a name: give its address with --resolve ${host}:${port}:ADDRESS (the probe resolves no names)`);
  }
  return { address: mapping.address, port, serverName: serverName ?? host, resolvedBy: '--resolve' };
}

/** Said when the certificate was checked against an address, not the name Windows clients use. */
export function addressNameNote(serverName: string): string | null {
  if (isIP(serverName.replace(/^\[(.*)\]$/, '$1')) === 0) return null;
  return (
    `note: the certificate was checked against the address ${serverName}; Windows clients reach SMB over QUIC by name (\\\\NAME\\share) ` +
    "and Windows needs that name among the certificate's DNS subject alternative names: check it with --target NAME --resolve NAME:PORT:ADDRESS or --server-name NAME"
  );
}

interface ProbeOptions {
  target?: string;
  resolve?: string;
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
    .description('probe an SMB over QUIC server (UDP 443, ALPN smb, certificate chain, SMB2 NEGOTIATE on a stream) and SMB over TCP 445 (NEGOTIATE), side by side; default target: a local stand-in on the lab bridged to smbd')
    .option('--target <host[:port]>', 'the server to probe: an IP address, or a DNS name given its address with --resolve; QUIC port default 443')
    .option('--resolve <host:port:address>', "the address of the --target name, curl's form (no name is ever looked up)")
    .option('--server-name <name>', 'the name to ask for and check the certificate against (default: the target name or address, or the lab name)')
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
      let standIn: { certificate: StandInCertificateKind; samba: string; bridge: string | null; bridgedStreams: ClosedBridge[] } | null = null;
      let target: ReturnType<typeof resolveTarget> | null = null;
      if (options.target !== undefined) {
        target = resolveTarget(options.target, options.resolve, options.serverName);
        const { address, port, serverName } = target;
        quic = await probeSmbQuic({ host: address, port, serverName, timeoutMs: options.timeout, ...(options.ca ? { caFile: options.ca } : {}) });
        if (options.tcp) tcp = await probeSmbTcp({ host: address, port: options.tcpPort, timeoutMs: options.timeout });
      } else {
        if (options.resolve !== undefined) throw new UsageError('--resolve goes with --target');
        const pki = await ensurePki({}, DEFAULT_CERTS_DIR);
        let lab: Lab | null = null;
        let quicServer: SmbQuicStandIn | null = null;
        let samba: SambaServer | null = null;
        try {
          lab = await startLab({ conditions: resolveLinkConditions({}), backend: 'auto', purpose: 'smb-probe' });
          const host = lab.addresses.serverIpv4;
          // smbd first: the stand-in bridges each QUIC stream to it, in the server namespace.
          samba = new SambaServer({ host, netns: lab.namespaces.server, encryption: 'required' });
          await samba.start();
          quicServer = new SmbQuicStandIn({
            tls: await standInTls(options.standInCertificate, { material: pki.material }),
            host,
            port: SMB_QUIC_PORT,
            netns: lab.namespaces.server,
            bridge: { host, port: SMB_TCP_PORT },
          });
          const address = await quicServer.start();
          quic = await probeSmbQuic({
            host,
            port: address.port,
            serverName: options.serverName ?? LAB_SERVER_NAME,
            timeoutMs: options.timeout,
            caFile: options.ca ?? pki.material.caFile,
            netns: lab.namespaces.client,
          });
          if (options.tcp) tcp = await probeSmbTcp({ host, port: SMB_TCP_PORT, netns: lab.namespaces.client, timeoutMs: options.timeout });
          await quicServer.waitForBridgesClosed(quic.negotiate !== null ? 1 : 0, BRIDGE_CLOSE_WAIT_MS);
          standIn = { certificate: options.standInCertificate, samba: samba.info().version, bridge: quicServer.info().bridge, bridgedStreams: [...quicServer.closedBridges] };
        } finally {
          await quicServer?.stop();
          await samba?.stop();
          await lab?.stop();
        }
      }
      const document = { kind: 'smb-probe', startedAt: started.toISOString(), finishedAt: new Date().toISOString(), target, standIn, quic, tcp };
      const path = join(options.resultsDir, `smb-probe-${fileTimestamp(started)}.json`);
      await writeFileAtomic(path, JSON.stringify(document, null, 2) + '\n');
      if (options.json) process.stdout.write(JSON.stringify(document, null, 2) + '\n');
      else {
        const lines = [
          ...(standIn ? [`stand-in on the lab: QUIC server with ALPN smb (certificate: ${standIn.certificate}), its streams bridged to Samba ${standIn.samba} at ${standIn.bridge ?? '-'}`] : []),
          ...(target?.resolvedBy === '--resolve' ? [`target ${target.serverName} at ${target.address} (from --resolve)`] : []),
          ...renderQuicProbe(quic),
          ...(tcp ? renderTcpProbe(tcp) : []),
          ...renderNegotiateComparison(quicNegotiateSide(quic), tcp ? tcpNegotiateSide(tcp) : null),
          ...(standIn
            ? standIn.bridgedStreams.map((b) => `  bridge: QUIC stream ${b.streamId} <-> smbd: ${b.toServerBytes} bytes to smbd, ${b.toClientBytes} back, ended by the ${b.endedBy}${b.error ? ` (${b.error})` : ''}`)
            : []),
          ...[addressNameNote(quic.target.serverName)].filter((line): line is string => line !== null),
          `result: ${path}`,
        ];
        process.stdout.write(lines.join('\n') + '\n');
      }
      const healthy = quic.reachable && quic.alpn === 'smb' && quic.problems.length === 0 && quic.negotiate?.outcome != null && (tcp === null || (tcp.reachable && tcp.dialect !== null));
      if (!healthy) process.exitCode = 1;
    });
}
