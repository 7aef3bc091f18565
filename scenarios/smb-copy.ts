// smb-copy: a file copy as SMB does it, on the lab's links. Real SMB 3 over TCP (Samba's smbd
// in the server namespace, smbclient in the client's), both directions, with SMB encryption
// required and off; beside it an SMB-style read of the same file over HTTP/2 on TCP+TLS and
// over HTTP/3 on QUIC: the file in equal reads of at most 1 MiB, all outstanding at once on one connection (an
// SMB client with credits enough for the whole file), so the QUIC vs TCP difference for a copy
// shows on the same links. No SMB over QUIC runs on Linux here; the HTTP cases are named
// "SMB-style" in every report.
import { VERIFIED_BODY_BYTES, verifiedMetric, verifiedTotal } from './integrity.js';
import { formatSize } from '../harness/files/sizes.js';
import { workloadOf, type CaseDefinition, type SampleContext, type SampleMeasurement, type ScenarioDefinition, type TransferOptions } from '../harness/scenario/types.js';

/** SMB's usual read size (Windows and Samba read 1 MiB at a time on SMB 3). */
export const SMB_READ_BYTES = 1024 * 1024;
const MAX_READS = 256;
const DEFAULT_DIRECTIONS = ['down', 'up'] as const;

function smbCases(bytes: number, direction: 'down' | 'up'): CaseDefinition[] {
  const size = formatSize(bytes);
  const verb = direction === 'down' ? 'get' : 'put';
  return (['required', 'off'] as const).map((encryption) => ({
    id: `smb3-${verb}-${size}-${encryption === 'required' ? 'encrypted' : 'plain'}`,
    protocol: 'tcp',
    application: 'smb3',
    client: 'smbclient',
    server: 'samba',
    workload: { kind: 'copy', bodyBytes: bytes, direction, encryption },
    needs: 'copy',
  }));
}

function smbStyleCases(bytes: number): CaseDefinition[] {
  const size = formatSize(bytes);
  const workload = { kind: 'copy', bodyBytes: bytes, direction: 'down', readBytes: readPlan(bytes).readBytes } as const;
  return [
    { id: `smb-style-h2-get-${size}`, protocol: 'tcp-tls', application: 'h2', client: 'undici', server: 'node', workload },
    { id: `smb-style-h3-get-${size}`, protocol: 'quic', application: 'h3', client: 'ngtcp2', server: 'ngtcp2', workload },
  ];
}

/** Reads of an SMB-style copy: the fewest equal reads of at most 1 MiB (gtlsclient asks for one size in a batch). */
export function readPlan(bytes: number): { reads: number; readBytes: number } {
  const reads = Math.ceil(bytes / SMB_READ_BYTES);
  if (bytes % reads !== 0) throw new Error(`smb-copy: ${formatSize(bytes)} does not split into ${reads} equal reads of at most 1 MiB; choose a size that does (e.g. 1MB, 4MiB, 10MB)`);
  if (reads > MAX_READS) throw new Error(`smb-copy: ${formatSize(bytes)} is more than ${MAX_READS} reads of 1 MiB`);
  return { reads, readBytes: bytes / reads };
}

/** Copies of each size in `direction`; the SMB-style reads are downloads only (SMB writes over HTTP are not modelled). */
export function smbCopyCases(options: TransferOptions): CaseDefinition[] {
  return options.sizesBytes.flatMap((bytes) => [...smbCases(bytes, options.direction), ...(options.direction === 'down' ? smbStyleCases(bytes) : [])]);
}

function rate(bytes: number, ms: number): number {
  return (bytes * 8 * 1000) / ms;
}

async function copySample(context: SampleContext<'batch' | 'copy'>): Promise<SampleMeasurement> {
  const { caseDefinition, target, timeoutMs, bodyPath } = context;
  const { bodyBytes: bytes, direction } = workloadOf(caseDefinition, 'copy');
  if (context.needs === 'copy') {
    const copy = await context.client.copy(direction === 'up' ? 'put' : 'get', bytes, timeoutMs);
    if (copy.copyMs === null || copy.copyMs <= 0) throw new Error('smbclient reported no copy time');
    return { metrics: { copyMs: copy.copyMs, goodputBitsPerSecond: rate(bytes, copy.copyMs), bodyBytes: bytes, ...verifiedMetric(copy.verifiedBytes) } };
  }
  const { reads, readBytes } = readPlan(bytes);
  const paths = Array.from({ length: reads }, () => bodyPath(readBytes));
  const timings = await context.client.exchangeBatch({ target, paths, timeoutMs });
  const received = timings.objects.reduce((sum, o) => sum + o.bytes, 0);
  if (received !== bytes) throw new Error(`the reads returned ${received} bytes, expected ${bytes}`);
  // Like smbclient's clock, the copy starts once the session is up: after the handshake.
  const copyMs = timings.totalMs - timings.handshakeMs;
  return { metrics: { copyMs, goodputBitsPerSecond: rate(bytes, copyMs), bodyBytes: bytes, handshakeMs: timings.handshakeMs, reads: paths.length, ...verifiedMetric(verifiedTotal(timings.objects)) } };
}

const DEFAULT_SIZES = [4 * 1024 * 1024];

export const smbCopy: ScenarioDefinition<'batch' | 'copy'> = {
  name: 'smb-copy',
  abbreviation: 'SMB',
  description: 'File copies: SMB 3 over TCP (smbd, smbclient; get and put, encryption required and off) beside an SMB-style read (1 MiB reads, all outstanding) over HTTP/2 on TCP+TLS and HTTP/3 on QUIC; lab only',
  metrics: [
    { name: 'copyMs', unit: 'ms', description: "SMB: smbclient's own clock from opening the remote file to closing it; SMB-style: from the handshake's end to the last byte of the last read" },
    { name: 'goodputBitsPerSecond', unit: 'bits/s', description: 'file bits over copyMs', provenance: { kind: 'derived', from: ['bodyBytes', 'copyMs'], method: 'bodyBytes x 8 over copyMs' } },
    { name: 'handshakeMs', unit: 'ms', description: 'SMB-style only: the connection handshake (smbclient does not time its connect and session setup)' },
    { name: 'reads', unit: 'count', description: 'SMB-style: equal reads of at most 1 MiB, all outstanding at once' },
    { name: 'bodyBytes', unit: 'bytes', description: 'file bytes copied' },
    VERIFIED_BODY_BYTES,
  ],
  headline: ['copyMs', 'goodputBitsPerSecond', 'handshakeMs'],
  defaults: { samples: 5, warmup: 1, sampleTimeoutMs: 300_000 },
  // Both directions unless --direction picks one, with or without --sizes.
  cases: DEFAULT_DIRECTIONS.flatMap((direction) => smbCopyCases({ sizesBytes: DEFAULT_SIZES, direction })),
  transfers: { defaults: { sizesBytes: DEFAULT_SIZES, direction: 'down' }, defaultDirections: DEFAULT_DIRECTIONS, cases: smbCopyCases },
  needsLab: "its SMB server runs in the lab's server namespace",
  // SMB-style reads: all outstanding at once; the SMB cases copy (needs: 'copy').
  needs: 'batch',
  wireTruth: true,
  measure: copySample,
};
