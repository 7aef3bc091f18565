// --keep-captures is a copy on the side: when it fails at the end of a run (here the directory
// is replaced by a file after the options were checked), the wire metrics stay and the run says why.
import t from 'tap';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findScenario } from '../../scenarios/index.js';
import { shapeScenario } from '../../harness/run/shape.js';
import { runSession } from '../../harness/run/session.js';
import type { AnyScenario } from '../../harness/scenario/types.js';

t.test('a failed --keep-captures keeps the wire metrics and names the failure', async (t) => {
  t.setTimeout(120_000);
  const dir = await mkdtemp(join(tmpdir(), 'qlab-keep-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const keep = join(dir, 'captures');
  await mkdir(keep);
  const scenario = shapeScenario(findScenario('handshake') as AnyScenario, { variants: ['quic-h3'] });
  const { document, exitCode } = await runSession(
    scenario,
    { link: { kind: 'loopback' }, samples: 2, warmup: 0, keepCapturesDir: keep },
    {
      onChecked: () => {
        // After the check, before the run: the directory is gone and a file has its name.
        void rm(keep, { recursive: true }).then(() => writeFile(keep, 'not a directory'));
      },
    },
  );
  t.equal(exitCode, 0);
  const samples = document.cases[0]?.samples ?? [];
  t.same(
    samples.map((s) => s.status),
    ['ok', 'ok'],
  );
  for (const s of samples) t.type(s.metrics.wireHandshakeMs, 'number', `sample ${s.index}: wire metrics kept`);
  t.match(document.errors, [new RegExp(`^packet capture: not kept in ${keep}: `)]);
});
