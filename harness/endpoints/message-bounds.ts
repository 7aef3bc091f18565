// The bounds every realtime message client keeps, and the scenario checks its options against:
// one set of numbers, the same as peers/webtransport/client.go's (a run is bounded in count and time).

/** Bytes of the big-endian sequence number at a message's start: the smallest message. */
export const SEQ_BYTES = 8;

export const MESSAGE_BOUNDS = {
  maxCount: 100_000,
  maxRatePerSecond: 10_000,
  maxSendSeconds: 600,
  maxDrainMs: 60_000,
  maxSizeBytes: 64 * 1024,
  /** A datagram must fit one QUIC packet (1280 bytes at first, headers included). */
  maxDatagramBytes: 1000,
  /** Errors a client keeps word for word (the rest are counted). */
  maxErrorsKept: 20,
} as const;
