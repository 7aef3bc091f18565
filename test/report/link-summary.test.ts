import t from 'tap';
import { describeLink } from '../../harness/report/link-summary.js';
import { labLink as lab } from '../fixtures/result-document.js';

t.test('describes the link a result was measured on', async (t) => {
  t.equal(describeLink({ backend: 'loopback', profile: null, configured: null, achieved: null }), 'loopback');
  t.equal(describeLink(lab({ rtt: '60ms' })), 'emulator, added round trip 60 ms');
  t.equal(describeLink(lab({ delay: '10ms', loss: '1%', rate: '50mbit' })), 'emulator, added round trip 20 ms, loss 1%, 50 Mbit/s');
  t.equal(describeLink(lab({ profile: 'cable' }, 'cable')), 'emulator, profile cable, added round trip 4 ms, up 1 Mbit/s, down 6 Mbit/s');
});
