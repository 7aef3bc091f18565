// Case keys: what a case's workload and profile are, and which cases of two runs pair up.
import t from 'tap';
import { profileOf, runKey, workloadLabel } from '../../harness/results/case-key.js';
import { workloadFromParameters, type Workload } from '../../harness/results/workload.js';
import { labLink, sampleResultDocument } from '../fixtures/result-document.js';

t.test('the workload leaves the transport and the link out', async (t) => {
  const label = (workload: Workload) => workloadLabel({ workload });
  t.equal(label({ kind: 'handshake', bodyBytes: 1000 }), '1KB');
  t.equal(label({ kind: 'handshake', bodyBytes: 1000, session: 'cold' }), '1KB');
  t.equal(label({ kind: 'handshake', bodyBytes: 1000, session: 'resumed' }), '1KB resumed');
  t.equal(label({ kind: 'transfer', bodyBytes: 10_000_000, direction: 'up' }), '10MB up');
  t.equal(label({ kind: 'transfer', bodyBytes: 2_000_000, direction: 'down', impairment: 'loss1' }), '2MB');
  t.equal(label({ kind: 'batch', objects: 100, objectBytes: 10_000, connections: 6 }), '100x10KB');
  t.equal(label({ kind: 'handshake', bodyBytes: 1000, certificate: { keyType: 'rsa4096', intermediates: 2 } }), '1KB rsa4096 i2');
  t.equal(label({ kind: 'transfer', bodyBytes: 4_000_000, rebind: { kind: 'port', afterMs: 800 } }), '4MB rebind=port rebindAfterMs=800');
  t.equal(label({ kind: 'copy', bodyBytes: 4_194_304, direction: 'up', encryption: 'required' }), '4194304B up encryption=required');
  t.equal(label({ kind: 'copy', bodyBytes: 4_194_304, direction: 'down', readBytes: 1_048_576 }), '4194304B readBytes=1048576');
});

t.test('the profile: the case impairment, else the run profile, else the conditions', async (t) => {
  const document = sampleResultDocument();
  t.equal(profileOf(document, { workload: { kind: 'handshake', bodyBytes: 1 } }), 'loopback');
  t.equal(profileOf(document, { workload: { kind: 'transfer', bodyBytes: 1, impairment: 'burst2' } }), 'burst2');
  const profiled = { link: { ...document.link, backend: 'emulator' as const, profile: 'cable' } };
  t.equal(profileOf(profiled, { workload: { kind: 'handshake', bodyBytes: 1 } }), 'cable');
  const custom = { link: labLink({ delay: '20ms', loss: '1%' }) };
  t.equal(profileOf(custom, { workload: { kind: 'handshake', bodyBytes: 1 } }), 'added round trip 40 ms, loss 1%');
});

const transferCase = (parameters: { bodyBytes: number; direction: string }) => ({ id: 'quic-h3-1MB', parameters, workload: workloadFromParameters(parameters) });

t.test('run keys pair the same case on the same link, whatever the order of parameters', async (t) => {
  const document = sampleResultDocument();
  const a = runKey(document, transferCase({ bodyBytes: 1, direction: 'down' }));
  t.equal(a, runKey(document, transferCase({ direction: 'down', bodyBytes: 1 })));
  t.not(a, runKey(document, transferCase({ bodyBytes: 2, direction: 'down' })));
  t.not(a, runKey({ ...document, link: { ...document.link, backend: 'emulator', profile: 'lan' } }, transferCase({ bodyBytes: 1, direction: 'down' })));
  t.not(a, runKey({ ...document, scenario: 'other' }, transferCase({ bodyBytes: 1, direction: 'down' })));
});
