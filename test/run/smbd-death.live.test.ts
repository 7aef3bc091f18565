// smbd SIGKILLed in the middle of a run on the lab: the sample it broke fails with the reason,
// smbd is restarted once (a new share, the same port) and the run goes on; nothing of the run
// (namespace, smbd, its work directory, key log) is left, and every sample is in the result.
// Run it under the host's lab lock: flock /work/lab.flock npx tap test/run/smbd-death.live.test.ts
import t from 'tap';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findScenario } from '../../scenarios/index.js';
import { SambaEndpoint } from '../../harness/endpoints/samba/endpoints.js';
import { resolveLinkConditions } from '../../harness/lab/profiles.js';
import { shapeScenario } from '../../harness/run/shape.js';
import { runSession } from '../../harness/run/session.js';
import type { AnyScenario } from '../../harness/scenario/types.js';
import { namespacesOf, resultsIn, tempDirsOf } from '../fixtures/cli-faults.js';
import { processesNaming, tempEntries } from '../fixtures/leftovers.js';

const CASE = 'smb3-get-200KB-plain';

/** smb-copy's plain SMB get, with smbd SIGKILLed as sample `killAt` starts (before smbclient connects). */
function killing(killAt: number): AnyScenario {
  const base = shapeScenario(findScenario('smb-copy') as AnyScenario, { sizesBytes: [200_000], direction: 'down', variants: [CASE] });
  let call = 0;
  return {
    ...base,
    measure: (context) => {
      if (call++ === killAt) {
        const server = context.server;
        if (!(server instanceof SambaEndpoint) || server.pid === undefined) throw new Error('test: no smbd to kill');
        process.kill(server.pid, 'SIGKILL');
      }
      return base.measure(context);
    },
  };
}

t.test('smbd killed during sample 1: that sample fails with the reason, smbd comes back, the run goes on', async (t) => {
  t.setTimeout(120_000);
  const dir = await mkdtemp(join(tmpdir(), 'qlab-smbd-death-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const { document, exitCode, resultPaths } = await runSession(killing(1), {
    link: { kind: 'lab', conditions: resolveLinkConditions({ profile: 'lan' }), backend: 'auto', profile: 'lan' },
    samples: 3,
    warmup: 0,
    sampleTimeoutMs: 10_000,
    tcpReferenceSeconds: 1,
    output: { resultsDir: dir, reports: false },
  });
  const samples = document.cases[0]?.samples ?? [];
  t.same(
    samples.map((s) => s.status),
    ['ok', 'failed', 'ok'],
    samples.map((s) => s.error ?? 'ok').join(' | '),
  );
  t.match(samples[1]?.error, new RegExp(`^smbd exited with signal SIGKILL during sample 1 of ${CASE} \\(`));
  t.ok(document.errors.includes(`smbd exited with signal SIGKILL during sample 1 of ${CASE}; restarted`), document.errors.join('\n'));
  t.equal(exitCode, 0);
  t.same(resultPaths, [join(dir, `${document.runId}.json`)]);
  const [written] = await resultsIn(dir);
  t.same(
    written?.cases[0]?.samples.map((s) => s.status),
    ['ok', 'failed', 'ok'],
    'every sample is in the result file',
  );
  t.same(
    (await readdir(dir)).filter((name) => !name.endsWith('.json')),
    [],
    'no journal left',
  );
  t.same(namespacesOf(process.pid), [], 'no namespace left');
  t.same(await tempDirsOf(process.pid), [], 'no temporary directory or key log left');
  t.same(await tempEntries('quic-lab-samba-'), [], 'no smbd work directory left');
  t.same(await processesNaming('quic-lab-samba-'), [], 'no smbd left');
});
