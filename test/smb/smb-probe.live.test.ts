// smb-probe through the real CLI: the default stand-in on the lab (QUIC with ALPN smb and
// smbd) with a good, a wrong-name and an expired certificate; a closed port; bad input.
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseTarget } from '../../harness/cli/smb-probe-command.js';

const ROOT = resolve(import.meta.dirname, '../..');

async function probe(t: Test, ...args: string[]) {
  const dir = await mkdtemp(join(tmpdir(), 'qlab-smbprobe-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'harness/cli.ts'), 'smb-probe', ...args, '--results-dir', dir], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { ...run, files: await readdir(dir) };
}

t.test('--target parsing', async (t) => {
  t.same(parseTarget('198.18.0.2'), { host: '198.18.0.2', port: 443 });
  t.same(parseTarget('198.18.0.2:8443'), { host: '198.18.0.2', port: 8443 });
  t.same(parseTarget('[2001:2::2]:443'), { host: '2001:2::2', port: 443 });
  t.same(parseTarget('2001:2::2'), { host: '2001:2::2', port: 443 });
  t.throws(() => parseTarget('fileserver.example'), /an IP address .* resolves no names/);
  t.throws(() => parseTarget('198.18.0.2:70000'), /port must be 1-65535/);
});

t.test('the stand-in with the lab certificate: reachable, ALPN smb, no problems; SMB 3.1.1 over TCP with encryption', async (t) => {
  const run = await probe(t);
  t.equal(run.status, 0, run.stderr);
  t.match(run.stdout, /SMB over QUIC {2}198\.18\.0\.2:443 \(server\.lab\.example\): reachable, handshake [\d.]+ ms \(with a Retry round trip\), ALPN smb/);
  t.match(run.stdout, /#0 CN=server\.lab\.example/);
  t.match(run.stdout, /RSA 2048/);
  t.match(run.stdout, /no problems for SMB over QUIC/);
  t.match(run.stdout, /SMB over TCP {3}198\.18\.0\.2:445: reachable, connect [\d.]+ ms, NEGOTIATE [\d.]+ ms/);
  t.match(run.stdout, /chosen 3\.1\.1/);
  t.match(run.stdout, /encryption yes \(AES-128-GCM\)/);
  t.equal(run.files.filter((f) => f.startsWith('smb-probe-') && f.endsWith('.json')).length, 1, 'a result file');
});

// Expired and untrusted certificates: test/smb/quic-probe.live.test.ts, against the same stand-in.
t.test('a wrong name is reported, exit 1', async (t) => {
  const wrong = await probe(t, '--no-tcp', '--stand-in-certificate', 'wrong-name');
  t.equal(wrong.status, 1);
  t.match(wrong.stdout, /problem: name-mismatch: the name asked for, "server\.lab\.example", is not among .*DNS:wrong\.lab\.example/);
});

t.test('closed ports: not reachable, bounded, exit 1; a name is refused, exit 2', async (t) => {
  const closed = await probe(t, '--target', '127.0.0.1:4999', '--tcp-port', '4998', '--timeout', '1s');
  t.equal(closed.status, 1);
  t.match(closed.stdout, /SMB over QUIC {2}127\.0\.0\.1:4999 \(127\.0\.0\.1\): not reachable\n {2}error: no answer from 127\.0\.0\.1:4999 within 1000 ms/);
  t.match(closed.stdout, /SMB over TCP {3}127\.0\.0\.1:4998: not reachable\n {2}error: connection refused/);
  const named = await probe(t, '--target', 'fileserver.example');
  t.equal(named.status, 2);
  t.equal(named.stderr, 'error: --target wants an IP address with an optional port (the probe resolves no names), got "fileserver.example"\n');
});
