// How the lab's link is described: the default queue says whether it is one bandwidth-delay
// product or the 10-packet floor above it.
import t from 'tap';
import { resolveLinkConditions } from '../../harness/lab/profiles.js';
import { conditionsText, defaultQueueText } from '../../harness/report/lab-text.js';

t.test('the default queue: one bandwidth-delay product, or the floor when that is smaller', async (t) => {
  // 50 Mbit/s over a 60 ms round trip: 375,000 bytes, well above ten packets.
  t.equal(defaultQueueText(resolveLinkConditions({ rate: '50mbit', rtt: '60ms' }), 'down'), '375000 bytes (one bandwidth-delay product)');
  // 1 Mbit/s over 20 ms: 2,500 bytes, so the 15,000-byte floor applies.
  t.equal(defaultQueueText(resolveLinkConditions({ rate: '1mbit', rtt: '20ms' }), 'up'), '15000 bytes (the 10-packet floor; one bandwidth-delay product is 2500 bytes)');
  t.equal(defaultQueueText(resolveLinkConditions({ rtt: '20ms' }), 'up'), 'none (no rate limit)');
  t.match(conditionsText(resolveLinkConditions({ rate: '1mbit', rtt: '20ms' }))[0], /rate 1 Mbit\/s, queue 15000 bytes \(the 10-packet floor; one bandwidth-delay product is 2500 bytes\)/);
});
