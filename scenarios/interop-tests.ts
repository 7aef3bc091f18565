// The interop matrix's test cases, in the QUIC interop runner's spirit: each a small unit with
// its static metadata (name, abbreviation, what it asks of the pair, its timeout) and a check
// of one measured sample against what the packet capture shows. A sample the client itself
// refuses (a session not resumed, early data rejected, a wrong body byte) has already failed
// before its check runs; the check adds what only the wire can say.
import type { ClientNeed } from '../harness/endpoints/types.js';
import type { Sample } from '../harness/results/schema.js';
import type { Workload } from '../harness/results/workload.js';
import { REBIND_AFTER_MS } from './migration.js';

export interface InteropTest {
  /** The case id's variant ("handshake"); cases run as `<name>@<server>/<client>`. */
  name: string;
  /** Short code for tables, as the interop runner's. */
  abbreviation: string;
  description: string;
  workload: Workload;
  needs: ClientNeed;
  /** The bound of one sample (the run's --timeout caps it). */
  timeoutMs: number;
  /** Why the sample fails the test on the wire; undefined when it passes. */
  check(sample: Pick<Sample, 'metrics' | 'negotiated'>): string | undefined;
}

/** QUIC version 1 (RFC 9000) as the result records a wire version. */
export const QUIC_V1 = '0x00000001';
const SMALL_BODY_BYTES = 1000;
const TRANSFER_BYTES = 1_000_000;
const STREAM_OBJECTS = 50;
const STREAM_OBJECT_BYTES = 10_000;
/** Long enough at the interop link's 10 Mbit/s (1.6 s) that the rebinding falls inside it (migration's REBIND_AFTER_MS). */
const REBIND_BYTES = 2_000_000;

/** The first reason in the list, if any. */
function firstOf(...reasons: Array<string | undefined>): string | undefined {
  return reasons.find((r) => r !== undefined);
}

/** A QUIC v1 connection with ALPN h3 whose handshake completed and whose response came back, all on the wire. */
export function quicH3OnTheWire(sample: Pick<Sample, 'metrics' | 'negotiated'>): string | undefined {
  const version = sample.negotiated?.quicVersion;
  const alpn = sample.negotiated?.wireAlpn;
  return firstOf(
    version === undefined ? 'no QUIC version on the wire (no capture, or no connection of the sample in it)' : version !== QUIC_V1 ? `QUIC version ${version} on the wire, not v1 (${QUIC_V1})` : undefined,
    alpn === undefined ? "no ALPN on the wire (the server's EncryptedExtensions were not decrypted)" : alpn !== 'h3' ? `the server chose ALPN ${alpn} on the wire, not h3` : undefined,
    sample.metrics.wireHandshakeMs === undefined ? "the wire shows no completed handshake (the server's Finished was not seen)" : undefined,
    sample.metrics.wireTtfbMs === undefined ? 'the wire shows no response data on a request stream' : undefined,
  );
}

/** Every body byte checked against the lab's pattern by the client. */
export function bodyVerified(metrics: Readonly<Record<string, number>>, bytes: number): string | undefined {
  const verified = metrics.verifiedBodyBytes;
  if (verified === undefined) return 'the body was not verified (the client could not check it)';
  return verified === bytes ? undefined : `${verified} of ${bytes} body bytes verified`;
}

/** The server's Certificate on the wire: sent on a full handshake, absent on a resumed one. */
function certificateOnTheWire(metrics: Readonly<Record<string, number>>, resumed: boolean): string | undefined {
  const sent = metrics.serverCertificateSent;
  if (sent === undefined) return "the server's handshake flight could not be read on the wire";
  if (resumed && sent === 1) return 'the server sent its Certificate: a full handshake on the wire, not a resumed one';
  if (!resumed && sent === 0) return 'no Certificate from the server on a cold handshake';
  return undefined;
}

export const INTEROP_TESTS: readonly InteropTest[] = [
  {
    name: 'handshake',
    abbreviation: 'H',
    description: `a cold handshake and a GET of ${SMALL_BODY_BYTES} bytes: QUIC v1, ALPN h3, the Certificate and the response on the wire, the body verified`,
    workload: { kind: 'handshake', bodyBytes: SMALL_BODY_BYTES, session: 'cold' },
    needs: 'exchange',
    timeoutMs: 10_000,
    check: (sample) => firstOf(quicH3OnTheWire(sample), certificateOnTheWire(sample.metrics, false), bodyVerified(sample.metrics, SMALL_BODY_BYTES)),
  },
  {
    name: 'transfer',
    abbreviation: 'D',
    description: 'a 1 MB download: the body from its first to its last packet on the wire (wire goodput), every byte verified',
    workload: { kind: 'transfer', bodyBytes: TRANSFER_BYTES, direction: 'down' },
    needs: 'exchange',
    timeoutMs: 30_000,
    check: (sample) =>
      firstOf(
        quicH3OnTheWire(sample),
        sample.metrics.wireGoodputBitsPerSecond === undefined ? "the wire does not show the body's first and last packets (no wire goodput)" : undefined,
        bodyVerified(sample.metrics, TRANSFER_BYTES),
      ),
  },
  {
    name: 'resumption',
    abbreviation: 'R',
    description: 'a resumed session (ticket from a priming connection, no early data): resumed by the client, no Certificate on the wire',
    workload: { kind: 'handshake', bodyBytes: SMALL_BODY_BYTES, session: 'resumed' },
    needs: 'exchange',
    timeoutMs: 10_000,
    check: (sample) => firstOf(quicH3OnTheWire(sample), certificateOnTheWire(sample.metrics, true), bodyVerified(sample.metrics, SMALL_BODY_BYTES)),
  },
  {
    name: 'zerortt',
    abbreviation: 'Z',
    description: 'the request as 0-RTT early data: accepted (the client says so), 0-RTT packets from the client on the wire, no Certificate',
    workload: { kind: 'handshake', bodyBytes: SMALL_BODY_BYTES, session: 'early-data' },
    needs: 'exchange',
    timeoutMs: 10_000,
    check: (sample) =>
      firstOf(
        quicH3OnTheWire(sample),
        (sample.metrics.wireClientZeroRttPackets ?? 0) > 0 ? undefined : 'no 0-RTT packet from the client on the wire',
        certificateOnTheWire(sample.metrics, true),
        bodyVerified(sample.metrics, SMALL_BODY_BYTES),
      ),
  },
  {
    name: 'multistream',
    abbreviation: 'M',
    description: `${STREAM_OBJECTS} objects of ${STREAM_OBJECT_BYTES / 1000} KB at once on one connection: every object's end on the wire, every byte verified`,
    workload: { kind: 'batch', objects: STREAM_OBJECTS, objectBytes: STREAM_OBJECT_BYTES, connections: 1 },
    needs: 'batch',
    timeoutMs: 30_000,
    check: (sample) =>
      firstOf(
        quicH3OnTheWire(sample),
        sample.metrics.connections === 1 ? undefined : `the client opened ${sample.metrics.connections ?? 'an unknown number of'} connections, not one`,
        sample.metrics.wireAllDoneMs === undefined ? `the wire does not show all ${STREAM_OBJECTS} responses end` : undefined,
        bodyVerified(sample.metrics, STREAM_OBJECTS * STREAM_OBJECT_BYTES),
      ),
  },
  {
    name: 'rebind-port',
    abbreviation: 'BP',
    description: `a NAT rebinding of the client's port ${REBIND_AFTER_MS} ms into a ${REBIND_BYTES / 1e6} MB download (connection migration without the client's doing): the server validates the new path (PATH_CHALLENGE on the wire) and the download ends on the same connection`,
    workload: { kind: 'transfer', bodyBytes: REBIND_BYTES, rebind: { kind: 'port', afterMs: REBIND_AFTER_MS } },
    needs: 'exchange',
    timeoutMs: 30_000,
    check: (sample) =>
      firstOf(
        quicH3OnTheWire(sample),
        sample.metrics.completedOnSameConnection === 1 ? undefined : 'the download did not finish on its own connection',
        (sample.metrics.pathChallenges ?? 0) > 0 ? undefined : 'no PATH_CHALLENGE from the server on the wire: the new path was not validated',
        bodyVerified(sample.metrics, REBIND_BYTES),
      ),
  },
];
