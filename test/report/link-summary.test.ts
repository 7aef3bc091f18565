import t from 'tap';
import { describeLink, describeRunLink, describeTarget } from '../../harness/report/link-summary.js';
import { labLink as lab, remoteTarget } from '../fixtures/result-document.js';

t.test('describes the link a result was measured on', async (t) => {
  t.equal(describeLink({ backend: 'loopback', profile: null, configured: null, achieved: null }), 'loopback');
  t.equal(describeLink(lab({ rtt: '60ms' })), 'emulator, added round trip 60 ms');
  t.equal(describeLink(lab({ delay: '10ms', loss: '1%', rate: '50mbit' })), 'emulator, added round trip 20 ms, loss 1%, 50 Mbit/s');
  t.equal(describeLink(lab({ profile: 'cable' }, 'cable')), 'emulator, profile cable, added round trip 4 ms, up 1 Mbit/s, down 6 Mbit/s');
});

t.test('a run against a remote target: the link and the target with its path', async (t) => {
  const target = remoteTarget({ path: { method: 'tcp-connect', address: '198.19.252.2', port: 443, attempts: 10, samplesMs: [], rttMedianMs: 12.3456, lossFraction: 0.1 } });
  const direct = { backend: 'direct' as const, profile: null, configured: null, achieved: null };
  t.equal(describeTarget(target), 'against https://iis.example/files/{bytes} at 198.19.252.2 (Server: Microsoft-IIS/10.0; its path: RTT 12.3 ms, loss 10%)');
  t.equal(
    describeRunLink({ link: direct, target }),
    "direct: this host's own network to a remote target, against https://iis.example/files/{bytes} at 198.19.252.2 (Server: Microsoft-IIS/10.0; its path: RTT 12.3 ms, loss 10%)",
  );
  t.equal(
    describeRunLink({ link: lab({ rtt: '40ms' }), target: { ...target, via: 'lab', server: null, path: null } }),
    'emulator, added round trip 40 ms, against https://iis.example/files/{bytes} at 198.19.252.2 (Server: none sent; its path not measured)',
  );
  t.equal(describeRunLink({ link: lab({ rtt: '40ms' }) }), 'emulator, added round trip 40 ms');
});
