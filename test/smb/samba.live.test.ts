// Real SMB 3 over TCP on loopback: smbd (SambaServer) on 127.0.0.1 port 445 (a free port if
// 445 is taken), probed with probeSmbTcp and copied to and from with smbclient (SmbClient),
// once with the server requiring encryption and once with encryption off. Encryption is
// checked from both ends: smbstatus on the server names the session's cipher, smbclient's
// debug output counts the PDUs it encrypted. Also: a closed port, a silent and a non-SMB
// listener, and that nothing (smbd, smbclient, temporary directories) is left behind.
// Needs root and the Debian packages samba and smbclient; skipped with the reason otherwise.
import t, { type Test } from 'tap';
import { sessionOf } from '../fixtures/smb.js';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { generatedByteAt } from '../../harness/files/generated-body.js';
import { SAMBA_LAB_USER, SambaServer, type SambaTarget } from '../../harness/endpoints/samba/server.js';
import { SMBCLIENT_TEMP_PREFIX, SmbClient } from '../../harness/endpoints/samba/smbclient.js';
import { probeSmbTcp } from '../../harness/smb/tcp-probe.js';
import { processesNaming, tempEntries, alive } from '../fixtures/leftovers.js';

const HOST = '127.0.0.1';
const MB = 1_000_000;

function skipReason(): string | false {
  if (process.getuid?.() !== 0) return 'needs root (smbd on port 445, a system account)';
  const missing = ['smbd', 'smbclient', 'smbstatus', 'pdbedit', 'setpriv'].filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
  return missing.length > 0 ? `needs ${missing.join(', ')} (Debian packages samba, smbclient; apt-get install samba smbclient)` : false;
}
const skip = skipReason();

/** A port nothing listens on now (bound and released). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen({ host: HOST, port: 0, exclusive: true }, resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address !== null ? address.port : 0;
}

async function portIsFree(port: number): Promise<boolean> {
  const server = createServer();
  const free = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen({ host: HOST, port, exclusive: true }, () => resolve(true));
  });
  if (free) await new Promise<void>((resolve) => server.close(() => resolve()));
  return free;
}

const PORT = skip === false && (await portIsFree(445)) ? 445 : await freePort();
const clientTempsBefore = await tempEntries(SMBCLIENT_TEMP_PREFIX);
const client = new SmbClient();
t.teardown(() => client.close());

/** Starts a server, runs the checks, stops it and checks that it left nothing behind. */
async function withServer(t: Test, encryption: 'required' | 'off', checks: (server: SambaServer, target: SambaTarget) => Promise<void>): Promise<void> {
  const server = new SambaServer({ host: HOST, port: PORT, encryption, fileSizes: [MB] });
  t.teardown(() => server.stop());
  const started = performance.now();
  const target = await server.start();
  t.pass(`smbd ${server.info().version} listening on ${HOST}:${PORT} after ${(performance.now() - started).toFixed(0)} ms`);
  const pid = server.pid;
  const dir = server.directory;
  t.ok(pid !== undefined && dir !== undefined);
  t.match(target, { host: HOST, port: PORT, share: 'lab', user: SAMBA_LAB_USER, encryption });
  t.ok(target.password.length >= 20, 'a random password per run');
  const conf = await readFile(join(dir ?? '', 'smb.conf'), 'utf8');
  t.match(conf, new RegExp(`interfaces = ${HOST}/8\\n\\s*bind interfaces only = yes`), 'listens on the one address');
  t.match(conf, new RegExp(`server smb encrypt = ${encryption}\\n`));
  t.match(conf, /disable netbios = yes/);
  t.equal((await stat(join(dir ?? '', 'share', String(MB)))).size, MB, 'the prepared file');
  await checks(server, target);
  await server.stop();
  t.notOk(pid !== undefined && alive(pid), 'smbd is gone');
  t.notOk(dir !== undefined && existsSync(dir), 'its directory is gone');
  t.same(dir !== undefined ? await processesNaming(dir.slice(dir.lastIndexOf('/') + 1)) : [], [], 'no process names its directory');
}

t.test('encryption required: 3.1.1 with AES-128-GCM, get and put of 1 MB encrypted end to end', { skip }, async (t) => {
  await withServer(t, 'required', async (server, target) => {
    const probe = await probeSmbTcp({ host: HOST, port: PORT, timeoutMs: 5000 });
    t.match(probe, {
      reachable: true,
      dialectsOffered: ['2.0.2', '2.1', '3.0', '3.0.2', '3.1.1'],
      dialect: '3.1.1',
      signingEnabled: true,
      signingRequired: false,
      encryptionSupported: true,
      cipher: 'AES-128-GCM',
      signingAlgorithm: 'AES-GMAC', // Samba prefers GMAC even though the probe lists CMAC first
      preauthHash: 'SHA-512',
      capabilities: ['LEASING', 'LARGE_MTU', 'MULTI_CHANNEL'],
      maxReadSize: 8388608,
    });
    t.notOk('error' in probe, 'no error');
    t.ok((probe.connectMs ?? -1) > 0 && (probe.negotiateMs ?? -1) > 0, `connect ${probe.connectMs?.toFixed(2)} ms, negotiate ${probe.negotiateMs?.toFixed(2)} ms`);

    const probe30 = await probeSmbTcp({ host: HOST, port: PORT, timeoutMs: 5000, dialects: ['3.0.2'] });
    t.match(probe30, { dialect: '3.0.2', encryptionSupported: true, cipher: null, signingAlgorithm: null, preauthHash: null }, '3.0.2: encryption from the capability');
    t.ok(probe30.capabilities.includes('ENCRYPTION'));
    const probe2 = await probeSmbTcp({ host: HOST, port: PORT, timeoutMs: 5000, dialects: ['2.0.2', '2.1'] });
    t.match(probe2, { reachable: true, dialect: null, negotiateMs: null, error: /STATUS_NOT_SUPPORTED/ }, 'SMB 2 only: refused (server min protocol SMB3_00)');

    const get = await client.copy({ target, direction: 'get', bytes: MB, encryption: 'required', timeoutMs: 15_000, whileConnected: () => server.sessions() });
    t.match(get, { direction: 'get', remoteName: String(MB), bytes: MB, dialect: 'SMB3_11', encryption: { requested: 'required' } });
    t.ok(get.copyMs !== null && get.copyMs >= 0 && get.copyMsUncertainty === 0, `get: ${get.copyMs} ms by smbclient's clock (${get.rateKiBps} KiB/s)`);
    t.ok((get.encryption.encryptedPdus ?? 0) > 0 && (get.encryption.decryptedPdus ?? 0) > 0, `smbclient encrypted ${get.encryption.encryptedPdus} and decrypted ${get.encryption.decryptedPdus} PDUs`);
    const getSession = sessionOf(get.whileConnected, get.connection);
    t.match(getSession, { username: SAMBA_LAB_USER, clientAddress: HOST, dialect: 'SMB3_11', encryption: 'AES-128-GCM', encryptionDegree: 'full' }, "smbstatus: the client's session is encrypted");

    const put = await client.copy({ target, direction: 'put', bytes: MB, encryption: 'required', timeoutMs: 15_000, whileConnected: () => server.sessions() });
    t.match(put, { direction: 'put', bytes: MB, dialect: 'SMB3_11' });
    t.ok(put.copyMs !== null && put.copyMs >= 0, `put: ${put.copyMs} ms by smbclient's clock (${put.rateKiBps} KiB/s)`);
    t.ok((put.encryption.encryptedPdus ?? 0) > 0, 'smbclient encrypted the upload');
    t.match(sessionOf(put.whileConnected, put.connection), { encryption: 'AES-128-GCM', encryptionDegree: 'full' });
    const uploaded = await readFile(join(server.shareDirectory ?? '', put.remoteName));
    t.equal(uploaded.length, MB, 'the upload arrived whole');
    t.equal(
      uploaded.findIndex((byte, i) => byte !== generatedByteAt(i)),
      -1,
      'byte for byte the generated body',
    );
    const owner = (await stat(join(server.shareDirectory ?? '', put.remoteName))).uid;
    t.equal(owner, Number(/^qlab-smb:x:(\d+):/m.exec(readFileSync('/etc/passwd', 'utf8'))?.[1]), 'written as the lab account');

    // "client smb encrypt = off" cannot opt out: the server marks the session ENCRYPT_DATA
    const off = await client.copy({ target, direction: 'get', bytes: MB, encryption: 'off', timeoutMs: 15_000, whileConnected: () => server.sessions() });
    t.ok((off.encryption.encryptedPdus ?? 0) > 0, 'a client asking for no encryption still encrypts');
    t.match(sessionOf(off.whileConnected, off.connection), { encryption: 'AES-128-GCM' });

    await t.rejects(client.copy({ target, direction: 'get', bytes: 123, encryption: 'required', timeoutMs: 15_000 }), /NT_STATUS_OBJECT_NAME_NOT_FOUND opening remote file \\123/, 'a missing file is an error');
    await t.rejects(client.copy({ target: { ...target, password: 'wrong' }, direction: 'get', bytes: MB, encryption: 'required', timeoutMs: 15_000 }), /NT_STATUS_LOGON_FAILURE/, 'a wrong password is an error');
  });
});

t.test('encryption off: the same copies in the clear, signed', { skip }, async (t) => {
  await withServer(t, 'off', async (server, target) => {
    const probe = await probeSmbTcp({ host: HOST, port: PORT, timeoutMs: 5000 });
    t.match(probe, { reachable: true, dialect: '3.1.1', encryptionSupported: false, cipher: null, signingAlgorithm: 'AES-GMAC' }, 'no encryption context in the answer');

    for (const direction of ['get', 'put'] as const) {
      const copy = await client.copy({ target, direction, bytes: MB, encryption: 'off', timeoutMs: 15_000, whileConnected: () => server.sessions() });
      t.match(copy, { direction, bytes: MB, dialect: 'SMB3_11', encryption: { requested: 'off', encryptedPdus: 0, decryptedPdus: 0 } }, `${direction}: smbclient encrypted nothing`);
      t.match(sessionOf(copy.whileConnected, copy.connection), { encryption: null, encryptionDegree: null, signing: 'AES-128-GMAC' }, `${direction}: smbstatus: not encrypted, signed`);
      t.ok(copy.copyMs !== null, `${direction}: ${copy.copyMs} ms by smbclient's clock`);
    }
    await t.rejects(
      client.copy({ target, direction: 'get', bytes: MB, encryption: 'required', timeoutMs: 15_000 }),
      /Encryption required and server doesn't support SMB3 encryption/,
      'a client requiring encryption refuses this server',
    );
  });
});

t.test('probe failures: closed port, silent listener, not SMB', { skip }, async (t) => {
  const closed = await freePort();
  const refused = await probeSmbTcp({ host: HOST, port: closed, timeoutMs: 3000 });
  t.match(refused, { reachable: false, connectMs: null, negotiateMs: null, dialect: null, error: /^connection refused/ });

  const listeners: Server[] = [];
  const sockets: import('node:net').Socket[] = [];
  t.teardown(() => {
    for (const socket of sockets) socket.destroy();
    for (const listener of listeners) listener.close();
  });
  const listen = async (onConnection: (socket: import('node:net').Socket) => void): Promise<number> => {
    const server = createServer((socket) => {
      socket.on('error', () => {}); // the probe resets a connection it gives up on
      onConnection(socket);
    });
    listeners.push(server);
    await new Promise<void>((resolve) => server.listen({ host: HOST, port: 0 }, resolve));
    const address = server.address();
    return typeof address === 'object' && address !== null ? address.port : 0;
  };
  const silent = await listen((socket) => sockets.push(socket));
  const started = performance.now();
  const timedOut = await probeSmbTcp({ host: HOST, port: silent, timeoutMs: 300 });
  const elapsed = performance.now() - started;
  t.match(timedOut, { reachable: true, negotiateMs: null, error: 'timed out after 300 ms waiting for the NEGOTIATE response (0 bytes arrived)' });
  t.ok(elapsed < 1000, `bounded: ${elapsed.toFixed(0)} ms`);

  const http = await listen((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
  t.match(await probeSmbTcp({ host: HOST, port: http, timeoutMs: 3000 }), { reachable: true, dialect: null, error: /not an SMB-over-TCP frame: first byte 0x48/ });
  const hangup = await listen((socket) => socket.end());
  t.match(await probeSmbTcp({ host: HOST, port: hangup, timeoutMs: 3000 }), { reachable: true, error: /closed the connection after 0 bytes/ });
  await t.rejects(probeSmbTcp({ host: 'localhost', timeoutMs: 1000 }), /IP literal/);
});

t.test('nothing left behind', async (t) => {
  t.same(await tempEntries(SMBCLIENT_TEMP_PREFIX), clientTempsBefore, 'no smbclient directories');
  t.same(await processesNaming(SMBCLIENT_TEMP_PREFIX), [], 'no smbclient processes');
});
