// smb-probe through the real CLI: the default stand-in on the lab (QUIC with ALPN smb, its
// streams bridged to smbd) with a good and a wrong-name certificate; NEGOTIATE over QUIC
// answered by smbd through the bridge, compared with the NEGOTIATE over TCP; a closed port; bad
// input; no namespaces or processes left. (Argument parsing: smb-probe-args.test.ts.) The CLI
// runs in this process (test/fixtures/run-cli.ts): a spawned `node --import tsx` took about
// 1.5 s to start each of the six runs.
import t, { type Test } from 'tap';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SAMBA_TEMP_PREFIX } from '../../harness/endpoints/samba/server.js';
import { processesNaming } from '../fixtures/leftovers.js';
import { listNamespaces } from '../../harness/lab/namespaces.js';
import { runCli } from '../fixtures/run-cli.js';

async function probe(t: Test, ...args: string[]) {
  const dir = await mkdtemp(join(tmpdir(), 'qlab-smbprobe-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const { code, stdout, stderr } = await runCli(['smb-probe', ...args, '--results-dir', dir]);
  return { status: code, stdout, stderr, files: await readdir(dir) };
}

t.test('the stand-in with the lab certificate: reachable, ALPN smb, no problems; smbd answers NEGOTIATE over QUIC as over TCP', async (t) => {
  const run = await probe(t, '--json');
  t.equal(run.status, 0, run.stderr);
  const document = JSON.parse(run.stdout) as {
    quic: { negotiate: { outcome: { dialect: string; serverGuid: string; cipher: string } | null; error?: string } | null };
    tcp: { dialect: string; serverGuid: string; cipher: string };
    standIn: { bridge: string; bridgedStreams: Array<{ streamId: number; toServerBytes: number; toClientBytes: number; endedBy: string }> };
  };
  t.equal(document.quic.negotiate?.error, undefined);
  t.equal(document.quic.negotiate?.outcome?.dialect, '3.1.1', "smbd's dialect, over QUIC");
  t.equal(document.quic.negotiate?.outcome?.dialect, document.tcp.dialect, 'the same as over TCP');
  t.equal(document.quic.negotiate?.outcome?.cipher, document.tcp.cipher);
  t.equal(document.quic.negotiate?.outcome?.serverGuid, document.tcp.serverGuid, 'the same smbd answered both');
  t.equal(document.standIn.bridge, '198.18.0.2:445');
  t.match(document.standIn.bridgedStreams, [{ streamId: 0, endedBy: 'client' }]);
  t.ok((document.standIn.bridgedStreams[0]?.toClientBytes ?? 0) > 64, 'a NEGOTIATE response came back through the bridge');
});

t.test('the same as text: the side-by-side NEGOTIATE', async (t) => {
  const run = await probe(t);
  t.equal(run.status, 0, run.stderr);
  t.match(run.stdout, /SMB over QUIC {2}198\.18\.0\.2:443 \(server\.lab\.example\): reachable, handshake [\d.]+ ms \(with a Retry round trip\), ALPN smb/);
  t.match(run.stdout, /#0 CN=server\.lab\.example/);
  t.match(run.stdout, /RSA 2048/);
  t.match(run.stdout, /no problems for SMB over QUIC/);
  t.match(run.stdout, /SMB over TCP {3}198\.18\.0\.2:445: reachable, connect [\d.]+ ms/);
  t.match(run.stdout, /\n {2}SMB2 NEGOTIATE +over QUIC +over TCP\n/);
  t.match(run.stdout, /\n {2}dialect +3\.1\.1 +3\.1\.1\n/);
  t.match(run.stdout, /\n {2}encryption +yes \(AES-128-GCM\) +yes \(AES-128-GCM\)\n/);
  t.match(run.stdout, /the same SMB server answered both \(same server GUID\)/);
  t.match(run.stdout, /bridge: QUIC stream 0 <-> smbd: \d+ bytes to smbd, \d+ back, ended by the client/);
  t.notMatch(run.stdout, /differs/);
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
  t.match(closed.stdout, /\n {2}answered in +no SMB over QUIC handshake +no TCP connection\n/);
  t.match(closed.stdout, /note: the certificate was checked against the address 127\.0\.0\.1; Windows clients reach SMB over QUIC by name/);
  const named = await probe(t, '--target', 'fileserver.example');
  t.equal(named.status, 2);
  t.equal(named.stderr, 'error: --target fileserver.example is a name: give its address with --resolve fileserver.example:443:ADDRESS (the probe resolves no names)\n');
});

t.test('a name with --resolve: the certificate is checked against that name', async (t) => {
  const run = await probe(t, '--target', 'fileserver.example:4999', '--resolve', 'fileserver.example:4999:127.0.0.1', '--no-tcp', '--timeout', '1s');
  t.equal(run.status, 1);
  t.match(run.stdout, /target fileserver\.example at 127\.0\.0\.1 \(from --resolve\)\nSMB over QUIC {2}127\.0\.0\.1:4999 \(fileserver\.example\): not reachable/);
  t.notMatch(run.stdout, /note: the certificate was checked against the address/);
});

t.test('nothing left behind: no namespaces, no stand-in or smbd processes', async (t) => {
  // The probes ran in this process: a lab's namespaces are named qlab-PID-...
  const namespaces = (await listNamespaces()).filter((name) => name.startsWith(`qlab-${process.pid}-`));
  t.same(namespaces, [], "none of the probes' namespaces");
  t.same(await processesNaming('qlab-smbquic-'), [], 'no stand-in');
  t.same(await processesNaming(SAMBA_TEMP_PREFIX), [], 'no smbd');
});
