// smb-copy's cases and read pattern (pure), then a short run on the lab: SMB 3 gets with
// encryption required and off beside the SMB-style reads over HTTP/2 and HTTP/3 on the lan
// profile (puts are covered against smbd in test/smb; the profiles' figures are in the notes).
import t from 'tap';
import { readPlan, smbCopy, smbCopyCases, SMB_READ_BYTES } from '../../scenarios/smb-copy.js';
import { runScenarioCli } from '../fixtures/run-scenario.js';

t.test('cases: both encryption settings, the SMB-style reads for downloads only', async (t) => {
  t.same(
    smbCopyCases({ sizesBytes: [1_000_000], direction: 'down' }).map((c) => `${c.id} ${c.protocol}/${c.application} ${c.server}/${c.client}`),
    ['smb3-get-1MB-encrypted tcp/smb3 samba/smbclient', 'smb3-get-1MB-plain tcp/smb3 samba/smbclient', 'smb-style-h2-get-1MB tcp-tls/h2 node/undici', 'smb-style-h3-get-1MB quic/h3 ngtcp2/ngtcp2'],
  );
  t.same(
    smbCopyCases({ sizesBytes: [1_000_000], direction: 'up' }).map((c) => c.id),
    ['smb3-put-1MB-encrypted', 'smb3-put-1MB-plain'],
  );
  t.equal(smbCopy.cases.length, 6, 'by default both directions');
  t.throws(() => smbCopyCases({ sizesBytes: [300 * SMB_READ_BYTES], direction: 'down' }), /more than 256 reads/);
  t.same(smbCopyCases({ sizesBytes: [2_000_000], direction: 'down' })[2]?.workload, { kind: 'copy', bodyBytes: 2_000_000, direction: 'down', readBytes: 1_000_000 });
});

t.test('the reads of a copy: the fewest equal reads of at most 1 MiB', async (t) => {
  t.same(readPlan(4 * SMB_READ_BYTES), { reads: 4, readBytes: SMB_READ_BYTES });
  t.same(readPlan(10_000_000), { reads: 10, readBytes: 1_000_000 });
  t.same(readPlan(1000), { reads: 1, readBytes: 1000 });
  t.throws(() => readPlan(2_500_001), /does not split into 3 equal reads/);
});

const okAll = (c: { samples: Array<{ status: string; error?: string }> }) => c.samples.every((s) => s.status === 'ok');

t.test('lan: SMB 3 gets, encrypted and plain, beside SMB-style reads over HTTP/2 and HTTP/3', async (t) => {
  const { document } = await runScenarioCli(t, ['smb-copy', '--profile', 'lan', '--sizes', '2MB', '--direction', 'down', '--samples', '2', '--warmup', '0'], 240_000);
  t.same(
    document.cases.map((c) => c.id),
    ['smb3-get-2MB-encrypted', 'smb3-get-2MB-plain', 'smb-style-h2-get-2MB', 'smb-style-h3-get-2MB'],
  );
  for (const c of document.cases) {
    t.ok(okAll(c), `${c.id}: ${c.samples.map((s) => s.error ?? 'ok').join(', ')}`);
    t.ok((c.summary.copyMs?.median ?? 0) > 0, `${c.id}: copy time`);
    t.equal(c.summary.bodyBytes?.median, 2_000_000);
  }
  t.equal(document.cases[0]?.client.settings.clientSmbEncrypt, 'required');
  t.equal(document.cases[1]?.client.settings.clientSmbEncrypt, 'off');
  t.not(document.cases[0]?.server.version, 'unknown');
  t.equal(document.cases[2]?.summary.reads?.median, 2);
});
