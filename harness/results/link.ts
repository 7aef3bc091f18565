// The link a run used, as its result records it: the conditions configured (lab/conditions.ts
// builds them) and the payload capacity they allow (measure/payload-capacity.ts), what the
// calibration achieved (lab/calibrate.ts), the kernel TCP reference (measure/iperf3.ts) and
// the emulator's counters over the run (lab/emulator-process.ts).
// The producers take their types from here, so what they make and what the schema accepts
// cannot drift; this file imports nothing of theirs (lab/ and measure/ import results/).
import { z } from 'zod';

// ---------------------------------------------------------------- configured

export const gilbertElliottSchema = z
  .object({
    /** Probability of moving from the good to the bad state, per packet. */
    goodToBad: z.number(),
    /** Probability of moving from the bad to the good state, per packet. */
    badToGood: z.number(),
    /** Loss probability in the bad state (1 in the simple Gilbert model). */
    lossInBad: z.number(),
    /** Longest run of consecutive losses, or null for no cap. */
    maxBurstPackets: z.number().nullable(),
  })
  .strict();

export const queueLimitSchema = z.union([z.object({ packets: z.number() }).strict(), z.object({ bytes: z.number() }).strict()]);

export const directionConditionsSchema = z
  .object({
    delayMs: z.number(),
    jitterMs: z.number(),
    /** Whether jitter may reorder packets (netem's default); off keeps packets in order. */
    jitterReorders: z.boolean(),
    lossRate: z.number(),
    burstLoss: gilbertElliottSchema.nullable(),
    reorderRate: z.number(),
    duplicateRate: z.number(),
    corruptRate: z.number(),
    rateBitsPerSecond: z.number().nullable(),
    /** Drop-tail queue before the rate limiter; sized from the bandwidth-delay product when not given. */
    queue: queueLimitSchema.nullable(),
  })
  .strict();

export const outageSchema = z
  .object({
    startMs: z.number(),
    durationMs: z.number(),
    /** Repeats every periodMs (from one start to the next) while the lab runs; absent: once. */
    periodMs: z.number().optional(),
    direction: z.enum(['up', 'down', 'both']),
  })
  .strict();

export const rebindSchema = z.object({ atMs: z.number(), kind: z.enum(['port', 'address']) }).strict();

/** What the lab does to packets in each direction ("up" is client to server). */
export const linkConditionsFields = {
  up: directionConditionsSchema,
  down: directionConditionsSchema,
  outages: z.array(outageSchema),
  rebinds: z.array(rebindSchema),
  seed: z.number(),
};
export const linkConditionsSchema = z.object(linkConditionsFields).strict();

/**
 * What one transport can carry on the link at most (measure/payload-capacity.ts): every packet
 * full (MTU-sized) and carrying only the headers named, so no goodput of that transport can be
 * higher.
 */
export const transportCapacitySchema = z
  .object({
    /** The headers counted in every packet, bytes by name ("ipv4": 20, "tcp": 20, "tcpTimestampOption": 12; "udp", "quicShortHeader", "aeadTag"). */
    overheadBytes: z.record(z.string(), z.number()),
    /** The MTU less the overheads: the most payload one packet carries. */
    payloadBytesPerPacket: z.number(),
    /** rate x payloadBytesPerPacket / (MTU + rateFramingBytes), per direction; null where no rate is set. */
    upBitsPerSecond: z.number().nullable(),
    downBitsPerSecond: z.number().nullable(),
  })
  .strict();

/** The link's payload capacity for TCP and QUIC, and what it was computed from. */
export const payloadCapacitySchema = z
  .object({
    /** The largest IP packet the link carries. */
    mtuBytes: z.number(),
    /** How the lab addresses the endpoints. */
    ipVersion: z.union([z.literal(4), z.literal(6)]),
    /** Bytes the rate limiter counts per packet besides the IP packet (emulator 0: it serializes the IP packets it reads; netem 14: tbf on a veth counts the Ethernet header). */
    rateFramingBytes: z.number(),
    /** Whether TCP carries the timestamp option (net.ipv4.tcp_timestamps on in both namespaces). */
    tcpTimestamps: z.boolean(),
    tcp: transportCapacitySchema,
    /** Payload here is the plaintext of a 1-RTT packet: frames, their headers included. */
    quic: transportCapacitySchema,
  })
  .strict();

/** The lab link as configured for a run: its conditions and the settings of both namespaces. */
export const configuredLinkSchema = z
  .object({
    ...linkConditionsFields,
    /** Per-namespace sysctls that matter to a comparison ("client.net.ipv4.tcp_congestion_control"). */
    namespaceSettings: z.record(z.string(), z.string().nullable()),
    /** The larger direction's bandwidth-delay product, when a rate is set (QUIC windows are sized from it). */
    bandwidthDelayProductBytes: z.number().positive().optional(),
    /** The most payload TCP and QUIC can carry (absent in results made before it was recorded). */
    payloadCapacity: payloadCapacitySchema.optional(),
  })
  .strict();

// ---------------------------------------------------------------- achieved: calibration

export const directionCountersSchema = z
  .object({
    packetsIn: z.number(),
    packetsOut: z.number(),
    bytesIn: z.number(),
    bytesOut: z.number(),
    dropped: z.object({ loss: z.number(), burstLoss: z.number(), queueOverflow: z.number(), outage: z.number(), noBuffer: z.number(), writeError: z.number() }).strict(),
    duplicated: z.number(),
    reordered: z.number(),
    corrupted: z.number(),
  })
  .strict();

/** The UDP flood of one direction, as both ends and the emulator saw it. */
export const floodFiguresSchema = z
  .object({
    /** IP-level rate the sender was asked for, and the budget it had. */
    targetBitsPerSecond: z.number(),
    maxWireBytes: z.number(),
    /** UDP payload bytes per datagram (the wire size adds 28 bytes of IPv4 and UDP headers). */
    payloadBytes: z.number(),
    sentDatagrams: z.number(),
    sentWireBytes: z.number(),
    /** First to last send. */
    sendSpanMs: z.number(),
    /** How the sender ended (lab/probe-main.ts). */
    sendEnd: z.enum(['budget', 'duration']),
    receivedDatagrams: z.number(),
    /** Received datagrams at IP level (payload + 28 bytes each). */
    receivedWireBytes: z.number(),
    /** First to last arrival at the receiver. */
    arrivalSpanMs: z.number().nullable(),
    /** How the receiver ended (lab/probe-main.ts). */
    sinkEnd: z.enum(['idle', 'lifetime', 'stopped']),
    /** Bytes the emulator sent on in this direction during the flood (null on netem): the cross-check of receivedWireBytes. */
    emulatorWireBytes: z.number().nullable(),
    /** Random plus burst loss drops over the packets that entered the emulator during the flood (null on netem). */
    lossRate: z.number().nullable(),
    /** Drops during the flood by the rate queue (drop-tail) and by outages (null on netem). */
    queueOverflowDrops: z.number().nullable(),
    outageDrops: z.number().nullable(),
    /** Whether what survived the loss overfilled the rate queue (the delivered rate is then the link's). */
    saturated: z.boolean().nullable(),
  })
  .strict();

export const achievedDirectionSchema = z
  .object({
    /** One-way delay of the probes (sender's send stamp to receiver's receive stamp, one host clock). */
    delayMinMs: z.number().nullable(),
    delayMedianMs: z.number().nullable(),
    delayP95Ms: z.number().nullable(),
    /**
     * The link's IP-level rate, bits per second: the delivered rate of a flood that kept the rate
     * queue full. Loss (random and burst) is applied before the rate queue, in the emulator as in
     * netem, so with the queue full it does not lower the delivered rate: the loss correction is a
     * factor of 1 then, and dividing by (1 - loss) would overstate the rate. Null when no rate is
     * configured, nothing arrived, an outage hit the flood, or the queue did not stay full (then
     * deliveredBitsPerSecond is only a lower bound). This is the figure the calibration table shows.
     */
    rateBitsPerSecond: z.number().nullable(),
    /** How rateBitsPerSecond was obtained: the flood's delivered rate, checked against the emulator's counters or not (netem). */
    rateSource: z.enum(['udp-flood-saturated', 'udp-flood-assumed-saturated']).nullable(),
    /** Delivered IP-level bits per second as measured: (received bytes + 28 per datagram) x 8 over first to last arrival, first datagram excluded. */
    deliveredBitsPerSecond: z.number().nullable(),
    /** The flood in detail (null when no rate is configured or measureRate is off). */
    flood: floodFiguresSchema.nullable(),
    /** TCP payload bits per second, first to last byte at the receiver (only with the tcpGoodput option). */
    goodputBitsPerSecond: z.number().nullable(),
    transferBytes: z.number().nullable(),
    transferMs: z.number().nullable(),
    /** How the receiver saw the transfer end: fin (clean), reset (sender's time bound), timeout. */
    transferEnd: z.enum(['fin', 'reset', 'timeout', 'no-connection']).nullable(),
    /** Random plus burst loss drops over packets in, from the emulator's counters (null on netem). */
    lossRate: z.number().nullable(),
    /** Every drop cause over packets in (queue overflow and outages included). */
    dropRate: z.number().nullable(),
    counters: directionCountersSchema.nullable(),
  })
  .strict();

/** The calibration of the lab link (lab/calibrate.ts). */
export const achievedLinkSchema = z
  .object({
    startedAt: z.string(),
    durationMs: z.number(),
    backend: z.enum(['netem', 'emulator']),
    probe: z
      .object({ count: z.number(), intervalMs: z.number(), payloadBytes: z.number(), waitMs: z.number(), sent: z.number(), received: z.number(), duplicates: z.number() })
      .strict(),
    rttMinMs: z.number().nullable(),
    rttMedianMs: z.number().nullable(),
    rttP95Ms: z.number().nullable(),
    /** Probes without a reply over probes sent (both directions' losses, outages included). */
    probeLossRate: z.number().nullable(),
    /** Period the emulator counters cover (null on netem). */
    countersWindowMs: z.number().nullable(),
    up: achievedDirectionSchema,
    down: achievedDirectionSchema,
  })
  .strict();

// ---------------------------------------------------------------- achieved: TCP reference

/**
 * The reference flow as the capture in the client namespace saw it, measured as the scenarios'
 * wire goodput is: the data connection's payload over the time from its first to its last
 * payload-carrying packet, in the receiving direction (down: server packets arriving at the
 * client; up: client packets leaving it).
 */
export const tcpReferenceWireSchema = z
  .object({
    /** payloadBytes x 8 over firstToLastMs. */
    goodputBitsPerSecond: z.number(),
    /** Distinct payload bytes (the sequence range covered; a retransmission counts once), iperf3's 37-byte cookie left out. */
    payloadBytes: z.number(),
    firstToLastMs: z.number(),
    /** Packets carrying payload, retransmissions included. */
    packets: z.number(),
    /** Of those, packets whose bytes had all been seen before. */
    repeatedPackets: z.number(),
  })
  .strict();

/** A kernel TCP flow over the lab link (iperf3), the reference of the transfer scenarios. */
export const tcpReferenceSchema = z
  .object({
    tool: z.string(),
    direction: z.enum(['down', 'up']),
    congestionControl: z.string(),
    seconds: z.number(),
    omittedSeconds: z.number(),
    /** iperf3's own figure: bytes the receiver read over the test, the omitted seconds left out. */
    goodputBitsPerSecond: z.number(),
    retransmits: z.number().nullable(),
    /** The same flow on the wire: the reference a transfer is compared with (referenceGoodput); null when not captured (wireError says why); absent in older results. */
    wire: tcpReferenceWireSchema.nullable().optional(),
    wireError: z.string().optional(),
    /** A figure above the link's TCP payload capacity, say (measure/payload-capacity.ts). */
    flags: z.array(z.string()).optional(),
  })
  .strict();

// ---------------------------------------------------------------- achieved: emulator counters

// The emulator's own statistics line (lab/emulator-process.ts parses its replies with these):
// not strict, so that a field the emulator adds does not fail a run; unknown fields are dropped.
export const delayHistogramSchema = z.object({
  count: z.number(),
  sumNs: z.number(),
  maxNs: z.number(),
  /** Bucket 0: < 1 us; bucket i >= 1: [2^(i-1), 2^i) us; trailing zero buckets omitted. */
  bucketCountsLog2Us: z.array(z.number()),
});

export const emulatorDirectionStatsSchema = z.object({
  packetsIn: z.number(),
  bytesIn: z.number(),
  packetsOut: z.number(),
  bytesOut: z.number(),
  dropped: z.object({
    loss: z.number(),
    burstLoss: z.number(),
    queueOverflow: z.number(),
    outage: z.number(),
    noBuffer: z.number(),
    writeError: z.number(),
  }),
  duplicated: z.number(),
  corrupted: z.number(),
  reordered: z.number(),
  rebound: z.number(),
  queuePackets: z.number(),
  queueBytes: z.number(),
  maxQueuePackets: z.number(),
  maxQueueBytes: z.number(),
  inFlightPackets: z.number(),
  outageActive: z.boolean(),
  burstState: z.enum(['good', 'bad']),
  /** Arrival to end of serialization (rate queue). */
  queueDelay: delayHistogramSchema,
  /** Arrival to write: everything the emulator added. */
  holdTime: delayHistogramSchema,
  /** Scheduled departure to actual write: the emulator's own timing error. */
  lateness: delayHistogramSchema,
});

export const emulatorStatsFields = {
  /** Since the ready line. */
  elapsedMs: z.number(),
  /** Since the ready line or the last resetStats(): the period the counters cover. */
  intervalMs: z.number(),
  seed: z.number(),
  poolFree: z.number(),
  portRebinds: z.number(),
  addressRebinds: z.number(),
  up: emulatorDirectionStatsSchema,
  down: emulatorDirectionStatsSchema,
};
export const emulatorStatsSchema = z.object(emulatorStatsFields);

// ---------------------------------------------------------------- the link of a result

export const achievedSchema = z
  .object({
    /** Before the samples: what the link really did (lab runs). */
    calibration: achievedLinkSchema.optional(),
    /** Before the samples, transfer scenarios: one kernel TCP flow (iperf3). */
    tcpReference: tcpReferenceSchema.optional(),
    /** The emulator's counters over the samples (null on netem). */
    emulatorStatsDuringRun: emulatorStatsSchema.nullable().optional(),
  })
  .strict();

export const linkSchema = z
  .object({
    /** "direct": no lab, the clients reach a remote target (--target) over this host's own network. */
    backend: z.enum(['loopback', 'direct', 'netem', 'emulator']),
    profile: z.string().nullable(),
    /** The lab link's conditions and settings; null on loopback (schemaVersion 2 wrote {}). */
    configured: configuredLinkSchema.nullable(),
    /** What the lab measured; null on loopback. */
    achieved: achievedSchema.nullable(),
  })
  .strict();

export type GilbertElliott = z.infer<typeof gilbertElliottSchema>;
export type QueueLimit = z.infer<typeof queueLimitSchema>;
export type DirectionConditions = z.infer<typeof directionConditionsSchema>;
export type Outage = z.infer<typeof outageSchema>;
export type Rebind = z.infer<typeof rebindSchema>;
export type LinkConditions = z.infer<typeof linkConditionsSchema>;
export type ConfiguredLink = z.infer<typeof configuredLinkSchema>;
export type DirectionCounters = z.infer<typeof directionCountersSchema>;
export type FloodFigures = z.infer<typeof floodFiguresSchema>;
export type AchievedDirection = z.infer<typeof achievedDirectionSchema>;
export type AchievedLink = z.infer<typeof achievedLinkSchema>;
export type TcpReference = z.infer<typeof tcpReferenceSchema>;
export type TcpReferenceWire = z.infer<typeof tcpReferenceWireSchema>;
export type TransportCapacity = z.infer<typeof transportCapacitySchema>;
export type PayloadCapacity = z.infer<typeof payloadCapacitySchema>;
export type DelayHistogram = z.infer<typeof delayHistogramSchema>;
export type DirectionStats = z.infer<typeof emulatorDirectionStatsSchema>;
export type EmulatorStats = z.infer<typeof emulatorStatsSchema>;
export type AchievedInfo = z.infer<typeof achievedSchema>;
export type LinkInfo = z.infer<typeof linkSchema>;
