// Case keys: what a case's workload and profile are, and which cases of two runs pair up.
import t from 'tap';
import { profileOf, runKey, workloadOf } from '../../harness/results/case-key.js';
import { labLink, sampleResultDocument } from '../fixtures/result-document.js';

t.test('the workload leaves the transport and the link out', async (t) => {
  t.equal(workloadOf({ parameters: { bodyBytes: 1000 } }), '1KB');
  t.equal(workloadOf({ parameters: { bodyBytes: 1000, session: 'cold' } }), '1KB');
  t.equal(workloadOf({ parameters: { bodyBytes: 1000, session: 'resumed' } }), '1KB resumed');
  t.equal(workloadOf({ parameters: { bodyBytes: 10_000_000, direction: 'up' } }), '10MB up');
  t.equal(workloadOf({ parameters: { bodyBytes: 2_000_000, direction: 'down', impairment: 'loss1' } }), '2MB');
  t.equal(workloadOf({ parameters: { objects: 100, objectBytes: 10_000, connections: 6 } }), '100x10KB');
  t.equal(workloadOf({ parameters: { bodyBytes: 1000, keyType: 'rsa4096', intermediates: 2 } }), '1KB rsa4096 i2');
  t.equal(workloadOf({ parameters: { bodyBytes: 4_000_000, rebind: 'port' } }), '4MB rebind=port');
  t.equal(workloadOf({ parameters: {} }), 'default');
});

t.test('the profile: the case impairment, else the run profile, else the conditions', async (t) => {
  const document = sampleResultDocument();
  t.equal(profileOf(document, { parameters: {} }), 'loopback');
  t.equal(profileOf(document, { parameters: { impairment: 'burst2' } }), 'burst2');
  const profiled = { link: { ...document.link, backend: 'emulator' as const, profile: 'cable' } };
  t.equal(profileOf(profiled, { parameters: {} }), 'cable');
  const custom = { link: labLink({ delay: '20ms', loss: '1%' }) };
  t.equal(profileOf(custom, { parameters: {} }), 'added round trip 40 ms, loss 1%');
});

t.test('run keys pair the same case on the same link, whatever the order of parameters', async (t) => {
  const document = sampleResultDocument();
  const a = runKey(document, { id: 'quic-h3-1MB', parameters: { bodyBytes: 1, direction: 'down' } });
  t.equal(a, runKey(document, { id: 'quic-h3-1MB', parameters: { direction: 'down', bodyBytes: 1 } }));
  t.not(a, runKey(document, { id: 'quic-h3-1MB', parameters: { bodyBytes: 2, direction: 'down' } }));
  t.not(a, runKey({ ...document, link: { ...document.link, backend: 'emulator', profile: 'lan' } }, { id: 'quic-h3-1MB', parameters: { bodyBytes: 1, direction: 'down' } }));
  t.not(a, runKey({ ...document, scenario: 'other' }, { id: 'quic-h3-1MB', parameters: { bodyBytes: 1, direction: 'down' } }));
});
