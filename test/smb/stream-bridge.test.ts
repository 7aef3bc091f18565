// stream-bridge.ts against TCP servers on loopback, a pair of web streams standing in for the
// QUIC stream: bytes both ways unchanged, the client's FIN and the server's end closing both
// sides, a refused connection resetting the stream, and nothing left open.
import t from 'tap';
import { createServer, type Server, type Socket } from 'node:net';
import { TransformStream, type ReadableStreamDefaultReader } from 'node:stream/web';
import { bridgeStream } from '../../harness/smb/stream-bridge.js';

async function listen(onConnection: (socket: Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer(onConnection);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { server, port: address.port };
}

/** What the QUIC client sees: it writes to `toBridge`, reads from `fromBridge`. */
function streamPair() {
  const toBridge = new TransformStream<Uint8Array, Uint8Array>();
  const fromBridge = new TransformStream<Uint8Array, Uint8Array>();
  return { bridgeSide: { readable: toBridge.readable, writable: fromBridge.writable }, clientWriter: toBridge.writable.getWriter(), clientReader: fromBridge.readable.getReader() };
}

async function readAll(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<string> {
  const parts: Buffer[] = [];
  for (;;) {
    const chunk = await reader.read();
    if (chunk.done) return Buffer.concat(parts).toString();
    parts.push(Buffer.from(chunk.value));
  }
}

t.test('the client sends and ends (FIN): the server gets the bytes and EOF, its answer and end reach the client', async (t) => {
  const seen: string[] = [];
  const { server, port } = await listen((socket) => {
    const parts: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => parts.push(chunk));
    socket.on('end', () => {
      seen.push(Buffer.concat(parts).toString());
      socket.end(`pong:${Buffer.concat(parts).toString()}`);
    });
  });
  t.teardown(() => server.close());
  const { bridgeSide, clientWriter, clientReader } = streamPair();
  const bridged = bridgeStream(bridgeSide, { host: '127.0.0.1', port });
  await clientWriter.write(Buffer.from('ping'));
  await clientWriter.write(Buffer.from('-2'));
  await clientWriter.close();
  t.equal(await readAll(clientReader), 'pong:ping-2');
  t.same(await bridged, { toServerBytes: 6, toClientBytes: 11, endedBy: 'client' });
  t.same(seen, ['ping-2'], 'the server saw the bytes, then EOF');
  await new Promise((resolve) => setTimeout(resolve, 20));
  t.equal(await new Promise((resolve) => server.getConnections((_e, n) => resolve(n))), 0, 'the TCP connection is closed');
});

t.test('the server ends first: the stream finishes and the bridge stops reading from the client', async (t) => {
  const { server, port } = await listen((socket) => socket.end('bye'));
  t.teardown(() => server.close());
  const { bridgeSide, clientReader } = streamPair();
  // Read while the bridge runs: it hands the stream one chunk at a time, as the reader takes them.
  const [summary, text] = await Promise.all([bridgeStream(bridgeSide, { host: '127.0.0.1', port }), readAll(clientReader)]);
  t.same(summary, { toServerBytes: 0, toClientBytes: 3, endedBy: 'server' });
  t.equal(text, 'bye');
});

t.test('the server resets: the stream is aborted with the reason', async (t) => {
  const { server, port } = await listen((socket) => socket.resetAndDestroy());
  t.teardown(() => server.close());
  const { bridgeSide, clientReader } = streamPair();
  const summary = await bridgeStream(bridgeSide, { host: '127.0.0.1', port });
  t.equal(summary.endedBy, 'error');
  t.match(summary.error, /^TCP 127\.0\.0\.1:\d+: (read|connect) ECONNRESET/);
  t.equal(await clientReader.read().then(() => 'read', String), summary.error, 'the client sees its stream reset with that reason');
});

t.test('nothing listening: the connection is refused, the stream is reset, no bytes', async (t) => {
  const { server, port } = await listen(() => {});
  await new Promise((resolve) => server.close(resolve));
  const { bridgeSide, clientReader } = streamPair();
  const summary = await bridgeStream(bridgeSide, { host: '127.0.0.1', port });
  t.same(summary, { toServerBytes: 0, toClientBytes: 0, endedBy: 'error', error: `TCP 127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}` });
  t.equal(await clientReader.read().then(() => 'read', String), summary.error, 'the client sees its stream reset with that reason');
});

t.test('a large answer to a slow reader goes through whole (one chunk in flight at a time)', async (t) => {
  const bytes = 4 * 1024 * 1024;
  const { server, port } = await listen((socket) => socket.end(Buffer.alloc(bytes, 7)));
  t.teardown(() => server.close());
  const { bridgeSide, clientWriter, clientReader } = streamPair();
  const bridged = bridgeStream(bridgeSide, { host: '127.0.0.1', port });
  let received = 0;
  for (;;) {
    const chunk = await clientReader.read();
    if (chunk.done) break;
    received += chunk.value.length;
    await new Promise((resolve) => setImmediate(resolve));
  }
  await clientWriter.close().catch(() => {});
  t.equal(received, bytes);
  t.match(await bridged, { toClientBytes: bytes, endedBy: 'server' });
});
