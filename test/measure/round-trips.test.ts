import t from 'tap';
import { roundTripMetrics } from '../../harness/measure/round-trips.js';

t.test('timings divided by the round trip, only those present', async (t) => {
  t.same(roundTripMetrics({ handshakeMs: 63, ttfbMs: 126, totalMs: 130, wireHandshakeMs: 61.5 }, 60), {
    handshakeRoundTrips: 1.05,
    ttfbRoundTrips: 2.1,
    wireHandshakeRoundTrips: 1.025,
  });
  t.same(roundTripMetrics({ totalMs: 5 }, 60), {});
});

t.test('a round trip that is not a positive number is refused', async (t) => {
  for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) t.throws(() => roundTripMetrics({ handshakeMs: 1 }, bad), /positive number of ms/);
});
