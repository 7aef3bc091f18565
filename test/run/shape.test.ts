// What a run of a transfer scenario executes for --sizes and --direction: smb-copy runs gets
// and puts unless --direction picks one, as its README section and --list say.
import t from 'tap';
import { findScenario } from '../../scenarios/index.js';
import { shapeScenario } from '../../harness/run/shape.js';

const ids = (shape: Parameters<typeof shapeScenario>[1], name = 'smb-copy') => shapeScenario(findScenario(name)!, shape).cases.map((c) => c.id);

t.test('smb-copy: both directions by default, with or without --sizes; --direction one', async (t) => {
  const both = ['smb3-get-1MB-encrypted', 'smb3-get-1MB-plain', 'smb-style-h2-get-1MB', 'smb-style-h3-get-1MB', 'smb3-put-1MB-encrypted', 'smb3-put-1MB-plain'];
  t.same(ids({ sizesBytes: [1_000_000] }), both);
  t.same(
    ids({}),
    both.map((id) => id.replace('1MB', '4194304B')),
  );
  t.same(ids({ sizesBytes: [1_000_000], direction: 'up' }), ['smb3-put-1MB-encrypted', 'smb3-put-1MB-plain']);
  t.same(ids({ direction: 'down' }), ['smb3-get-4194304B-encrypted', 'smb3-get-4194304B-plain', 'smb-style-h2-get-4194304B', 'smb-style-h3-get-4194304B']);
});

t.test('throughput keeps its one default direction (down)', async (t) => {
  t.same(ids({ sizesBytes: [1_000_000] }, 'throughput'), ['tcp-tls-h1-1MB', 'tcp-tls-h2-1MB', 'quic-h3-1MB']);
});
