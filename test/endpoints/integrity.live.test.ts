// A body with one byte changed fails the sample that reads it, naming the byte; an intact one
// passes with every byte verified. On loopback, for every client and server that moves the
// lab's bodies: Caddy and gtlsserver serve files (one is changed in place here, as a disk
// error or a wrong file would), the Node server generates its bodies (its test-only
// changeBodyByteAt option stands in for the changed file), Samba serves and stores files in a
// share on this host. Chromium checks the bodies in its page (h2 from the Node server, h3 from
// gtlsserver): each of its exchanges starts a browser (about a second), so only the intact
// whole bodies and the failures are here; an intact Range and intact batches, checked byte
// for byte the same way, are chromium.live.test.ts's.
import t from 'tap';
import { open } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { Client } from 'undici';
import { readFile } from 'node:fs/promises';
import { endpointPkis } from '../fixtures/endpoint-pkis.js';
import { checkUploadAnswer } from '../../harness/files/body-check.js';
import { generatedByteAt, generatedChunks } from '../../harness/files/generated-body.js';
import { CaddyServer } from '../../harness/endpoints/caddy/server.js';
import { ChromiumClient } from '../../harness/endpoints/chromium/client.js';
import { chromiumPath } from '../../harness/endpoints/chromium/headless.js';
import { CurlClient } from '../../harness/endpoints/curl/client.js';
import { Ngtcp2Client } from '../../harness/endpoints/ngtcp2/client.js';
import { Ngtcp2Server } from '../../harness/endpoints/ngtcp2/server.js';
import { NodeHttpsServer } from '../../harness/endpoints/node/https-server.js';
import { UndiciClient } from '../../harness/endpoints/undici/client.js';
import { SambaServer } from '../../harness/endpoints/samba/server.js';
import { SmbClientEndpoint } from '../../harness/endpoints/samba/endpoints.js';

const SIZE = 2_000_000;
/** One past 1 MiB: mid-body, inside a TLS record and a QUIC packet, off every chunk boundary. */
const CHANGED = 1_048_577;
const expected = generatedByteAt(CHANGED); // 150 = 0x96
const WRONG = new RegExp(`byte ${CHANGED} is 0x69, expected 0x96`); // 0x96 inverted
const stops: Array<() => Promise<void>> = [];
const { pki } = await endpointPkis('integrity', async () => {
  for (const stop of stops) await stop();
});
// Before any assertion: tap ends a file that has nothing queued while it awaits.
const chromiumSkip = await chromiumPath().then(
  () => false as const,
  (error: Error) => `no Chromium: ${error.message}`,
);
t.equal(expected, 0x96);

/** Inverts one byte of a file in place (the same inode: a server that keeps it mapped sees it). */
async function changeByte(path: string, offset: number): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, offset);
    byte[0] = (byte[0] as number) ^ 0xff;
    await handle.write(byte, 0, 1, offset);
  } finally {
    await handle.close();
  }
}

const spec = (target: { host: string; port: number; serverName: string }) => ({ target, path: `/${SIZE}`, timeoutMs: 20_000 });

t.test('Node server: h1 and h2 downloads (undici, curl) fail at the changed byte, pass without it', async (t) => {
  const good = new NodeHttpsServer({ tls: pki.material, host: '127.0.0.1' });
  const bad = new NodeHttpsServer({ tls: pki.material, host: '127.0.0.1', changeBodyByteAt: CHANGED });
  stops.push(
    () => good.stop(),
    () => bad.stop(),
  );
  const [goodTarget, badTarget] = [await good.start(), await bad.start()];
  t.equal(bad.info().settings.testChangedBodyByteAt, CHANGED, 'the result would say so');
  for (const application of ['http/1.1', 'h2'] as const) {
    for (const client of [new UndiciClient(pki.material, application), new CurlClient(pki.material, application)]) {
      const name = `${client.implementation} ${application}`;
      t.match(await client.exchange(spec(goodTarget)), { bodyBytes: SIZE, verifiedBodyBytes: SIZE }, `${name}: intact, all verified`);
      await t.rejects(client.exchange(spec(badTarget)), WRONG, `${name}: fails naming the byte`);
      // A Range from 1 MiB on: the offset is the body's, not the response's.
      t.match(await client.exchange({ ...spec(goodTarget), rangeStartBytes: 1_048_576 }), { verifiedBodyBytes: SIZE - 1_048_576 }, `${name}: a Range verified from its start`);
      await t.rejects(client.exchange({ ...spec(badTarget), rangeStartBytes: 1_048_576 }), WRONG, `${name}: a Range fails at the same body offset`);
    }
    const batch = await new UndiciClient(pki.material, application).exchangeBatch({ target: goodTarget, paths: [`/${SIZE}`, `/${SIZE}`], timeoutMs: 20_000 });
    t.same(
      batch.objects.map((o) => o.verifiedBytes),
      [SIZE, SIZE],
      `${application}: a batch verifies every object`,
    );
    await t.rejects(new UndiciClient(pki.material, application).exchangeBatch({ target: badTarget, paths: [`/${SIZE}`], timeoutMs: 20_000 }), WRONG);
    await t.rejects(new CurlClient(pki.material, application).exchangeBatch({ target: badTarget, paths: [`/${SIZE}`, `/${SIZE}`], timeoutMs: 20_000 }), WRONG);
  }
  // Uploads: the server checks them and names the first wrong byte.
  t.match(await new UndiciClient(pki.material, 'h2').exchange({ ...spec(goodTarget), uploadBytes: SIZE }), { uploadedBytes: SIZE, verifiedBodyBytes: SIZE });
  t.match(await new CurlClient(pki.material, 'http/1.1').exchange({ ...spec(goodTarget), uploadBytes: SIZE }), { uploadedBytes: SIZE, verifiedBodyBytes: SIZE });
  const body = Buffer.concat([...generatedChunks(SIZE)]);
  body[CHANGED] = (body[CHANGED] as number) ^ 0xff;
  const raw = new Client(`https://127.0.0.1:${goodTarget.port}`, { connect: { ca: await readFile(pki.material.caFile), servername: pki.material.serverName } });
  t.teardown(() => raw.close());
  const answer = await raw.request({ path: `/${SIZE}`, method: 'POST', body });
  t.equal(answer.statusCode, 400);
  const text = await answer.body.text();
  t.throws(() => checkUploadAnswer(text, SIZE, SIZE), { message: `upload: the server received body byte ${CHANGED} is 0x69, expected 0x96` });
});

t.test('Caddy: a served file with one byte changed fails h1, h2 (undici, curl) and h3 (gtlsclient)', async (t) => {
  const caddy = new CaddyServer({ tls: pki.material, host: '127.0.0.1', bodySizes: [SIZE] });
  stops.push(() => caddy.stop());
  const target = await caddy.start();
  const clients = [new UndiciClient(pki.material, 'http/1.1'), new UndiciClient(pki.material, 'h2'), new CurlClient(pki.material, 'h2'), new Ngtcp2Client({ tls: pki.material })];
  t.teardown(async () => {
    for (const client of clients) if ('close' in client) await client.close();
  });
  for (const client of clients) t.match(await client.exchange(spec(target)), { verifiedBodyBytes: SIZE }, `${client.implementation} ${client.application}: intact`);
  await changeByte(await caddy.servedFile(SIZE), CHANGED);
  for (const client of clients) await t.rejects(client.exchange(spec(target)), WRONG, `${client.implementation} ${client.application}: fails naming the byte`);
});

t.test('gtlsserver: a served file with one byte changed fails the h3 download and batch', async (t) => {
  const server = new Ngtcp2Server({ tls: pki.material, host: '127.0.0.1', bodySizes: [SIZE] });
  stops.push(() => server.stop());
  const target = await server.start();
  const client = new Ngtcp2Client({ tls: pki.material });
  t.teardown(() => client.close());
  t.match(await client.exchange(spec(target)), { bodyBytes: SIZE, verifiedBodyBytes: SIZE });
  const batch = await client.exchangeBatch({ target, paths: [`/${SIZE}`, `/${SIZE}`, `/${SIZE}`], timeoutMs: 20_000 });
  t.same(
    batch.objects.map((o) => o.verifiedBytes),
    [SIZE, SIZE, SIZE],
    'each stream saved and verified on its own',
  );
  // After it served the file once: gtlsserver keeps it mapped, and sees the change.
  await changeByte(await server.servedFile(SIZE), CHANGED);
  await t.rejects(client.exchange(spec(target)), WRONG);
  await t.rejects(client.exchangeBatch({ target, paths: [`/${SIZE}`, `/${SIZE}`], timeoutMs: 20_000 }), WRONG);
});

t.test('Chromium: h2 (Node server) and h3 (gtlsserver) downloads and batches fail at the changed byte, pass without it', { skip: chromiumSkip }, async (t) => {
  const good = new NodeHttpsServer({ tls: pki.material, host: '127.0.0.1' });
  const bad = new NodeHttpsServer({ tls: pki.material, host: '127.0.0.1', changeBodyByteAt: CHANGED });
  const quic = new Ngtcp2Server({ tls: pki.material, host: '127.0.0.1', bodySizes: [SIZE] });
  stops.push(
    () => good.stop(),
    () => bad.stop(),
    () => quic.stop(),
  );
  const [goodTarget, badTarget, quicTarget] = [await good.start(), await bad.start(), await quic.start()];
  const h2 = new ChromiumClient(pki.material, 'h2');
  const h3 = new ChromiumClient(pki.material, 'h3');
  const batch = (target: typeof badTarget) => ({ target, paths: [`/${SIZE}`, `/${SIZE}`], timeoutMs: 20_000 });

  t.match(await h2.exchange(spec(goodTarget)), { alpn: 'h2', bodyBytes: SIZE, verifiedBodyBytes: SIZE }, 'h2: intact, all verified');
  await t.rejects(h2.exchange(spec(badTarget)), { name: 'BodyIntegrityError', message: WRONG }, 'h2: fails naming the byte');
  // (A Range verified from its start: chromium.live.test.ts, bytes 400-999 of /1000.)
  await t.rejects(h2.exchange({ ...spec(badTarget), rangeStartBytes: 1_048_576 }), WRONG, 'h2: a Range fails at the same body offset');
  // (An intact batch verifies every object: chromium.live.test.ts, 10 objects over h2 and h3.)
  await t.rejects(h2.exchangeBatch(batch(badTarget)), new RegExp(`object 1's body ${WRONG.source}`), 'h2: a batch fails naming the object and the byte');

  t.match(await h3.exchange(spec(quicTarget)), { alpn: 'h3', bodyBytes: SIZE, verifiedBodyBytes: SIZE }, 'h3: intact, all verified');
  // After it served the file: gtlsserver keeps it mapped, and sees the change.
  await changeByte(await quic.servedFile(SIZE), CHANGED);
  await t.rejects(h3.exchange(spec(quicTarget)), { name: 'BodyIntegrityError', message: WRONG }, 'h3: fails naming the byte');
  await t.rejects(h3.exchangeBatch(batch(quicTarget)), new RegExp(`object 1's body ${WRONG.source}`), 'h3: a batch fails naming the byte');
});

const smbSkip = process.getuid?.() !== 0 || spawnSync('sh', ['-c', 'command -v smbd && command -v smbclient']).status !== 0 ? 'needs root, smbd and smbclient' : false;
t.test('SMB: a get of a changed file fails naming the byte; a put whose stored file differs fails', { skip: smbSkip }, async (t) => {
  const server = new SambaServer({ host: '127.0.0.1', port: 44_545, encryption: 'if_required', fileSizes: [SIZE] });
  stops.push(() => server.stop());
  const samba = await server.start();
  const share = (): string => server.shareDirectory as string;
  let corruptStored = false;
  const storedFile = (name: string): string => `${share()}/${name}`;
  const client = new SmbClientEndpoint(
    () => samba,
    'off',
    undefined,
    (name) => {
      if (corruptStored) spawnSync('sh', ['-c', `printf '\\377' | dd of=${storedFile(name)} bs=1 seek=${CHANGED} conv=notrunc status=none`]);
      return storedFile(name);
    },
  );
  t.teardown(() => client.close());
  t.match(await client.copy('get', SIZE, 20_000), { bytes: SIZE, verifiedBytes: SIZE }, 'get: intact');
  t.match(await client.copy('put', SIZE, 20_000), { bytes: SIZE, verifiedBytes: SIZE }, 'put: the stored file checked');
  corruptStored = true;
  await t.rejects(client.copy('put', SIZE, 20_000), new RegExp(`stored upload-${SIZE}-[0-9a-f]+ byte ${CHANGED} is 0xff, expected 0x96`));
  await changeByte(`${share()}/${SIZE}`, CHANGED);
  await t.rejects(client.copy('get', SIZE, 20_000), new RegExp(`file ${SIZE} byte ${CHANGED} is 0x69, expected 0x96`));
});
