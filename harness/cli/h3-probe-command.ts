// npm run h3-probe -- https://host[:port]/path: is this HTTP/3 deployment healthy? One run
// against the one target given (harness/probe/h3-probe.ts); exit 0 healthy, 1 problems found,
// 2 bad input.
import { Command, Option } from 'commander';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../files/atomic-write.js';
import { runH3Probe } from '../probe/h3-probe.js';
import { DEFAULT_QUIC_CLIENT, QUIC_CLIENT_PEERS, quicClientAvailable, type QuicClientPeer } from '../probe/quic-handshake.js';
import { renderH3Probe } from '../probe/render.js';
import { parseProbeUrl, resolveTarget } from '../probe/target.js';
import { DEFAULT_RESULTS_DIR } from '../results/write.js';
import { fileTimestamp } from '../results/run-id.js';
import { durationMs, oneOf } from '../options/parse.js';
import { UsageError } from '../options/usage-error.js';

interface H3ProbeCommandOptions {
  resolve?: string;
  ca?: string;
  json?: boolean;
  quicClient: QuicClientPeer;
  capture: boolean;
  timeout: number;
  resultsDir: string;
}

export function h3ProbeCommand(): Command {
  return new Command('h3-probe')
    .description(
      'probe an HTTP/3 deployment: TCP+TLS (TLS 1.3, ALPN, Alt-Svc, Server), QUIC on the advertised port (versions, ALPN h3, handshake round trips, resumption, 0-RTT) and the certificate chain against the anti-amplification limit',
    )
    .argument('<url>', 'https://host[:port]/path')
    .option('--resolve <host:port:addr>', 'use this address for host:port instead of resolving the name (as curl)')
    .option('--ca <file>', 'PEM file of the CA(s) to trust (default: the system roots)')
    .option('--json', 'print the result JSON instead of the text')
    .option(
      '--quic-client <peer>',
      `the lab's QUIC client: ${QUIC_CLIENT_PEERS.join(', ')} (aioquic's first flight is one 1200-byte datagram, as the amplification prediction assumes)`,
      oneOf('--quic-client', QUIC_CLIENT_PEERS),
      DEFAULT_QUIC_CLIENT,
    )
    .option('--no-capture', "do not capture the QUIC connections (tcpdump, needs root): the cold handshake's flight is then not observed on the wire")
    .addOption(new Option('--timeout <duration>', 'bound of each step (TCP+TLS, version probe, each QUIC connection)').argParser(durationMs('--timeout')).default(10_000, '10s'))
    .addOption(new Option('--results-dir <dir>', 'where the result JSON goes').default(DEFAULT_RESULTS_DIR, 'results/'))
    .action(async (url: string, options: H3ProbeCommandOptions) => {
      const parsed = parseProbeUrl(url);
      if (options.ca !== undefined) await access(options.ca).catch(() => Promise.reject(new UsageError(`--ca: cannot read ${options.ca}`)));
      const client = quicClientAvailable(options.quicClient);
      if (!client.ok) throw new UsageError(`h3-probe needs the lab's QUIC client: ${client.hint}`);
      const target = await resolveTarget(parsed, options.resolve);
      const result = await runH3Probe({ target, quicClient: options.quicClient, capture: options.capture, timeoutMs: options.timeout, ...(options.ca !== undefined ? { caFile: options.ca } : {}) });
      const path = join(options.resultsDir, `h3-probe-${fileTimestamp(new Date(result.startedAt))}.json`);
      await writeFileAtomic(path, JSON.stringify(result, null, 2) + '\n');
      if (options.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
      else process.stdout.write([...renderH3Probe(result), `result: ${path}`].join('\n') + '\n');
      process.exitCode = result.exitCode;
    });
}
