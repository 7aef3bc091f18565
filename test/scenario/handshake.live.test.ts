// The handshake scenario end to end through the CLI, as a person runs it: real servers, real
// clients, real certificates; the result file validates and no process is left behind. The
// CLI runs in this process (test/fixtures/run-cli.ts; under tap, as in CI, stderr is not a
// terminal either way): a spawned `node --import tsx` took about 1.5 s to start each run.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readResult } from '../../harness/results/read.js';
import { SCHEMA_VERSION } from '../../harness/results/schema.js';
import { runCli } from '../fixtures/run-cli.js';

function labProcesses(): string[] {
  const ps = spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
  return ps.stdout.split('\n').filter((line) => /gtlsserver|gtlsclient|https-server-main|tcpdump|tshark/.test(line));
}

t.test('handshake (two variants, loopback): measured, result written and valid', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'qlab-handshake-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const out = join(dir, 'copy.json');
  const run = await runCli(['scenario', 'handshake', '--link', 'loopback', '--variants', 'tcp-tls-h2,quic-h3', '--samples', '5', '--warmup', '1', '--results-dir', dir, '--out', out]);
  t.equal(run.code, 0, run.stderr);
  t.match(run.stdout, /^tcp-tls-h2\s+5\/5\s/m, 'TCP+TLS row with all samples ok');
  t.match(run.stdout, /^quic-h3\s+5\/5\s/m, 'QUIC row with all samples ok');
  t.equal(run.stderr, '', 'no progress noise when stderr is not a terminal');
  const all = (await readdir(dir)).filter((f) => f.startsWith('handshake-')).sort();
  const files = all.filter((f) => f.endsWith('.json'));
  t.equal(files.length, 1, 'one result file in the results directory');
  const base = (files[0] as string).replace(/\.json$/, '');
  t.same(all, [`${base}.html`, `${base}.json`, `${base}.md`], 'its HTML and Markdown reports beside it');
  const document = await readResult(join(dir, files[0] as string));
  t.same(await readResult(out), document, '--out gets the same document');
  t.equal(document.status, 'completed');
  t.equal(document.link.backend, 'loopback');
  t.same(document.cases.map((c) => c.id).sort(), ['quic-h3', 'tcp-tls-h2']);
  for (const c of document.cases) {
    t.equal(c.samples.length, 5, `${c.id}: 5 samples`);
    t.equal(c.summary.handshakeMs?.n, 5, `${c.id}: handshake summarized`);
    t.ok((c.summary.ttfbMs?.median ?? -1) >= (c.summary.handshakeMs?.median ?? Infinity), `${c.id}: first byte after handshake`);
    t.ok(c.timingSources.handshakeMs, `${c.id}: timing source recorded`);
    t.not(c.client.version, 'unknown');
    t.not(c.server.version, 'unknown');
  }
  t.same(labProcesses(), [], 'no endpoint process left');
});

t.test('no options: the default scenario on the lab with the default profile; --json prints the result document on stdout', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'qlab-handshake-json-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const run = await runCli(['scenario', '--samples', '1', '--warmup', '0', '--results-dir', dir, '--json']);
  t.equal(run.code, 0, run.stderr);
  const document = JSON.parse(run.stdout) as { scenario: string; schemaVersion: number; link: { backend: string; profile: string | null } };
  t.equal(document.scenario, 'handshake', 'no name runs the default scenario');
  t.equal(document.schemaVersion, SCHEMA_VERSION);
  t.equal(document.link.profile, 'broadband', 'no link option: the lab with the default profile');
  t.not(document.link.backend, 'loopback');
});
