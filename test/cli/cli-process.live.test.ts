// The CLI as real processes: harness/cli.ts through tsx (development) and bin/quic-lab.mjs (the
// npm scripts' built CLI; built first if a source changed). Bad input in-process: cli.test.ts.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
const ENTRIES = { tsx: ['--import', 'tsx', join(ROOT, 'harness/cli.ts')], built: [join(ROOT, 'bin/quic-lab.mjs')] };

for (const [kind, entry] of Object.entries(ENTRIES)) {
  const cli = (...args: string[]): { status: number | null; stdout: string; stderr: string } => {
    const result = spawnSync(process.execPath, [...entry, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, QUIC_LAB_BUILD_QUIET: '1' } });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  };

  t.test(`${kind}: a real process exits 2 on bad input, with one line on stderr`, async (t) => {
    const result = cli('scenario', 'nope');
    t.equal(result.status, 2);
    t.match(result.stderr, /^error: scenario: unknown "nope"/);
    t.equal(result.stdout, '');
  });

  t.test(`${kind}: --list names the scenarios`, async (t) => {
    const result = cli('scenario', '--list');
    t.equal(result.status, 0);
    t.match(result.stdout, /^handshake\s+HS\s+/m);
  });

  t.test(`${kind}: --help exits 0`, async (t) => {
    const result = cli('scenario', '--help');
    t.equal(result.status, 0);
    t.match(result.stdout, /--samples <n>/);
  });
}
